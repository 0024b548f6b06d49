/*
 * matrix_bin.c - encode and decode matrix.bin (docs/matrix-bin.md).
 */
#include "bs/matrix_bin.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAGIC "BMDMATRX"
#define HEADER_SIZE 40
#define MAX_ID 4096

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++)
    v |= (uint32_t)p[i] << (8 * i);
  return v;
}

static uint64_t get_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void put_f64(unsigned char *p, double d) {
  uint64_t v;
  memcpy(&v, &d, sizeof(v));
  put_u64(p, v);
}

static double get_f64(const unsigned char *p) {
  uint64_t v = get_u64(p);
  double d;
  memcpy(&d, &v, sizeof(d));
  return d;
}

int bs_matrix_bin_encode(const bmd_dataset *ds, void **buf, size_t *len) {
  size_t P = ds->n_probes, S = ds->n_samples;
  size_t size = HEADER_SIZE + 8 * S + 8 * P * S + 4;
  for (size_t s = 0; s < S; s++)
    size += 4 + strlen(ds->sample_ids[s] ? ds->sample_ids[s] : "");
  for (size_t p = 0; p < P; p++)
    size += 4 + strlen(ds->probe_ids[p]);
  unsigned char *b = malloc(size), *q = b;
  if (!b)
    return -1;
  memcpy(q, MAGIC, 8);
  put_u32(q + 8, BS_MATRIX_BIN_VERSION);
  put_u32(q + 12, 0);
  put_u64(q + 16, P);
  put_u64(q + 24, S);
  put_u32(q + 32, (uint32_t)ds->log_base);
  put_u32(q + 36, 0);
  q += HEADER_SIZE;
  for (size_t s = 0; s < S; s++, q += 8)
    put_f64(q, ds->doses[s]);
  for (size_t i = 0; i < S + P; i++) {
    const char *id = i < S ? (ds->sample_ids[i] ? ds->sample_ids[i] : "") : ds->probe_ids[i - S];
    uint32_t n = (uint32_t)strlen(id);
    put_u32(q, n);
    memcpy(q + 4, id, n);
    q += 4 + n;
  }
  for (size_t i = 0; i < P * S; i++, q += 8)
    put_f64(q, ds->values[i]);
  put_u32(q, (uint32_t)crc32(0L, b, (uInt)(q - b)));
  *buf = b;
  *len = size;
  return 0;
}

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(errstr, errstr_size, "matrix.bin: " __VA_ARGS__);                                     \
    goto fail;                                                                                     \
  } while (0)

int bs_matrix_bin_decode(const void *buf, size_t len, bmd_dataset **out, char *errstr,
                         size_t errstr_size) {
  const unsigned char *b = buf, *q, *end;
  bmd_dataset *ds = NULL;
  *out = NULL;
  if (len < HEADER_SIZE + 4)
    FAIL("truncated: %zu bytes, shorter than the %d-byte header", len, HEADER_SIZE + 4);
  if (memcmp(b, MAGIC, 8) != 0)
    FAIL("not a matrix.bin object (wrong magic)");
  uint32_t version = get_u32(b + 8);
  if (version != BS_MATRIX_BIN_VERSION)
    FAIL("format version %u is not supported (this build reads version %d)", version,
         BS_MATRIX_BIN_VERSION);
  uint32_t stored = get_u32(b + len - 4), actual = (uint32_t)crc32(0L, b, (uInt)(len - 4));
  uint64_t P = get_u64(b + 16), S = get_u64(b + 24);
  uint32_t base = get_u32(b + 32);
  /* Sizes first: a truncated object should say so, not "corrupt". */
  if (S == 0 || P == 0 || S > (uint64_t)1 << 24 || P > (uint64_t)1 << 32 || P * S > (len / 8) + 1)
    FAIL("counts (%llu probes x %llu samples) do not fit its %zu bytes: truncated or corrupt",
         (unsigned long long)P, (unsigned long long)S, len);
  size_t fixed = HEADER_SIZE + 8 * (size_t)S + 8 * (size_t)(P * S) + 4 + 4 * (size_t)(P + S);
  if (len < fixed)
    FAIL("truncated: %zu bytes, at least %zu expected for %llu probes x %llu samples", len, fixed,
         (unsigned long long)P, (unsigned long long)S);
  if (stored != actual)
    FAIL("checksum mismatch (stored %08x, computed %08x): the object is corrupt", stored, actual);
  if (base > BMD_LOG_NATURAL)
    FAIL("unknown log base %u", base);
  ds = bmd_dataset_new((size_t)P, (size_t)S);
  if (!ds)
    FAIL("out of memory for %llu x %llu values", (unsigned long long)P, (unsigned long long)S);
  ds->log_base = (bmd_log_base)base;
  q = b + HEADER_SIZE;
  end = b + len - 4;
  for (size_t s = 0; s < S; s++, q += 8) {
    ds->doses[s] = get_f64(q);
    if (!isfinite(ds->doses[s]) || (s > 0 && ds->doses[s] < ds->doses[s - 1]))
      FAIL("dose %zu is not finite or out of order", s);
  }
  for (size_t i = 0; i < S + P; i++) {
    if (end - q < 4)
      FAIL("truncated in the ids");
    uint32_t n = get_u32(q);
    if (n > MAX_ID || (size_t)(end - q) < 4 + (size_t)n)
      FAIL("id %zu: length %u is implausible or runs past the end", i, n);
    char *id = malloc(n + 1);
    if (!id)
      FAIL("out of memory");
    memcpy(id, q + 4, n);
    id[n] = '\0';
    if (i < S)
      ds->sample_ids[i] = id;
    else
      ds->probe_ids[i - S] = id;
    q += 4 + n;
  }
  if ((size_t)(end - q) != 8 * (size_t)(P * S))
    FAIL("%zu value bytes, expected %zu: truncated or trailing data", (size_t)(end - q),
         8 * (size_t)(P * S));
  for (size_t i = 0; i < P * S; i++, q += 8) {
    ds->values[i] = get_f64(q);
    if (!isfinite(ds->values[i]))
      FAIL("value %zu (probe %s) is not finite", i % S, ds->probe_ids[i / S]);
  }
  if (bmd_dataset_group(ds) != 0)
    FAIL("out of memory");
  *out = ds;
  return 0;
fail:
  bmd_dataset_destroy(ds);
  return -1;
}
