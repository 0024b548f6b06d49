/*
 * fields.h - splitting a line of a tab-separated file into its fields,
 * for the readers of common/formats that take any number of columns.
 */
#ifndef BS_FIELDS_H
#define BS_FIELDS_H

#include <stddef.h>

/* Splits line[0..len) in place at its tabs (each becomes a NUL) into
 * (*fields)[0..n), pointers into the line; *fields grows as needed (its
 * capacity in *cap, doubling from 64; the caller frees it). Returns n,
 * at least 1, or (size_t)-1 when out of memory. */
size_t bs_fields_split_tabs(char *line, size_t len, char ***fields, size_t *cap);

#endif
