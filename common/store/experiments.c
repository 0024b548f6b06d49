/*
 * experiments.c - experiment, treatment and probe-response rows. Probe
 * responses are loaded with COPY into a temporary table, then inserted
 * with ON CONFLICT DO NOTHING (COPY itself cannot skip duplicates).
 */
#include "bs/experiments.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/db_copy.h"
#include "bs/matrix_bin.h"
#include "bs/objstore.h"
#include "bs/settings.h"

bs_status bs_experiment_insert(bs_db *db, int64_t project_id, const char *name,
                               const bmd_dataset *ds, int64_t *experiment_id, char *errstr,
                               size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(project_id), BS_DB_TEXT(name),
                                BS_DB_TEXT(bs_settings_log_base_word(ds->log_base)),
                                BS_DB_INT64(ds->n_probes), BS_DB_INT64(ds->n_samples)};
  return bs_db_query_id(db,
                        "INSERT INTO dose_response_experiments (project_id, name, "
                        "log_transformation, num_probes, num_treatments) VALUES ($1::bigint, $2, "
                        "$3, $4::int, $5::int) RETURNING id",
                        5, params, experiment_id, errstr, errstr_size);
}

/* The probe rows of experiment_id for COPY: experiment, index, id,
 * responses (real[]: each rounded to float). */
static bs_copy_rows *copy_rows(int64_t experiment_id, const bmd_dataset *ds) {
  bs_copy_rows *copy = bs_copy_rows_new();
  for (size_t p = 0; copy && p < ds->n_probes; p++) {
    bs_copy_add_int8(copy, experiment_id);
    bs_copy_add_int4(copy, (int32_t)p);
    bs_copy_add_text(copy, ds->probe_ids[p]);
    bs_copy_add_float4_array(copy, bmd_dataset_row(ds, p), ds->n_samples);
    bs_copy_end_row(copy);
  }
  return copy;
}

/* Inside the caller's transaction: treatments and probe responses. */
static bs_status store_rows(bs_db *db, int64_t experiment_id, const bmd_dataset *ds, char *errstr,
                            size_t errstr_size) {
  bs_status st = BS_OK;
  for (size_t s = 0; st == BS_OK && s < ds->n_samples; s++) {
    char idx[32];
    snprintf(idx, sizeof(idx), "%zu", s);
    const bs_db_param params[] = {BS_DB_INT64(experiment_id), BS_DB_INT64(s),
                                  BS_DB_TEXT(ds->sample_ids[s] ? ds->sample_ids[s] : idx),
                                  BS_DB_DOUBLE(ds->doses[s])};
    st = bs_db_query(db,
                     "INSERT INTO treatments (experiment_id, sample_index, name, dose) VALUES "
                     "($1::bigint, $2::int, $3, $4::float8) ON CONFLICT DO NOTHING",
                     4, params, NULL, errstr, errstr_size);
  }
  if (st == BS_OK) {
    bs_copy_rows *copy = copy_rows(experiment_id, ds);
    st = bs_copy_rows_load(copy, db, "probe_responses",
                           "experiment_id, probe_index, probe_id, responses", "probe_staging",
                           "experiment_id bigint, probe_index int, probe_id varchar(255), "
                           "responses real[]",
                           errstr, errstr_size);
    bs_copy_rows_destroy(copy);
  }
  return st;
}

bs_status bs_experiment_set_matrix_key(bs_db *db, int64_t experiment_id, const char *matrix_key,
                                       char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(experiment_id), BS_DB_TEXT(matrix_key)};
  return bs_db_query(db,
                     "UPDATE dose_response_experiments SET expression_matrix_s3_key = $2 "
                     "WHERE id = $1::bigint",
                     2, params, NULL, errstr, errstr_size);
}

bs_status bs_experiment_store_rows(bs_db *db, int64_t experiment_id, const bmd_dataset *ds,
                                   char *errstr, size_t errstr_size) {
  bs_status st = bs_db_begin(db, errstr, errstr_size);
  if (st == BS_OK)
    st = store_rows(db, experiment_id, ds, errstr, errstr_size);
  return bs_db_end(db, st, errstr, errstr_size);
}

bs_status bs_experiment_store_matrix(bs_db *db, int64_t experiment_id, const bmd_dataset *ds,
                                     const char *matrix_key, char *errstr, size_t errstr_size) {
  bs_status st = bs_db_begin(db, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  st = store_rows(db, experiment_id, ds, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_experiment_set_matrix_key(db, experiment_id, matrix_key, errstr, errstr_size);
  return bs_db_end(db, st, errstr, errstr_size);
}

bs_status bs_experiment_load_matrix(bs_db *db, bs_objstore *store, int64_t project_id,
                                    int64_t experiment_id, bmd_dataset **out, char *errstr,
                                    size_t errstr_size) {
  *out = NULL;
  const bs_db_param params[] = {BS_DB_INT64(experiment_id), BS_DB_INT64(project_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db,
                                 "SELECT expression_matrix_s3_key, log_transformation FROM "
                                 "dose_response_experiments WHERE id = $1::bigint AND "
                                 "project_id = $2::bigint",
                                 2, params, &res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size,
             "experiment %" PRId64 " of project %" PRId64 " does not exist or has no matrix",
             experiment_id, project_id);
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK)
    return st;
  char key[512];
  snprintf(key, sizeof(key), "%s", PQgetvalue(res, 0, 0));
  int base = bs_settings_log_base_parse(PQgetvalue(res, 0, 1));
  PQclear(res);
  if (bs_objstore_check_project_key(key, project_id, "expression_matrix_s3_key", errstr,
                                    errstr_size) != 0)
    return BS_ERR_PERMANENT;
  void *buf = NULL;
  size_t len = 0;
  st = bs_objstore_get(store, key, (size_t)8 << 30, &buf, &len, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "%s: the matrix object is missing from the object store", key);
    return BS_ERR_PERMANENT;
  }
  if (st != BS_OK)
    return st;
  char inner[512];
  if (bs_matrix_bin_decode(buf, len, out, inner, sizeof(inner)) != 0) {
    /* The key names the object; the decoder's own "matrix.bin: " would
     * repeat it. */
    const char *why = strncmp(inner, "matrix.bin: ", 12) == 0 ? inner + 12 : inner;
    snprintf(errstr, errstr_size, "%s: %s", key, why);
    free(buf);
    return BS_ERR_PERMANENT;
  }
  free(buf);
  if (base >= 0)
    (*out)->log_base = (bmd_log_base)base;
  return BS_OK;
}
