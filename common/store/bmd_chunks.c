/*
 * bmd_chunks.c - the chunk plan of a BMD result, each chunk's fits as an
 * object with its final probe_stat_results rows, and the gather's load of
 * them all (see bs/bmd_chunks.h).
 *
 * A chunk's object is its fits as this build lays them out in memory,
 * behind a header: "BMDCHNK1", the size of one fit (uint32), 0 (uint32),
 * the count (uint64), all host order. Workers and the gather of one
 * deployment run one build; another build's object (the size differs) is
 * refused, never misread.
 */
#include "bs/bmd_chunks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/results.h"

static const char chunk_magic[8] = {'B', 'M', 'D', 'C', 'H', 'N', 'K', '1'};

typedef struct chunk_header {
  char magic[8];
  uint32_t fit_size;
  uint32_t reserved;
  uint64_t n;
} chunk_header;

size_t bs_bmd_chunk_count(size_t n, size_t size, size_t partitions) {
  size = size ? size : 1;
  partitions = partitions ? partitions : 1;
  size_t want = (n + size - 1) / size; /* ceil(n / size) */
  size_t count = (want + partitions - 1) / partitions * partitions;
  return count ? count : 1;
}

void bs_bmd_chunk_range(size_t n, size_t count, size_t index, size_t *first, size_t *len) {
  /* first = floor(index * n / count) (n and count below 2^31: the
   * products fit in 64 bits) */
  uint64_t a = (uint64_t)index * n / count, b = (uint64_t)(index + 1) * n / count;
  *first = (size_t)a;
  *len = (size_t)(b - a);
}

static size_t int_at(PGresult *res, int row, int col) {
  return (size_t)strtoull(PQgetvalue(res, row, col), NULL, 10);
}

bs_status bs_bmd_chunks_plan(bs_db *db, int64_t result_id, size_t n, size_t *count,
                             size_t *remaining, char *errstr, size_t errstr_size) {
  /* One statement inserts every chunk of the plan:
   *   first_i = floor(i * n / count), n_rows_i = floor((i + 1) n / count) - first_i,
   * as bs_bmd_chunk_range computes them. */
  const bs_db_param params[] = {BS_DB_INT64(result_id), BS_DB_INT64(*count), BS_DB_INT64(n)};
  bs_status st = bs_db_query(
      db,
      "INSERT INTO bmd_chunks (bmd_result_id, chunk_index, n_chunks, first_row, n_rows) "
      "SELECT $1::bigint, i, $2::int, (i::bigint * $3::bigint / $2::int)::int, "
      "(((i + 1)::bigint * $3::bigint / $2::int) - (i::bigint * $3::bigint / $2::int))::int "
      "FROM generate_series(0, $2::int - 1) AS i ON CONFLICT DO NOTHING",
      3, params, NULL, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  PGresult *res = NULL;
  st = bs_db_query_row(db,
                       "SELECT max(n_chunks), count(*) FILTER (WHERE done_at IS NULL) "
                       "FROM bmd_chunks WHERE bmd_result_id = $1::bigint",
                       1, params, &res, errstr, errstr_size);
  if (st == BS_OK) {
    *count = int_at(res, 0, 0);
    *remaining = int_at(res, 0, 1);
  }
  PQclear(res);
  return st;
}

bs_status bs_bmd_chunk_get(bs_db *db, int64_t result_id, size_t index, bs_bmd_chunk *chunk,
                           char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(result_id), BS_DB_INT64(index)};
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db,
                                 "SELECT n_chunks, first_row, n_rows, done_at IS NOT NULL "
                                 "FROM bmd_chunks WHERE bmd_result_id = $1::bigint "
                                 "AND chunk_index = $2::int",
                                 2, params, &res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size, "BMD result %" PRId64 " has no chunk %zu", result_id, index);
  if (st != BS_OK)
    return st;
  chunk->index = index;
  chunk->count = int_at(res, 0, 0);
  chunk->first = int_at(res, 0, 1);
  chunk->len = int_at(res, 0, 2);
  chunk->done = PQgetvalue(res, 0, 3)[0] == 't';
  PQclear(res);
  return BS_OK;
}

bs_status bs_bmd_chunks_remaining(bs_db *db, int64_t result_id, size_t *remaining, char *errstr,
                                  size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(result_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db,
                                 "SELECT count(*) FILTER (WHERE done_at IS NULL) FROM bmd_chunks "
                                 "WHERE bmd_result_id = $1::bigint",
                                 1, params, &res, errstr, errstr_size);
  if (st == BS_OK)
    *remaining = int_at(res, 0, 0);
  PQclear(res);
  return st;
}

bs_status bs_bmd_chunk_store(bs_db *db, bs_objstore *store, int64_t project_id, int64_t result_id,
                             const bmd_dataset *ds, const bs_bmd_chunk *chunk,
                             const bmd_probe_fit *fits, int *last, char *errstr,
                             size_t errstr_size) {
  *last = 0;
  /* the probes whose rows the steps across probes cannot change */
  unsigned char *final_rows = malloc(chunk->len ? chunk->len : 1);
  if (!final_rows) {
    snprintf(errstr, errstr_size, "out of memory for chunk %zu's rows", chunk->index);
    return BS_ERR_RETRIABLE;
  }
  for (size_t i = 0; i < chunk->len; i++)
    final_rows[i] = (unsigned char)bs_results_probe_row_final(&fits[i]);
  char key[256];
  snprintf(key, sizeof(key), "projects/%" PRId64 "/results/%" PRId64 "/chunks/%zu.fits", project_id,
           result_id, chunk->index);
  size_t len = sizeof(chunk_header) + chunk->len * sizeof(*fits);
  unsigned char *buf = malloc(len);
  if (!buf) {
    snprintf(errstr, errstr_size, "out of memory for chunk %zu's fits", chunk->index);
    return BS_ERR_RETRIABLE;
  }
  chunk_header h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, chunk_magic, sizeof(h.magic));
  h.fit_size = (uint32_t)sizeof(*fits);
  h.n = chunk->len;
  memcpy(buf, &h, sizeof(h));
  if (chunk->len)
    memcpy(buf + sizeof(h), fits, chunk->len * sizeof(*fits));
  bs_status st =
      bs_objstore_put(store, key, buf, len, "application/octet-stream", errstr, errstr_size);
  free(buf);
  if (st != BS_OK) {
    free(final_rows);
    return st;
  }

  const bs_db_param params[] = {BS_DB_INT64(result_id), BS_DB_INT64(chunk->index), BS_DB_TEXT(key)};
  PGresult *marked = NULL, *left = NULL;
  st = bs_db_begin(db, errstr, errstr_size);
  if (st == BS_OK) /* one chunk of the result at a time from here to COMMIT */
    st = bs_db_query(db, "SELECT id FROM bmd_results WHERE id = $1::bigint FOR UPDATE", 1, params,
                     NULL, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_db_query(db,
                     "UPDATE bmd_chunks SET done_at = now(), fits_key = $3 "
                     "WHERE bmd_result_id = $1::bigint AND chunk_index = $2::int "
                     "AND done_at IS NULL RETURNING 1",
                     3, params, &marked, errstr, errstr_size);
  if (st == BS_OK && PQntuples(marked) == 1) /* its final rows, done with it: exactly once */
    st = bs_results_load_probe_rows(db, result_id, ds, fits, chunk->len, final_rows, errstr,
                                    errstr_size);
  if (st == BS_OK)
    st = bs_db_query_row(db,
                         "SELECT count(*) FILTER (WHERE done_at IS NULL) FROM bmd_chunks "
                         "WHERE bmd_result_id = $1::bigint",
                         1, params, &left, errstr, errstr_size);
  st = bs_db_end(db, st, errstr, errstr_size);
  free(final_rows);
  if (st == BS_OK)
    *last = PQntuples(marked) == 1 && int_at(left, 0, 0) == 0;
  PQclear(marked);
  PQclear(left);
  return st;
}

/* Chunk row `row` of res (index, first_row, n_rows, fits_key) read from
 * its object into fits[first..first + len), each fit's probe checked
 * against rows. */
static bs_status load_one(bs_objstore *store, PGresult *res, int row, int64_t result_id,
                          const size_t *rows, size_t n, bmd_probe_fit *fits, char *errstr,
                          size_t errstr_size) {
  size_t index = int_at(res, row, 0), first = int_at(res, row, 1), len = int_at(res, row, 2);
  const char *key = PQgetvalue(res, row, 3);
  if (PQgetisnull(res, row, 3) || first > n || len > n - first) {
    snprintf(errstr, errstr_size, "BMD result %" PRId64 ": chunk %zu is not done or out of range",
             result_id, index);
    return BS_ERR_PERMANENT;
  }
  void *buf = NULL;
  size_t got = 0, want = sizeof(chunk_header) + len * sizeof(*fits);
  bs_status st = bs_objstore_get(store, key, want, &buf, &got, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    st = BS_ERR_PERMANENT;
  if (st != BS_OK)
    return st;
  chunk_header h;
  if (got >= sizeof(h))
    memcpy(&h, buf, sizeof(h));
  if (got != want || memcmp(h.magic, chunk_magic, sizeof(h.magic)) != 0 ||
      h.fit_size != sizeof(*fits) || h.n != len) {
    snprintf(errstr, errstr_size,
             "%s: not the fits of chunk %zu as this build stores them (%zu bytes, %zu expected)",
             key, index, got, want);
    free(buf);
    return BS_ERR_PERMANENT;
  }
  if (len)
    memcpy(fits + first, (const unsigned char *)buf + sizeof(h), len * sizeof(*fits));
  free(buf);
  for (size_t i = first; i < first + len; i++)
    if (fits[i].probe != rows[i]) {
      snprintf(errstr, errstr_size, "%s: fit %zu is of row %zu, not of the chunk's row %zu", key,
               i - first, fits[i].probe, rows[i]);
      return BS_ERR_PERMANENT;
    }
  return BS_OK;
}

bs_status bs_bmd_chunks_load(bs_db *db, bs_objstore *store, int64_t result_id, const size_t *rows,
                             size_t n, bmd_probe_fit **fits, char *errstr, size_t errstr_size) {
  *fits = NULL;
  const bs_db_param params[] = {BS_DB_INT64(result_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query(db,
                             "SELECT chunk_index, first_row, n_rows, fits_key FROM bmd_chunks "
                             "WHERE bmd_result_id = $1::bigint ORDER BY chunk_index",
                             1, params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  bmd_probe_fit *f = calloc(n ? n : 1, sizeof(*f));
  size_t covered = 0;
  if (!f) {
    snprintf(errstr, errstr_size, "out of memory for %zu probe fits", n);
    st = BS_ERR_RETRIABLE;
  }
  for (int r = 0; st == BS_OK && r < PQntuples(res); r++) {
    st = load_one(store, res, r, result_id, rows, n, f, errstr, errstr_size);
    covered += int_at(res, r, 2);
  }
  if (st == BS_OK && covered != n) {
    snprintf(errstr, errstr_size, "BMD result %" PRId64 ": its chunks hold %zu probes, not %zu",
             result_id, covered, n);
    st = BS_ERR_PERMANENT;
  }
  PQclear(res);
  if (st != BS_OK) {
    free(f);
    return st;
  }
  *fits = f;
  return BS_OK;
}
