/*
 * bs/matrix_bin.h - the matrix.bin object: a versioned, checksummed binary
 * form of a dataset (layout in docs/matrix-bin.md).
 */
#ifndef BS_MATRIX_BIN_H
#define BS_MATRIX_BIN_H

#include <stddef.h>

#include "bmd/dataset.h"

#define BS_MATRIX_BIN_VERSION 1

/* Encodes ds into a new malloc'd buffer. 0, or -1 when out of memory. */
int bs_matrix_bin_encode(const bmd_dataset *ds, void **buf, size_t *len)
    __attribute__((warn_unused_result));

/* Decodes buf[0..len) into a new dataset (grouped). 0, or -1 with errstr
 * naming what is wrong (truncated, corrupt, unknown version, ...). */
int bs_matrix_bin_decode(const void *buf, size_t len, bmd_dataset **out, char *errstr,
                         size_t errstr_size) __attribute__((warn_unused_result));

#endif
