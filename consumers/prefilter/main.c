/*
 * bmdstream-prefilter - the prefilter stage: experiment-imported ->
 * prefilter rows and export -> prefilter-done.
 *
 * For each event: the settings (data.parameters, normalized) and the
 * object keys (data.matrix_key and the annotation keys, each under the
 * event's project) are checked first, so that a job that cannot reach its
 * end fails here and not after its fits; then the experiment's matrix.bin
 * is loaded and
 *   1. the prefilter_results row is upserted (natural key: experiment +
 *      hash of parameters.prefilter, with data.input_parameters.prefilter
 *      beside it when the job has an input prefilter) for its id;
 *   2. the prefilter step (bs/steps.h, as `bmdstream analyze` runs it)
 *      tests every probe, runs the filter flow and writes prefilter.tsv
 *      under projects/{p}/exports/prefilter/{id}/; a job with
 *      data.input_parameters (a BMDExpress curve fit on a Williams or
 *      ANOVA result) first runs that input prefilter on every probe (its
 *      table under .../{id}/input/prefilter.tsv, as `analyze --config`
 *      writes OUT/<run>/input/), then its own on the probes that passed;
 *   3. the detail rows, counts and export prefix go in one transaction;
 *   4. prefilter-done is emitted (id derived from the result id), carrying
 *      the parameters and the annotation keys on. With last_step
 *      "prefilter" this stage ends the job.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs/event_data.h"
#include "bs/experiments.h"
#include "bs/log.h"
#include "bs/results.h"
#include "bs/stage.h"
#include "bs/stages.h"
#include "bs/steps.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const bs_config_param prefilter_params[] = {
    {"threads", BS_CFG_INT, "2", "threads for the Williams permutations", 0},
};

/* The object the prefilter result's natural key hashes (new reference):
 * the run's prefilter settings alone, or {"prefilter": them,
 * "input_prefilter": the input prefilter's}, so that two chains never
 * share a result and a run without one keeps its hash. */
static json_t *prefilter_key(const json_t *settings, const json_t *input) {
  json_t *own = json_object_get(settings, "prefilter");
  if (!input)
    return json_incref(own);
  return json_pack("{s:O, s:O}", "prefilter", own, "input_prefilter",
                   json_object_get(input, "prefilter"));
}

/* The input prefilter (settings input_s) on every probe of ds, its table
 * under prefix/input; the probes it passed into *in (NULL without one). */
static bs_status run_input(const json_t *input, const bs_settings *input_s, const bmd_dataset *ds,
                           unsigned threads, bs_objstore *store, const char *prefix,
                           bs_prefilter_output **in, char *errstr, size_t errstr_size) {
  *in = NULL;
  if (!input)
    return BS_OK;
  char dir[160];
  snprintf(dir, sizeof(dir), "%s/input", prefix);
  bs_export_target to = {store, dir};
  return bs_step_prefilter(input_s, ds, threads, &to, in, errstr, errstr_size);
}

/* The detail rows of po: one per probe it tested (every probe of ds, or
 * the rows the input prefilter passed, in ds's order). */
static bs_status store_details(bs_db *db, int64_t prefilter_id, const bmd_dataset *ds,
                               const bs_prefilter_output *in, const bs_prefilter_output *po,
                               const char *prefix, char *errstr, size_t errstr_size) {
  if (!in)
    return bs_results_store_prefilter(db, prefilter_id, ds, po->stat, po->result, prefix, errstr,
                                      errstr_size);
  bmd_dataset tested = *ds; /* a view: the ids of the tested rows, nothing owned */
  tested.n_probes = in->n_passed;
  tested.probe_ids = malloc((in->n_passed ? in->n_passed : 1) * sizeof(char *));
  if (!tested.probe_ids) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  for (size_t i = 0; i < in->n_passed; i++)
    tested.probe_ids[i] = ds->probe_ids[in->passed[i]];
  bs_status st = bs_results_store_prefilter(db, prefilter_id, &tested, po->stat, po->result, prefix,
                                            errstr, errstr_size);
  free(tested.probe_ids);
  return st;
}

static bs_status handle(void *opaque, bs_stage *stage, const bs_envelope *in, bs_stage_output *out,
                        char *errstr, size_t errstr_size) {
  (void)opaque;
  bs_db *db = bs_stage_db(stage);
  bs_objstore *store = bs_stage_objstore(stage);
  bs_event_inputs ev = {0};
  bs_prefilter_output *po = NULL, *ipo = NULL;
  json_t *input = NULL, *key = NULL;
  bs_settings input_s;
  memset(&input_s, 0, sizeof(input_s));
  bs_status st = bs_event_inputs_read(in, &ev, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_event_input_settings(in->data, &input, &input_s, errstr, errstr_size);
  const char *matrix_key = json_string_value(json_object_get(in->data, "matrix_key"));
  if (st == BS_OK && matrix_key &&
      bs_objstore_check_project_key(matrix_key, in->project_id, "data.matrix_key", errstr,
                                    errstr_size) != 0)
    st = BS_ERR_PERMANENT;
  if (st == BS_OK && bs_settings_check_inputs(ev.settings, &ev.keys, errstr, errstr_size) != 0)
    st = BS_ERR_PERMANENT;
  double t0 = now_s();
  if (st == BS_OK)
    st = bs_experiment_load_matrix(db, store, in->project_id, in->experiment_id, &ev.ds, errstr,
                                   errstr_size);
  if (st != BS_OK)
    goto done;
  double t1 = now_s();
  int64_t prefilter_id = 0;
  key = prefilter_key(ev.settings, input);
  st = key ? bs_results_upsert_prefilter(db, in->project_id, in->experiment_id, ev.s.method->name,
                                         key, &prefilter_id, errstr, errstr_size)
           : BS_ERR_RETRIABLE;
  if (!key)
    snprintf(errstr, errstr_size, "out of memory");
  if (st != BS_OK)
    goto done;
  char prefix[128];
  bs_stage_export_prefix(bs_stage_info_find("prefilter"), in->project_id, prefilter_id, prefix,
                         sizeof(prefix));
  bs_export_target to = {store, prefix};
  bs_stage_progress(stage, in, 0.1, "testing probes");
  unsigned threads = (unsigned)bs_config_get_int(bs_stage_config(stage), "threads");
  st = run_input(input, &input_s, ev.ds, threads, store, prefix, &ipo, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_step_prefilter_rows(&ev.s, ev.ds, ipo ? ipo->passed : NULL, ipo ? ipo->n_passed : 0,
                                threads, &to, &po, errstr, errstr_size);
  double t2 = now_s();
  if (st == BS_OK)
    st = store_details(db, prefilter_id, ev.ds, ipo, po, prefix, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  bs_info("prefilter result %" PRId64 ": matrix loaded in %.2f s, %zu probes tested and "
          "prefilter.tsv stored in %.2f s, rows in %.2f s",
          prefilter_id, t1 - t0, ev.ds->n_probes, t2 - t1, now_s() - t2);
  out->data = bs_event_data_next(in, ev.settings, ev.annotation);
  if (!out->data ||
      json_object_set_new(out->data, "prefilter_result_id",
                          json_integer((json_int_t)prefilter_id)) != 0 ||
      json_object_set_new(out->data, "num_passed", json_integer((json_int_t)po->n_passed)) != 0) {
    snprintf(errstr, errstr_size, "out of memory building prefilter-done");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  snprintf(out->event_key, sizeof(out->event_key), "prefilter_result=%" PRId64, prefilter_id);
  out->job_completed = ev.s.last_step == BS_STEP_PREFILTER;
  snprintf(out->message, sizeof(out->message), "prefilter (%s%s%s%s): %zu of %zu probes passed%s",
           ev.s.method->name, ipo ? " on the probes " : "", ipo ? input_s.method->name : "",
           ipo ? " passed" : "", po->n_passed, po->result->n_probes,
           out->job_completed ? "; completed (last step: prefilter)" : "");
done:
  bs_prefilter_output_destroy(po);
  bs_prefilter_output_destroy(ipo);
  json_decref(key);
  json_decref(input);
  bs_event_inputs_clear(&ev);
  return st;
}

int main(int argc, char **argv) {
  return bs_stage_main(argc, argv, "prefilter", handle, prefilter_params,
                       sizeof(prefilter_params) / sizeof(prefilter_params[0]));
}
