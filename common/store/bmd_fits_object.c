/*
 * bmd_fits_object.c - a BMD result's fits as one object (see
 * bs/bmd_fits_object.h).
 *
 * The object is a header, "BMDFITS1", the size of one fit (uint32), 0
 * (uint32) and the count (uint64), host order; then one gzip member
 * (level 1) of the fits as this build lays them out in memory. The fits of
 * models not fitted are zeros: 5,004 fits of 5,040 bytes are 25 MB, 4.7 MB
 * compressed (0.1 s at level 1). The header and member are the chunk
 * object's layout (bmd_chunks.c) without its piece: two formats, two
 * magics, each refused by the other's reader.
 */
#include "bs/bmd_fits_object.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fits_magic[8] = {'B', 'M', 'D', 'F', 'I', 'T', 'S', '1'};

typedef struct fits_header {
  char magic[8];
  uint32_t fit_size;
  uint32_t reserved;
  uint64_t n;
} fits_header;

void bs_bmd_fits_object_key(int64_t project_id, int64_t result_id, char *buf, size_t size) {
  snprintf(buf, size, "projects/%" PRId64 "/results/%" PRId64 "/fits.bin", project_id, result_id);
}

bs_status bs_bmd_fits_object_put(bs_objstore *store, const char *key, const bmd_probe_fit *fits,
                                 size_t n, char *errstr, size_t errstr_size) {
  fits_header h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, fits_magic, sizeof(h.magic));
  h.fit_size = (uint32_t)sizeof(*fits);
  h.n = n;
  void *gz = NULL;
  size_t gz_len = 0;
  unsigned char *buf = NULL;
  if (bs_gzip_compress_level(fits, n * sizeof(*fits), 1, &gz, &gz_len) == 0)
    buf = malloc(sizeof(h) + gz_len);
  if (!buf) {
    free(gz);
    snprintf(errstr, errstr_size, "out of memory for %zu fits' object", n);
    return BS_ERR_RETRIABLE;
  }
  memcpy(buf, &h, sizeof(h));
  memcpy(buf + sizeof(h), gz, gz_len);
  free(gz);
  bs_status st = bs_objstore_put(store, key, buf, sizeof(h) + gz_len, "application/octet-stream",
                                 errstr, errstr_size);
  free(buf);
  return st;
}

bs_status bs_bmd_fits_object_get(bs_objstore *store, const char *key, size_t n_rows,
                                 bmd_probe_fit **fits, size_t *n, char *errstr,
                                 size_t errstr_size) {
  *fits = NULL;
  *n = 0;
  void *buf = NULL, *body = NULL;
  size_t got = 0, body_len = 0;
  /* at most one fit per row of the matrix, compressed no larger */
  const size_t max_fits = n_rows * sizeof(bmd_probe_fit);
  bs_status st = bs_objstore_get(store, key, sizeof(fits_header) + max_fits + (1 << 20), &buf, &got,
                                 errstr, errstr_size);
  if (st != BS_OK)
    return st;
  fits_header h;
  memset(&h, 0, sizeof(h));
  if (got >= sizeof(h))
    memcpy(&h, buf, sizeof(h));
  char zerr[128] = "";
  int ok = got >= sizeof(h) && memcmp(h.magic, fits_magic, sizeof(h.magic)) == 0 &&
           h.fit_size == sizeof(bmd_probe_fit) && h.n <= n_rows;
  size_t want = ok ? (size_t)h.n * sizeof(bmd_probe_fit) : 0;
  if (ok)
    ok = bs_gzip_decompress((const unsigned char *)buf + sizeof(h), got - sizeof(h), want, &body,
                            &body_len, zerr, sizeof(zerr)) == 0 &&
         body_len == want;
  free(buf);
  bmd_probe_fit *f = body;
  for (size_t i = 0; ok && i < h.n; i++)
    ok = f[i].probe < n_rows;
  if (!ok) {
    snprintf(errstr, errstr_size,
             "%s: not the fits of %zu rows as this build stores them (%zu "
             "bytes%s%s)",
             key, n_rows, got, zerr[0] ? ": " : "", zerr);
    free(body);
    return BS_ERR_PERMANENT;
  }
  *fits = f;
  *n = (size_t)h.n;
  return BS_OK;
}
