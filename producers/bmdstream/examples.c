/*
 * examples.c - a representative `data` object for each event topic, with
 * every analysis setting at its default. `bmdstream topics --print-example
 * <topic>` wraps it in an envelope with our encoder; the reference test
 * (tests/reference/test_schemas.py) validates the result against
 * schemas/<topic>.schema.json with an independent validator.
 */
#include "examples.h"

#include "bs/envelope.h"

static json_t *prefilter_settings(void) {
  return json_pack("{s:s, s:f, s:s, s:f, s:i, s:i, s:s}", "method", "williams", "p_cutoff", 0.05,
                   "mtc", "none", "fold_filter", 1.5, "permutations", 1000, "seed", 20260101,
                   "log_base", "2");
}

static json_t *bmd_settings(void) {
  return json_pack("{s:[s,s,s,s,s,s,s,s,s,s], s:s, s:s, s:f, s:f, s:{s:b, s:b, s:b},"
                   " s:{s:s, s:f, s:b, s:f, s:i, s:f, s:f}}",
                   "models", "hill", "power", "linear", "poly2", "poly3", "poly4", "exp2", "exp3",
                   "exp4", "exp5", "variance", "constant", "bmr_type", "sd", "bmr", 1.0,
                   "confidence_level", 0.95, "restrict", "poly", 1, "power", 1, "hill", 1,
                   "selection", "poly_test", "nested_chi2", "poly_p", 0.05, "flag_hill", 1,
                   "hill_k_fraction", 0.5, "flagged_hill", 5, "flagged_hill_fraction", 0.5,
                   "next_best_p", 0.05);
}

static json_t *category_settings(void) {
  return json_pack("{s:s, s:s, s:s, s:n, s:{s:b, s:f, s:f, s:f, s:n, s:i, s:i}}", "type", "go_bp",
                   "probe_map_key", "annotations/rat_230_2/probe_map.tsv.gz", "category_map_key",
                   "annotations/rat_230_2/go_bp.tsv.gz", "gmt_key", "filters",
                   "remove_bmd_above_highest_dose", 1, "fit_p_min", 0.1, "bmdu_bmdl_ratio_max",
                   40.0, "bmd_bmdl_ratio_max", 20.0, "fold_change_min", "min_genes", 3,
                   "min_genes_fraction_percent", 5);
}

json_t *bs_example_data(bs_topic topic) {
  if (topic == BS_TOPIC_DEAD_LETTER || !bs_topic_name(topic))
    return NULL;
  json_t *data =
      json_pack("{s:s, s:I, s:I, s:I}", "job_id", "6f1c2b1e-7d1a-4c2e-9a3b-1e2f3a4b5c6d", "user_id",
                (json_int_t)7, "project_id", (json_int_t)12, "experiment_id", (json_int_t)345);
  if (!data)
    return NULL;
  json_t *params = json_object();
  switch (topic) {
  case BS_TOPIC_EXPERIMENT_IMPORTED:
    json_object_set_new(data, "matrix_key", json_string("projects/12/experiments/345/matrix.bin"));
    json_object_set_new(data, "num_probes", json_integer(31099));
    json_object_set_new(data, "num_samples", json_integer(20));
    json_object_set_new(params, "prefilter", prefilter_settings());
    json_object_set_new(params, "bmd", bmd_settings());
    json_object_set_new(params, "category", category_settings());
    break;
  case BS_TOPIC_PREFILTER_DONE:
    json_object_set_new(data, "prefilter_result_id", json_integer(81));
    json_object_set_new(data, "num_passed", json_integer(1204));
    json_object_set_new(params, "bmd", bmd_settings());
    json_object_set_new(params, "category", category_settings());
    break;
  case BS_TOPIC_BMD_DONE:
    json_object_set_new(data, "prefilter_result_id", json_integer(81));
    json_object_set_new(data, "bmd_result_id", json_integer(99));
    json_object_set_new(data, "num_results", json_integer(1204));
    json_object_set_new(params, "category", category_settings());
    break;
  case BS_TOPIC_CATEGORY_DONE:
    json_object_set_new(data, "prefilter_result_id", json_integer(81));
    json_object_set_new(data, "bmd_result_id", json_integer(99));
    json_object_set_new(data, "category_result_id", json_integer(120));
    json_object_set_new(data, "num_categories", json_integer(312));
    break;
  case BS_TOPIC_JOB_EVENTS:
    json_object_set_new(data, "status", json_string("RUNNING"));
    json_object_set_new(data, "stage", json_string("bmd"));
    json_object_set_new(data, "progress", json_real(0.5));
    json_object_set_new(data, "message", json_string("fitted 602 of 1204 probes"));
    json_object_set_new(data, "prefilter_result_id", json_integer(81));
    json_object_set_new(data, "error", json_null());
    break;
  default:
    break;
  }
  if (json_object_size(params) > 0)
    json_object_set(data, "parameters", params);
  json_decref(params);
  return data;
}
