/*
 * bs/matrix_import.h - reading BMDExpress expression ("dose-response")
 * files (notes/bmdexpress.md §1.1) into a bmd_dataset.
 *
 * Tab-delimited text, plain or gzip: an optional header row of sample ids
 * (the first row is a header when any of its fields 2..m+1 is not a
 * number), the dose row, then one row per probe: its id and m values.
 * Lines without a tab are notes and ignored; CR-LF is accepted. Values and
 * doses are rounded to 32-bit floats as BMDExpress stores them, then
 * widened. Samples are sorted by dose (stable) and grouped.
 *
 * Every refusal names the file, the line and, for a value, the column
 * (1-based, the probe id being column 1): a value that is not a finite
 * number, a wrong number of columns, a duplicate probe id, fewer than two
 * dose groups, a missing dose row, an empty file, a line over the length
 * limit, more probes, samples or bytes than the limits allow.
 */
#ifndef BS_MATRIX_IMPORT_H
#define BS_MATRIX_IMPORT_H

#include <stddef.h>

#include "bmd/dataset.h"

typedef struct bs_import_limits {
  size_t max_probes;
  size_t max_samples;
  size_t max_bytes;       /* of text (after gunzip) */
  size_t max_line_length; /* bytes */
  size_t max_id_length;   /* of a probe or sample id */
} bs_import_limits;

/* 2,000,000 probes, 10,000 samples, 4 GiB, 1 MiB lines, 255-byte ids. */
bs_import_limits bs_import_limits_default(void);

/* Reads path (plain or gzip). On success *out is a new dataset with the
 * given log base. Returns 0, or -1 with errstr filled. */
int bs_matrix_import_file(const char *path, const bs_import_limits *limits, bmd_log_base log_base,
                          bmd_dataset **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The same from memory (plain or gzip bytes); name is used in messages. */
int bs_matrix_import_buffer(const void *buf, size_t len, const char *name,
                            const bs_import_limits *limits, bmd_log_base log_base,
                            bmd_dataset **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
