/*
 * bmdstream-bmd - the BMD stage: prefilter-done -> model fits -> bmd-done.
 *
 * For each event: load the experiment's matrix.bin, take the probes its
 * prefilter result passed, fit every requested model to each (core
 * bmd_probes_fit, several threads; the same driver as `bmdstream
 * analyze`), then
 *   1. upsert the bmd_results row (natural key: experiment, prefilter
 *      result, method, name = "bmd-" + settings hash) to get its id;
 *   2. store projects/{p}/results/{r}/probe_stats.json.gz (the key derives
 *      from the result id: a re-run overwrites it with the same bytes);
 *   3. write the probe_stat_results rows, the result's key and count in
 *      one transaction (ON CONFLICT DO NOTHING);
 *   4. emit bmd-done, its id derived from the result id.
 * Progress goes to job-events as probes are fitted.
 */
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bs/experiments.h"
#include "bs/log.h"
#include "bs/params.h"
#include "bs/results.h"
#include "bs/stage.h"

static const bs_config_param bmd_params[] = {
    {"threads", BS_CFG_INT, "2", "threads fitting probes", 0},
};

typedef struct progress_ctx {
  bs_stage *stage;
  const bs_envelope *in;
} progress_ctx;

static void on_progress(void *opaque, size_t done, size_t total) {
  progress_ctx *p = opaque;
  char msg[128];
  snprintf(msg, sizeof(msg), "fitted %zu of %zu probes", done, total);
  bs_stage_progress(p->stage, p->in, (double)done / (double)(total ? total : 1), msg);
}

static bs_status handle(void *opaque, bs_stage *stage, const bs_envelope *in, bs_stage_output *out,
                        char *errstr, size_t errstr_size) {
  (void)opaque;
  bs_db *db = bs_stage_db(stage);
  bmd_dataset *ds = NULL;
  size_t *rows = NULL, nrows = 0;
  bmd_probe_fit *fits = NULL;
  json_t *params = json_object_get(in->data, "parameters");
  json_t *settings = json_object_get(params, "bmd");
  int64_t prefilter_id = json_integer_value(json_object_get(in->data, "prefilter_result_id"));
  bs_status st = bs_experiment_load_matrix(db, bs_stage_objstore(stage), in->project_id,
                                           in->experiment_id, &ds, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  bmd_probes_options opt;
  st = bs_params_bmd_parse(settings, ds->log_base, &opt, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  opt.threads = (unsigned)bs_config_get_int(bs_stage_config(stage), "threads");
  st = bs_results_passed_probes(db, prefilter_id, ds, &rows, &nrows, errstr, errstr_size);
  if (st != BS_OK)
    goto done;

  char hash[65], name[80];
  bs_params_hash(settings, hash);
  snprintf(name, sizeof(name), "bmd-%.16s", hash);
  int64_t result_id = 0;
  st = bs_results_upsert_bmd(db, in->project_id, in->experiment_id, prefilter_id, name, settings,
                             &result_id, errstr, errstr_size);
  if (st != BS_OK)
    goto done;

  fits = calloc(nrows ? nrows : 1, sizeof(*fits));
  if (!fits) {
    snprintf(errstr, errstr_size, "out of memory for %zu probe fits", nrows);
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  progress_ctx pc = {stage, in};
  opt.progress = on_progress;
  opt.progress_opaque = &pc;
  if (nrows && bmd_probes_fit(ds, rows, nrows, &opt, fits, errstr, errstr_size) != 0) {
    st = BS_ERR_PERMANENT;
    goto done;
  }
  if (bs_stage_stopping(stage)) {
    snprintf(errstr, errstr_size, "shutting down before the results were stored");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  char key[256];
  snprintf(key, sizeof(key), "projects/%" PRId64 "/results/%" PRId64 "/probe_stats.json.gz",
           in->project_id, result_id);
  st = bs_results_store_probe_stats(db, bs_stage_objstore(stage), key, result_id, ds, fits, nrows,
                                    errstr, errstr_size);
  if (st != BS_OK)
    goto done;

  out->data =
      json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:O}}", "job_id", in->job_id, "user_id",
                (json_int_t)in->user_id, "project_id", (json_int_t)in->project_id, "experiment_id",
                (json_int_t)in->experiment_id, "prefilter_result_id", (json_int_t)prefilter_id,
                "bmd_result_id", (json_int_t)result_id, "num_results", (json_int_t)nrows,
                "parameters", "category", json_object_get(params, "category"));
  if (!out->data) {
    snprintf(errstr, errstr_size, "event data: parameters.category is missing");
    st = BS_ERR_PERMANENT;
    goto done;
  }
  snprintf(out->event_key, sizeof(out->event_key), "bmd_result=%" PRId64, result_id);
  out->result_id = result_id;
  snprintf(out->message, sizeof(out->message), "BMD analysis done: %zu probes fitted", nrows);
done:
  free(fits);
  free(rows);
  bmd_dataset_destroy(ds);
  return st;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  static const bs_topic inputs[] = {BS_TOPIC_PREFILTER_DONE};
  bs_stage_def def = {.name = "bmd",
                      .inputs = inputs,
                      .ninputs = 1,
                      .output = BS_TOPIC_BMD_DONE,
                      .progress_from = 0.15,
                      .progress_to = 0.85,
                      .authorize = 1,
                      .report_jobs = 1,
                      .uses_objstore = 1,
                      .handle = handle,
                      .opaque = NULL};
  return bs_stage_program(argc, argv, &def, bmd_params, sizeof(bmd_params) / sizeof(bmd_params[0]));
}
