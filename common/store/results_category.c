/*
 * results_category.c - category_results and category_result_details.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bmd_export.h"
#include "bs/db_copy.h"
#include "bs/results.h"
#include "results_internal.h"

/* The statistics that have no column of their own, as JSON text. */
static char *statistics_json(const bmd_category_result *r) {
  json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:i, s:o}", "bmd_sd",
                        bs_json_number(r->bmd.sd), "bmd_wmean", bs_json_number(r->bmd.wmean),
                        "bmd_p5", bs_json_number(r->bmd.p5), "bmd_p10", bs_json_number(r->bmd.p10),
                        "bmdl_mean", bs_json_number(r->bmdl.mean), "bmdu_mean",
                        bs_json_number(r->bmdu.mean), "fisher_two_tail",
                        bs_json_number(r->fisher_two), "percentage", bs_json_number(r->percentage),
                        "genes_up", (int)r->up.n, "genes_down", (int)r->down.n, "genes_conflict",
                        (int)r->conflict.n, "fold_change_median", bs_json_number(r->fc_median));
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return text;
}

bs_status bs_results_upsert_category(bs_db *db, int64_t project_id, int64_t bmd_result_id,
                                     const char *type, const json_t *key,
                                     int64_t *category_result_id, char *errstr,
                                     size_t errstr_size) {
  return bs_results_upsert_hashed(db,
                                  "INSERT INTO category_results (project_id, bmd_result_id, name, "
                                  "category_type, params_hash, parameters) VALUES ($1::bigint, "
                                  "$2::bigint, $3, $4, $5, $6::jsonb) ON CONFLICT (bmd_result_id, "
                                  "params_hash) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                                  project_id, bmd_result_id, type, "category", key,
                                  category_result_id, errstr, errstr_size);
}

/* One COPY row per category of category_result_id (none without an
 * analysis: category type none). */
static bs_copy_rows *copy_rows(int64_t category_result_id, const bmd_category_analysis *ca) {
  bs_copy_rows *copy = bs_copy_rows_new();
  for (size_t i = 0; copy && ca && i < bmd_category_n_results(ca); i++) {
    const bmd_category_result *c = bmd_category_result_get(ca, i);
    char *stats = statistics_json(c);
    bs_copy_add_int8(copy, category_result_id);
    bs_copy_add_text(copy, c->id);
    bs_copy_add_text(copy, c->name);
    bs_copy_add_int4(copy, (int32_t)c->n_platform);
    bs_copy_add_int4(copy, (int32_t)c->n);
    bs_copy_add_float8(copy, c->fisher_right);
    bs_copy_add_float8(copy, c->bmd.median);
    bs_copy_add_float8(copy, c->bmdl.median);
    bs_copy_add_float8(copy, c->bmdu.median);
    bs_copy_add_float8(copy, c->bmd.mean);
    bs_copy_add_float8(copy, c->bmd.min);
    bs_copy_add_jsonb(copy, stats ? stats : "{}");
    bs_copy_end_row(copy);
    free(stats);
  }
  return copy;
}

bs_status bs_results_store_categories(bs_db *db, int64_t category_result_id,
                                      const bmd_category_analysis *ca, const json_t *tpod,
                                      const char *export_prefix, char *errstr, size_t errstr_size) {
  char *tp = tpod ? json_dumps(tpod, JSON_COMPACT) : NULL;
  const bs_db_param up[] = {BS_DB_INT64(category_result_id), BS_DB_TEXT(export_prefix),
                            BS_DB_INT64(ca ? bmd_category_n_results(ca) : 0),
                            tp ? BS_DB_TEXT(tp) : BS_DB_NULL};
  bs_status st = bs_results_store_rows(
      db, copy_rows(category_result_id, ca), "category_result_details",
      "category_result_id, category_id, category_name, genes_in_category, genes_passed, "
      "fisher_p_value, bmd_median, bmdl_median, bmdu_median, bmd_mean, bmd_min, statistics",
      "cat_staging",
      "category_result_id bigint, category_id varchar(255), category_name text, "
      "genes_in_category int, genes_passed int, fisher_p_value float8, bmd_median float8, "
      "bmdl_median float8, bmdu_median float8, bmd_mean float8, bmd_min float8, "
      "statistics jsonb",
      "UPDATE category_results SET results_s3_key = $2, num_categories = $3::int, "
      "tpod = $4::jsonb WHERE id = $1::bigint",
      4, up, errstr, errstr_size);
  free(tp);
  return st;
}
