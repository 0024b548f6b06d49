/*
 * bmd_chunks.c - the chunk plan of a BMD result, each chunk's fits as an
 * object with its final probe_stat_results rows, and the gather's load of
 * them all (see bs/bmd_chunks.h).
 *
 * A chunk's object is a header, "BMDCHNK3", the size of one fit (uint32),
 * 1 when the piece is rendered (uint32), the count (uint64), the sizes of
 * the piece's gzip member of probe_stats.json and of its bmd.tsv rows
 * (uint64), all host order; then one gzip member (level 1) of the chunk's
 * fits as this build lays them out in memory, the member and the rows
 * (bs/bmd_pieces.h). Compressed, a chunk of 139 probes is about 0.4 MB
 * instead of 1.3 (the fits of models not fitted are zeros), for about
 * 6 ms of the worker's CPU: the object store's upload, which the worker
 * waits for, was 54 ms of the chunk's 100 ms store on the stack's S3Proxy.
 * A chunk with a probe that awaits the steps across probes stores no
 * piece (the gather renders it once they are done). Workers and the
 * gather of one deployment run one build; another build's object (the
 * size of a fit or the magic differs) is refused, never misread.
 */
#include "bs/bmd_chunks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bmd_export.h"
#include "bs/results.h"

static const char chunk_magic[8] = {'B', 'M', 'D', 'C', 'H', 'N', 'K', '3'};

typedef struct chunk_header {
  char magic[8];
  uint32_t fit_size;
  uint32_t rendered;
  uint64_t n;
  uint64_t json_gz_len;
  uint64_t tsv_len;
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

/* Where result_id's chunk objects live: "projects/{p}/results/{id}/chunks/",
 * chunk i's object "<that>{i}.fits". */
static void chunks_prefix(int64_t project_id, int64_t result_id, char *buf, size_t size) {
  snprintf(buf, size, "projects/%" PRId64 "/results/%" PRId64 "/chunks/", project_id, result_id);
}

static void chunk_key(int64_t project_id, int64_t result_id, size_t index, char *buf, size_t size) {
  char prefix[128];
  chunks_prefix(project_id, result_id, prefix, sizeof(prefix));
  snprintf(buf, size, "%s%zu.fits", prefix, index);
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
                                 "SELECT n_chunks, first_row, n_rows, done_at IS NOT NULL, "
                                 "marked_last FROM bmd_chunks WHERE bmd_result_id = $1::bigint "
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
  chunk->marked_last = PQgetvalue(res, 0, 4)[0] == 't';
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

/* The chunk's object: header, then fits and piece (when rendered) as one
 * gzip member. A new buffer *out (free), NULL when out of memory. */
static unsigned char *chunk_object(const bs_bmd_chunk *chunk, const bmd_probe_fit *fits,
                                   const bs_bmd_piece *piece, size_t *out_len) {
  chunk_header h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, chunk_magic, sizeof(h.magic));
  h.fit_size = (uint32_t)sizeof(*fits);
  h.rendered = (uint32_t)piece->rendered;
  h.n = chunk->len;
  h.json_gz_len = piece->json_gz_len;
  h.tsv_len = piece->tsv_len;
  size_t fits_len = chunk->len * sizeof(*fits);
  size_t body_len = fits_len + piece->json_gz_len + piece->tsv_len;
  unsigned char *body = malloc(body_len ? body_len : 1);
  if (!body)
    return NULL;
  if (fits_len)
    memcpy(body, fits, fits_len);
  if (piece->json_gz_len)
    memcpy(body + fits_len, piece->json_gz, piece->json_gz_len);
  if (piece->tsv_len)
    memcpy(body + fits_len + piece->json_gz_len, piece->tsv, piece->tsv_len);
  void *gz = NULL;
  size_t gz_len = 0;
  int rc = bs_gzip_compress_level(body, body_len, 1, &gz, &gz_len);
  free(body);
  unsigned char *buf = rc == 0 ? malloc(sizeof(h) + gz_len) : NULL;
  if (buf) {
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), gz, gz_len);
    *out_len = sizeof(h) + gz_len;
  }
  free(gz);
  return buf;
}

/* The chunk's probes as JSON (bs_bmd_probe_json), its rows final or not
 * and its piece (rendered when every row is final). */
static bs_status chunk_render(const bmd_dataset *ds, const bs_bmd_chunk *chunk,
                              const bmd_probe_fit *fits, json_t **probes,
                              unsigned char **final_rows, bs_bmd_piece *piece, char *errstr,
                              size_t errstr_size) {
  int all_final = 1;
  *probes = json_array();
  *final_rows = malloc(chunk->len ? chunk->len : 1);
  for (size_t i = 0; *probes && *final_rows && i < chunk->len; i++) {
    (*final_rows)[i] = (unsigned char)bs_results_probe_row_final(&fits[i]);
    all_final &= (*final_rows)[i];
    json_t *o = bs_bmd_probe_json(ds, &fits[i]);
    if (!o || json_array_append_new(*probes, o) != 0) {
      json_decref(*probes);
      *probes = NULL;
    }
  }
  piece->first = chunk->first;
  piece->len = chunk->len;
  if (!*probes || !*final_rows ||
      (all_final && bs_bmd_piece_render(ds, fits, *probes, piece) != 0)) {
    snprintf(errstr, errstr_size, "out of memory rendering chunk %zu", chunk->index);
    return BS_ERR_RETRIABLE;
  }
  return BS_OK;
}

bs_status bs_bmd_chunk_store(bs_db *db, bs_objstore *store, int64_t project_id, int64_t result_id,
                             const bmd_dataset *ds, const bs_bmd_chunk *chunk,
                             const bmd_probe_fit *fits, int *last, int *result_complete,
                             char *errstr, size_t errstr_size) {
  *last = 0;
  *result_complete = 0;
  /* the probes whose rows the steps across probes cannot change, their
   * JSON (for the rows and the piece) and the piece */
  json_t *probes = NULL;
  unsigned char *final_rows = NULL, *buf = NULL;
  bs_bmd_piece piece = {0};
  size_t len = 0;
  bs_status st = chunk_render(ds, chunk, fits, &probes, &final_rows, &piece, errstr, errstr_size);
  char key[256];
  chunk_key(project_id, result_id, chunk->index, key, sizeof(key));
  if (st == BS_OK && !(buf = chunk_object(chunk, fits, &piece, &len))) {
    snprintf(errstr, errstr_size, "out of memory for chunk %zu's object", chunk->index);
    st = BS_ERR_RETRIABLE;
  }
  bs_bmd_piece_clear(&piece);
  if (st == BS_OK)
    st = bs_objstore_put(store, key, buf, len, "application/octet-stream", errstr, errstr_size);
  free(buf);
  if (st != BS_OK) {
    json_decref(probes);
    free(final_rows);
    return st;
  }

  const bs_db_param params[] = {BS_DB_INT64(result_id), BS_DB_INT64(chunk->index), BS_DB_TEXT(key)};
  PGresult *locked = NULL, *marked = NULL, *left = NULL;
  st = bs_db_begin(db, errstr, errstr_size);
  /* one chunk of the result at a time from here to COMMIT, and after the
   * gather's last transaction if that came first: then the result is
   * complete (its key is set), read here as committed */
  if (st == BS_OK)
    st = bs_db_query_row(db,
                         "SELECT results_s3_key IS NOT NULL FROM bmd_results "
                         "WHERE id = $1::bigint FOR UPDATE",
                         1, params, &locked, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_db_query(db,
                     "UPDATE bmd_chunks SET done_at = now(), fits_key = $3, "
                     "marked_last = NOT EXISTS (SELECT 1 FROM bmd_chunks o "
                     "WHERE o.bmd_result_id = $1::bigint AND o.chunk_index <> $2::int "
                     "AND o.done_at IS NULL) "
                     "WHERE bmd_result_id = $1::bigint AND chunk_index = $2::int "
                     "AND done_at IS NULL RETURNING 1",
                     3, params, &marked, errstr, errstr_size);
  if (st == BS_OK && PQntuples(marked) == 1) /* its final rows, done with it: exactly once */
    st = bs_results_load_probe_rows(db, result_id, ds, fits, chunk->len, probes, final_rows, errstr,
                                    errstr_size);
  if (st == BS_OK)
    st = bs_db_query_row(db,
                         "SELECT count(*) FILTER (WHERE done_at IS NULL) FROM bmd_chunks "
                         "WHERE bmd_result_id = $1::bigint",
                         1, params, &left, errstr, errstr_size);
  st = bs_db_end(db, st, errstr, errstr_size);
  free(final_rows);
  json_decref(probes);
  if (st == BS_OK) {
    *last = PQntuples(marked) == 1 && int_at(left, 0, 0) == 0;
    *result_complete = PQgetvalue(locked, 0, 0)[0] == 't';
  }
  PQclear(locked);
  PQclear(marked);
  PQclear(left);
  return st;
}

/* size bytes at src into a new buffer *dst (NULL when size is 0). */
static int copy_out(const unsigned char *src, size_t size, void **dst) {
  *dst = NULL;
  if (size == 0)
    return 0;
  if (!(*dst = malloc(size)))
    return -1;
  memcpy(*dst, src, size);
  return 0;
}

/* Chunk row `row` of res (index, first_row, n_rows, fits_key) read from
 * its object into fits[first..first + len), each fit's probe checked
 * against rows, and its piece into *piece (rendered 0 when the chunk
 * stored none). */
static bs_status load_one(bs_objstore *store, PGresult *res, int row, int64_t result_id,
                          const size_t *rows, size_t n, bmd_probe_fit *fits, bs_bmd_piece *piece,
                          char *errstr, size_t errstr_size) {
  size_t index = int_at(res, row, 0), first = int_at(res, row, 1), len = int_at(res, row, 2);
  const char *key = PQgetvalue(res, row, 3);
  if (PQgetisnull(res, row, 3) || first > n || len > n - first) {
    snprintf(errstr, errstr_size, "BMD result %" PRId64 ": chunk %zu is not done or out of range",
             result_id, index);
    return BS_ERR_PERMANENT;
  }
  piece->first = first;
  piece->len = len;
  void *buf = NULL, *body = NULL;
  size_t got = 0, body_len = 0, fits_len = len * sizeof(*fits);
  /* the piece's text: far less than 1 GiB for any chunk */
  const size_t max_piece = (size_t)1 << 30;
  bs_status st = bs_objstore_get(store, key, sizeof(chunk_header) + fits_len + max_piece, &buf,
                                 &got, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    st = BS_ERR_PERMANENT;
  if (st != BS_OK)
    return st;
  chunk_header h;
  memset(&h, 0, sizeof(h));
  if (got >= sizeof(h))
    memcpy(&h, buf, sizeof(h));
  char zerr[128] = "";
  int ok = got >= sizeof(h) && memcmp(h.magic, chunk_magic, sizeof(h.magic)) == 0 &&
           h.fit_size == sizeof(*fits) && h.n == len && h.rendered <= 1 &&
           h.json_gz_len <= max_piece && h.tsv_len <= max_piece - h.json_gz_len;
  size_t want = ok ? fits_len + h.json_gz_len + h.tsv_len : 0;
  if (ok)
    ok = bs_gzip_decompress((const unsigned char *)buf + sizeof(h), got - sizeof(h), want, &body,
                            &body_len, zerr, sizeof(zerr)) == 0 &&
         body_len == want;
  free(buf);
  if (!ok) {
    snprintf(errstr, errstr_size,
             "%s: not the fits of chunk %zu as this build stores them (%zu bytes%s%s)", key, index,
             got, zerr[0] ? ": " : "", zerr);
    free(body);
    return BS_ERR_PERMANENT;
  }
  const unsigned char *at = body;
  if (len)
    memcpy(fits + first, at, fits_len);
  if (h.rendered) {
    if (copy_out(at + fits_len, h.json_gz_len, &piece->json_gz) != 0 ||
        copy_out(at + fits_len + h.json_gz_len, h.tsv_len, (void **)&piece->tsv) != 0) {
      bs_bmd_piece_clear(piece);
      free(body);
      snprintf(errstr, errstr_size, "out of memory for chunk %zu's piece", index);
      return BS_ERR_RETRIABLE;
    }
    piece->json_gz_len = h.json_gz_len;
    piece->tsv_len = h.tsv_len;
    piece->rendered = 1;
  }
  free(body);
  for (size_t i = first; i < first + len; i++)
    if (fits[i].probe != rows[i]) {
      snprintf(errstr, errstr_size, "%s: fit %zu is of row %zu, not of the chunk's row %zu", key,
               i - first, fits[i].probe, rows[i]);
      return BS_ERR_PERMANENT;
    }
  return BS_OK;
}

void bs_bmd_pieces_destroy(bs_bmd_piece *pieces, size_t count) {
  for (size_t i = 0; pieces && i < count; i++)
    bs_bmd_piece_clear(&pieces[i]);
  free(pieces);
}

bs_status bs_bmd_chunks_load(bs_db *db, bs_objstore *store, int64_t result_id, const size_t *rows,
                             size_t n, bmd_probe_fit **fits, bs_bmd_piece **pieces, size_t *count,
                             char *errstr, size_t errstr_size) {
  *fits = NULL;
  *pieces = NULL;
  *count = 0;
  const bs_db_param params[] = {BS_DB_INT64(result_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query(db,
                             "SELECT chunk_index, first_row, n_rows, fits_key FROM bmd_chunks "
                             "WHERE bmd_result_id = $1::bigint ORDER BY chunk_index",
                             1, params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  size_t nchunks = (size_t)PQntuples(res);
  bmd_probe_fit *f = calloc(n ? n : 1, sizeof(*f));
  bs_bmd_piece *p = calloc(nchunks ? nchunks : 1, sizeof(*p));
  size_t covered = 0;
  if (!f || !p) {
    snprintf(errstr, errstr_size, "out of memory for %zu probe fits", n);
    st = BS_ERR_RETRIABLE;
  }
  for (int r = 0; st == BS_OK && r < (int)nchunks; r++) {
    st = load_one(store, res, r, result_id, rows, n, f, &p[r], errstr, errstr_size);
    /* the chunks in index order cover the rows in order, each once */
    if (st == BS_OK && p[r].first != covered) {
      snprintf(errstr, errstr_size, "BMD result %" PRId64 ": chunk %d starts at row %zu, not %zu",
               result_id, r, p[r].first, covered);
      st = BS_ERR_PERMANENT;
    }
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
    bs_bmd_pieces_destroy(p, nchunks);
    return st;
  }
  *fits = f;
  *pieces = p;
  *count = nchunks;
  return BS_OK;
}

/* Collects the keys a listing names (bs_objstore_list_cb). */
typedef struct key_list {
  char **keys;
  size_t n, cap;
  int out_of_memory;
} key_list;

static int collect_key_cb(void *opaque, const char *key, uint64_t size) {
  (void)size;
  key_list *l = opaque;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    char **keys = realloc(l->keys, cap * sizeof(*keys));
    if (!keys) {
      l->out_of_memory = 1;
      return 1;
    }
    l->keys = keys;
    l->cap = cap;
  }
  if (!(l->keys[l->n] = strdup(key))) {
    l->out_of_memory = 1;
    return 1;
  }
  l->n++;
  return 0;
}

bs_status bs_bmd_chunks_delete(bs_objstore *store, int64_t project_id, int64_t result_id,
                               size_t *deleted, char *errstr, size_t errstr_size) {
  *deleted = 0;
  char prefix[128];
  chunks_prefix(project_id, result_id, prefix, sizeof(prefix));
  /* listed first, deleted after: no listing runs over keys deleted under it */
  key_list l = {0};
  bs_status st = bs_objstore_list(store, prefix, collect_key_cb, &l, errstr, errstr_size);
  if (st == BS_OK && l.out_of_memory) {
    snprintf(errstr, errstr_size, "out of memory listing %s", prefix);
    st = BS_ERR_RETRIABLE;
  }
  for (size_t i = 0; st == BS_OK && i < l.n; i++)
    if ((st = bs_objstore_delete(store, l.keys[i], errstr, errstr_size)) == BS_OK)
      (*deleted)++;
  for (size_t i = 0; i < l.n; i++)
    free(l.keys[i]);
  free(l.keys);
  return st;
}
