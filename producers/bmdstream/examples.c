/*
 * examples.c - a representative `data` object for each event topic, with
 * every analysis setting filled in (bs/settings.h). `bmdstream topics --print-example
 * <topic>` wraps it in an envelope with our encoder; the reference test
 * (tests/reference/test_schemas.py) validates the result against
 * schemas/<topic>.schema.json with an independent validator.
 */
#include "examples.h"

#include "bs/envelope.h"
#include "bs/settings.h"

/* A Williams prefilter, all ten models and a defined-category analysis;
 * everything else at its default, normalized as the importer does. */
static json_t *example_settings(void) {
  json_t *sparse =
      json_pack("{s:{s:s, s:f, s:i}, s:{s:[s,s,s,s,s,s,s,s,s,s]}, s:{s:s}}", "prefilter", "method",
                "williams", "fold_filter", 1.5, "permutations", 1000, "bmd", "models", "hill",
                "power", "linear", "poly2", "poly3", "poly4", "exp2", "exp3", "exp4", "exp5",
                "category", "type", "defined");
  json_t *settings = NULL;
  char err[256];
  if (bs_settings_normalize(sparse, &settings, err, sizeof(err)) != BS_OK)
    settings = NULL;
  json_decref(sparse);
  return settings;
}

static json_t *example_annotation(void) {
  return json_pack("{s:s, s:s, s:n}", "probe_map_key", "projects/12/experiments/345/probe_map.txt",
                   "category_map_key", "projects/12/experiments/345/category_map.txt", "gmt_key");
}

json_t *bs_example_data(bs_topic topic) {
  if (topic == BS_TOPIC_DEAD_LETTER || !bs_topic_name(topic))
    return NULL;
  json_t *data =
      json_pack("{s:s, s:I, s:I, s:I}", "job_id", "6f1c2b1e-7d1a-4c2e-9a3b-1e2f3a4b5c6d", "user_id",
                (json_int_t)7, "project_id", (json_int_t)12, "experiment_id", (json_int_t)345);
  if (!data)
    return NULL;
  json_t *params = NULL;
  switch (topic) {
  case BS_TOPIC_EXPERIMENT_IMPORTED:
    json_object_set_new(data, "matrix_key", json_string("projects/12/experiments/345/matrix.bin"));
    json_object_set_new(data, "num_probes", json_integer(31099));
    json_object_set_new(data, "num_samples", json_integer(20));
    params = example_settings();
    break;
  case BS_TOPIC_PREFILTER_DONE:
    json_object_set_new(data, "prefilter_result_id", json_integer(81));
    json_object_set_new(data, "num_passed", json_integer(1204));
    params = example_settings();
    break;
  case BS_TOPIC_BMD_DONE:
    json_object_set_new(data, "prefilter_result_id", json_integer(81));
    json_object_set_new(data, "bmd_result_id", json_integer(99));
    json_object_set_new(data, "num_results", json_integer(1204));
    params = example_settings();
    break;
  case BS_TOPIC_BMD_CHUNKS:
    json_object_set_new(data, "prefilter_result_id", json_integer(81));
    json_object_set_new(data, "bmd_result_id", json_integer(99));
    json_object_set_new(data, "chunk_index", json_integer(3));
    json_object_set_new(data, "chunk_count", json_integer(12));
    params = example_settings();
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
  if (params) {
    json_object_set_new(data, "parameters", params);
    json_object_set_new(data, "annotation", example_annotation());
  }
  return data;
}
