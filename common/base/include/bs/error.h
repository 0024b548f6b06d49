/*
 * bs/error.h - the error classes every fallible call of common/ reports.
 * The class decides what a program does (STYLE.md #3): retry with backoff
 * (RETRIABLE), dead-letter or refuse (PERMANENT), or treat as absent
 * (NOT_FOUND).
 */
#ifndef BS_ERROR_H
#define BS_ERROR_H

#include <stddef.h>

typedef enum { BS_OK = 0, BS_ERR_RETRIABLE, BS_ERR_PERMANENT, BS_ERR_NOT_FOUND } bs_status;

const char *bs_status_name(bs_status status);

/* Formats an error message into errstr[0..errstr_size) (truncated to fit);
 * a NULL errstr or a zero size is ignored. */
void bs_set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
