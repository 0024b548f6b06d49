/*
 * results_prefilter.c - prefilter_results and prefilter_result_details.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bs/db_copy.h"
#include "bs/results.h"
#include "results_internal.h"

/* One COPY row per probe of prefilter_id. */
static bs_copy_rows *copy_rows(int64_t prefilter_id, const bmd_dataset *ds, const double *statistic,
                               const bmd_prefilter_result *res) {
  bs_copy_rows *copy = bs_copy_rows_new();
  for (size_t p = 0; copy && p < res->n_probes; p++) {
    size_t lotel = res->lotel[p];
    bs_copy_add_int8(copy, prefilter_id);
    bs_copy_add_text(copy, ds->probe_ids[p]);
    bs_copy_add_float8(copy, statistic ? statistic[p] : NAN);
    bs_copy_add_float8(copy, res->p_raw[p]);
    bs_copy_add_float8(copy, res->p_adj[p]);
    bs_copy_add_float8(copy, res->max_fc[p]);
    bs_copy_add_float8_array(copy, &res->fc[p * res->n_levels], res->n_levels);
    bs_copy_add_float8(copy, lotel ? ds->group_dose[lotel - 1] : NAN);
    bs_copy_add_float8(copy, lotel ? ds->group_dose[lotel] : NAN);
    bs_copy_add_bool(copy, res->verdict[p] == BMD_PREFILTER_PASSED);
    bs_copy_end_row(copy);
  }
  return copy;
}

bs_status bs_results_upsert_prefilter(bs_db *db, int64_t project_id, int64_t experiment_id,
                                      const char *method, const json_t *settings,
                                      int64_t *prefilter_id, char *errstr, size_t errstr_size) {
  /* DO UPDATE (a no-op assignment) so that RETURNING yields the id of an
   * existing row too. */
  return bs_results_upsert_hashed(
      db,
      "INSERT INTO prefilter_results (project_id, experiment_id, name, "
      "method, params_hash, parameters) VALUES ($1::bigint, $2::bigint, "
      "$3, $4, $5, $6::jsonb) ON CONFLICT (experiment_id, params_hash) "
      "DO UPDATE SET name = EXCLUDED.name RETURNING id",
      project_id, experiment_id, method, "prefilter", settings, prefilter_id, errstr, errstr_size);
}

bs_status bs_results_store_prefilter(bs_db *db, int64_t prefilter_id, const bmd_dataset *ds,
                                     const double *statistic, const bmd_prefilter_result *res,
                                     const char *export_prefix, char *errstr, size_t errstr_size) {
  const bs_db_param up[] = {BS_DB_INT64(prefilter_id), BS_DB_INT64(res->n_probes),
                            BS_DB_INT64(res->n_passed), BS_DB_TEXT(export_prefix)};
  return bs_results_store_rows(
      db, copy_rows(prefilter_id, ds, statistic, res), "prefilter_result_details",
      "prefilter_id, probe_id, statistic, p_value, adjusted_p_value, best_fold_change, "
      "fold_changes, noel_dose, loel_dose, passed",
      "pf_staging",
      "prefilter_id bigint, probe_id varchar(255), statistic float8, p_value float8, "
      "adjusted_p_value float8, best_fold_change float8, fold_changes float8[], "
      "noel_dose float8, loel_dose float8, passed boolean",
      "UPDATE prefilter_results SET num_tested = $2::int, num_passed = $3::int, "
      "results_s3_key = $4 WHERE id = $1::bigint",
      4, up, errstr, errstr_size);
}
