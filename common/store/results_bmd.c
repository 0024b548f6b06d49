/*
 * results_bmd.c - bmd_results and probe_stat_results, and the
 * probe_stats.json.gz object.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bmd_export.h"
#include "bs/bmd_pieces.h"
#include "bs/db_copy.h"
#include "bs/results.h"
#include "results_internal.h"

static int compare_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

bs_status bs_results_passed_probes(bs_db *db, int64_t prefilter_id, const bmd_dataset *ds,
                                   size_t **rows, size_t *n, char *errstr, size_t errstr_size) {
  *rows = NULL;
  *n = 0;
  const bs_db_param params[] = {BS_DB_INT64(prefilter_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query(db,
                             "SELECT probe_id FROM prefilter_result_details "
                             "WHERE prefilter_id = $1::bigint AND passed",
                             1, params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  size_t count = (size_t)PQntuples(res);
  bmd_probe_index *index = bmd_probe_index_new(ds);
  size_t *out = malloc((count ? count : 1) * sizeof(*out));
  if (!index || !out) {
    snprintf(errstr, errstr_size, "out of memory");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  for (size_t i = 0; i < count; i++) {
    const char *id = PQgetvalue(res, (int)i, 0);
    out[i] = bmd_probe_index_find(index, id);
    if (out[i] == ds->n_probes) {
      snprintf(errstr, errstr_size,
               "prefilter result %" PRId64 " names probe '%s', which the matrix does not have",
               prefilter_id, id);
      st = BS_ERR_PERMANENT;
      goto done;
    }
  }
  qsort(out, count, sizeof(*out), compare_size);
  *rows = out;
  *n = count;
  out = NULL;
done:
  bmd_probe_index_destroy(index);
  free(out);
  PQclear(res);
  return st;
}

bs_status bs_results_upsert_bmd(bs_db *db, int64_t project_id, int64_t experiment_id,
                                int64_t prefilter_id, const char *name, const json_t *settings,
                                int64_t *result_id, char *errstr, size_t errstr_size) {
  char *info = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);
  const bs_db_param params[] = {BS_DB_INT64(project_id), BS_DB_INT64(experiment_id),
                                prefilter_id > 0 ? BS_DB_INT64(prefilter_id) : BS_DB_NULL,
                                BS_DB_TEXT(name), BS_DB_TEXT(info)};
  /* DO UPDATE (a no-op assignment) so that RETURNING yields the id of an
   * existing row too. */
  bs_status st = bs_db_query_id(
      db,
      "INSERT INTO bmd_results (project_id, experiment_id, prefilter_id, name, bmd_method, "
      "analysis_info) VALUES ($1::bigint, $2::bigint, $3::bigint, $4, 'MLE', $5::jsonb) "
      "ON CONFLICT (experiment_id, prefilter_id, bmd_method, name) "
      "DO UPDATE SET name = EXCLUDED.name RETURNING id",
      5, params, result_id, errstr, errstr_size);
  free(info);
  return st;
}

bs_status bs_results_bmd_complete(bs_db *db, int64_t result_id, int *complete, char *errstr,
                                  size_t errstr_size) {
  *complete = 0;
  const bs_db_param params[] = {BS_DB_INT64(result_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(
      db, "SELECT results_s3_key IS NOT NULL FROM bmd_results WHERE id = $1::bigint", 1, params,
      &res, errstr, errstr_size);
  if (st == BS_OK)
    *complete = PQgetvalue(res, 0, 0)[0] == 't';
  PQclear(res);
  return st;
}

/* One COPY row of result_id per probe i with rows[i] nonzero (rows
 * NULL: every probe) (NULL when out of memory:
 * bs_copy_rows_load reports it); each probe's models from its entry of
 * all, the probe statistics' array (bs_bmd_probe_json), or, all NULL,
 * from its own. */
static bs_copy_rows *copy_rows(int64_t result_id, const bmd_dataset *ds, const bmd_probe_fit *fits,
                               size_t n, const json_t *all, const unsigned char *rows) {
  bs_copy_rows *copy = bs_copy_rows_new();
  for (size_t i = 0; copy && i < n; i++) {
    if (rows && !rows[i])
      continue;
    const bmd_probe_fit *pf = &fits[i];
    const bmd_select_result *b = &pf->best;
    const bmd_fit_result *best = b->best >= 0 ? &pf->fits[b->best] : NULL;
    bs_copy_add_int8(copy, result_id);
    bs_copy_add_text(copy, ds->probe_ids[pf->probe]);
    bs_copy_add_text(copy, best ? bmd_model_name(best->model) : NULL);
    bs_copy_add_float8(copy, best ? b->bmd : NAN);
    bs_copy_add_float8(copy, best ? b->bmdl : NAN);
    bs_copy_add_float8(copy, best ? b->bmdu : NAN);
    bs_copy_add_float8(copy, best ? best->fit_p : NAN);
    bs_copy_add_float8(copy, best ? best->aic : NAN);
    if (best)
      bs_copy_add_int2(copy, best->increasing ? 1 : -1);
    else
      bs_copy_add_null(copy);
    json_t *own = all ? NULL : bs_bmd_probe_json(ds, pf);
    char *text =
        json_dumps(json_object_get(all ? json_array_get(all, i) : own, "models"), JSON_COMPACT);
    json_decref(own);
    bs_copy_add_jsonb(copy, text ? text : "[]");
    bs_copy_end_row(copy);
    free(text);
  }
  return copy;
}

static const char stat_columns[] =
    "bmd_result_id, probe_id, best_model, best_bmd, best_bmdl, best_bmdu, best_fit_p_value, "
    "best_aic, direction, models";

static const char stat_staging_columns[] =
    "bmd_result_id bigint, probe_id varchar(255), best_model varchar(50), best_bmd float8, "
    "best_bmdl float8, best_bmdu float8, best_fit_p_value float8, best_aic float8, "
    "direction smallint, models jsonb";

int bs_results_probe_row_final(const bmd_probe_fit *fit) {
  return !fit->best.needs_hill_fix;
}

bs_status bs_results_load_probe_rows(bs_db *db, int64_t result_id, const bmd_dataset *ds,
                                     const bmd_probe_fit *fits, size_t n, const json_t *probes,
                                     const unsigned char *rows, char *errstr, size_t errstr_size) {
  bs_copy_rows *copy = copy_rows(result_id, ds, fits, n, probes, rows);
  bs_status st = bs_copy_rows_load(copy, db, "probe_stat_results", stat_columns, "stat_staging",
                                   stat_staging_columns, errstr, errstr_size);
  bs_copy_rows_destroy(copy);
  return st;
}

bs_status bs_results_store_probe_stats(bs_db *db, bs_objstore *store, const char *key,
                                       int64_t result_id, const bmd_dataset *ds,
                                       const bmd_probe_fit *fits, size_t n,
                                       const unsigned char *rows, const bs_bmd_piece *pieces,
                                       size_t count, char *errstr, size_t errstr_size) {
  /* 1. The object: a JSON array of per-probe results, gzip'd, joined from
   * the pieces (bs/bmd_pieces.h), or rendered here as one piece. */
  bs_bmd_piece whole = {0, n, 0, NULL, 0, NULL, 0};
  void *gz = NULL;
  size_t gz_len = 0;
  int rc = 0;
  if (!pieces) {
    rc = bs_bmd_piece_render(ds, fits, NULL, &whole);
    pieces = &whole;
    count = 1;
  }
  if (rc == 0)
    rc = bs_bmd_pieces_json_gz(pieces, count, n, &gz, &gz_len);
  bs_bmd_piece_clear(&whole);
  if (rc != 0) {
    snprintf(errstr, errstr_size, "out of memory encoding probe statistics");
    return BS_ERR_RETRIABLE;
  }
  bs_status st = bs_objstore_put(store, key, gz, gz_len, "application/gzip", errstr, errstr_size);
  free(gz);
  if (st != BS_OK)
    return st;

  /* 2. The rows, in one transaction with the result's key and count. */
  bs_copy_rows *copy = copy_rows(result_id, ds, fits, n, NULL, rows);
  const bs_db_param params[] = {BS_DB_INT64(result_id), BS_DB_TEXT(key), BS_DB_INT64(n)};
  return bs_results_store_rows(db, copy, "probe_stat_results", stat_columns, "stat_staging",
                               stat_staging_columns,
                               "UPDATE bmd_results SET results_s3_key = $2, num_results = $3::int "
                               "WHERE id = $1::bigint",
                               3, params, errstr, errstr_size);
}
