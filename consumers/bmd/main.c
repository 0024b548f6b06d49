/*
 * bmdstream-bmd - the BMD stage: prefilter-done -> model fits -> bmd-done.
 *
 * For each event (settings and annotation keys carried on as they came;
 * an event whose last_step is "prefilter" is acknowledged and nothing
 * more): check that data.prefilter_result_id is a result of the event's
 * experiment and project, load the experiment's matrix.bin, take the
 * probes that prefilter result passed, then
 *   1. upsert the bmd_results row (natural key: experiment, prefilter
 *      result, method, name = "bmd-" + hash of parameters.bmd) for its id;
 *   2. the BMD step (bs/steps.h, as `bmdstream analyze` runs it, on this
 *      program's threads): every model fitted to each probe, the best one
 *      selected, bmd.tsv under projects/{p}/exports/bmd/{id}/;
 *   3. store projects/{p}/results/{id}/probe_stats.json.gz, then the
 *      probe_stat_results rows, the result's key and count in one
 *      transaction (ON CONFLICT DO NOTHING);
 *   4. emit bmd-done, its id derived from the result id. With last_step
 *      "bmd" this stage ends the job.
 * Progress goes to job-events as probes are fitted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bs/event_data.h"
#include "bs/experiments.h"
#include "bs/results.h"
#include "bs/stage.h"
#include "bs/stages.h"
#include "bs/steps.h"

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
  bs_objstore *store = bs_stage_objstore(stage);
  bs_event_inputs ev = {0};
  size_t *rows = NULL, nrows = 0;
  bmd_probe_fit *fits = NULL;
  int64_t prefilter_id = json_integer_value(json_object_get(in->data, "prefilter_result_id"));
  bs_status st = bs_event_inputs_read(in, &ev, errstr, errstr_size);
  if (st != BS_OK || ev.s.last_step == BS_STEP_PREFILTER) {
    if (st == BS_OK)
      snprintf(out->message, sizeof(out->message), "nothing to do: the last step is the prefilter");
    goto done;
  }
  st = bs_results_check_prefilter(db, prefilter_id, in->project_id, in->experiment_id, errstr,
                                  errstr_size);
  if (st == BS_OK)
    st = bs_experiment_load_matrix(db, store, in->project_id, in->experiment_id, &ev.ds, errstr,
                                   errstr_size);
  if (st == BS_OK)
    st = bs_results_passed_probes(db, prefilter_id, ev.ds, &rows, &nrows, errstr, errstr_size);
  if (st != BS_OK)
    goto done;

  const json_t *bmd_settings = json_object_get(ev.settings, "bmd");
  char hash[65], name[80];
  if (bs_settings_hash(bmd_settings, hash) != 0) {
    snprintf(errstr, errstr_size, "out of memory hashing the BMD settings");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  snprintf(name, sizeof(name), "bmd-%.16s", hash);
  int64_t result_id = 0;
  st = bs_results_upsert_bmd(db, in->project_id, in->experiment_id, prefilter_id, name,
                             bmd_settings, &result_id, errstr, errstr_size);
  if (st != BS_OK)
    goto done;

  char prefix[128], key[256];
  bs_stage_export_prefix(bs_stage_info_find("bmd"), in->project_id, result_id, prefix,
                         sizeof(prefix));
  bs_export_target to = {store, prefix};
  progress_ctx pc = {stage, in};
  unsigned threads = (unsigned)bs_config_get_int(bs_stage_config(stage), "threads");
  st = bs_step_bmd(&ev.s, ev.ds, rows, nrows, threads, on_progress, &pc, &to, &fits, errstr,
                   errstr_size);
  if (st != BS_OK)
    goto done;
  if (bs_stage_stopping(stage)) {
    snprintf(errstr, errstr_size, "shutting down before the results were stored");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  snprintf(key, sizeof(key), "projects/%" PRId64 "/results/%" PRId64 "/probe_stats.json.gz",
           in->project_id, result_id);
  st = bs_results_store_probe_stats(db, store, key, result_id, ev.ds, fits, nrows, errstr,
                                    errstr_size);
  if (st != BS_OK)
    goto done;

  out->data = bs_event_data_next(in, ev.settings, ev.annotation);
  if (!out->data ||
      json_object_set_new(out->data, "prefilter_result_id", json_integer(prefilter_id)) != 0 ||
      json_object_set_new(out->data, "bmd_result_id", json_integer(result_id)) != 0 ||
      json_object_set_new(out->data, "num_results", json_integer((json_int_t)nrows)) != 0) {
    snprintf(errstr, errstr_size, "out of memory building bmd-done");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  snprintf(out->event_key, sizeof(out->event_key), "bmd_result=%" PRId64, result_id);
  out->result_id = result_id;
  out->job_completed = ev.s.last_step == BS_STEP_BMD;
  snprintf(out->message, sizeof(out->message), "BMD analysis done: %zu probes fitted%s", nrows,
           out->job_completed ? "; completed (last step: bmd)" : "");
done:
  free(fits);
  free(rows);
  bs_event_inputs_clear(&ev);
  return st;
}

int main(int argc, char **argv) {
  return bs_stage_main(argc, argv, "bmd", handle, bmd_params,
                       sizeof(bmd_params) / sizeof(bmd_params[0]));
}
