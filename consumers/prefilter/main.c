/*
 * bmdstream-prefilter - the prefilter stage: experiment-imported ->
 * prefilter rows -> prefilter-done.
 *
 * For each event: load the experiment's matrix.bin, compute each probe's
 * p-value with the requested test (one-way ANOVA, the Williams trend test,
 * or none), run BMDExpress's filter flow (p cut-off with or without
 * Benjamini-Hochberg, AFFX controls, fold filter, NOTEL/LOTEL) — the same
 * core calls as `bmdstream analyze` — then upsert the prefilter_results
 * row (natural key: experiment + settings hash) and its detail rows in one
 * transaction, and emit prefilter-done (id derived from the result id).
 */
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/prefilter.h"
#include "bmd/williams.h"
#include "bs/experiments.h"
#include "bs/log.h"
#include "bs/params.h"
#include "bs/results.h"
#include "bs/stage.h"

static const bs_config_param prefilter_params[] = {
    {"threads", BS_CFG_INT, "2", "threads for the Williams permutations", 0},
};

/* The test's statistic and raw p per probe; both NULL for "none". */
static bs_status compute_p(bs_stage *stage, const bmd_dataset *ds, const json_t *settings,
                           const char *method, double **stat, double **p, char *errstr,
                           size_t errstr_size) {
  *stat = *p = NULL;
  if (!strcmp(method, "none"))
    return BS_OK;
  *stat = malloc(ds->n_probes * sizeof(double));
  *p = malloc(ds->n_probes * sizeof(double));
  if (!*stat || !*p) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  if (!strcmp(method, "anova")) {
    for (size_t i = 0; i < ds->n_probes; i++) {
      bmd_anova a = bmd_anova_probe(ds, i);
      (*stat)[i] = a.f;
      (*p)[i] = a.p;
    }
    return BS_OK;
  }
  bmd_williams_options wo = bmd_williams_options_default();
  json_t *perm = json_object_get(settings, "permutations"),
         *seed = json_object_get(settings, "seed");
  if (!json_is_integer(perm) || !json_is_integer(seed)) {
    snprintf(errstr, errstr_size, "parameters.prefilter: permutations and seed are required");
    return BS_ERR_PERMANENT;
  }
  wo.permutations = (unsigned)json_integer_value(perm);
  wo.seed = (uint64_t)json_integer_value(seed);
  wo.threads = (unsigned)bs_config_get_int(bs_stage_config(stage), "threads");
  if (bmd_williams_run(ds, &wo, *stat, *p, errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  return BS_OK;
}

static bs_status handle(void *opaque, bs_stage *stage, const bs_envelope *in, bs_stage_output *out,
                        char *errstr, size_t errstr_size) {
  (void)opaque;
  bs_db *db = bs_stage_db(stage);
  bmd_dataset *ds = NULL;
  double *stat = NULL, *p = NULL;
  bmd_prefilter_result *res = NULL;
  json_t *params = json_object_get(in->data, "parameters");
  json_t *settings = json_object_get(params, "prefilter");
  const char *method = json_string_value(json_object_get(settings, "method"));
  const char *mtc = json_string_value(json_object_get(settings, "mtc"));
  json_t *pc = json_object_get(settings, "p_cutoff"),
         *fold = json_object_get(settings, "fold_filter");
  if (!method ||
      (strcmp(method, "anova") && strcmp(method, "williams") && strcmp(method, "none")) || !mtc ||
      !json_is_number(pc) || !(json_is_number(fold) || json_is_null(fold))) {
    snprintf(errstr, errstr_size,
             "parameters.prefilter: method (anova|williams|none), p_cutoff, mtc and fold_filter "
             "are required");
    return BS_ERR_PERMANENT;
  }
  bs_status st = bs_experiment_load_matrix(db, bs_stage_objstore(stage), in->project_id,
                                           in->experiment_id, &ds, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  bs_stage_progress(stage, in, 0.1, "testing probes");
  st = compute_p(stage, ds, settings, method, &stat, &p, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  bmd_prefilter_options opt = bmd_prefilter_options_default();
  opt.p_cutoff = json_number_value(pc);
  opt.use_adjusted = !strcmp(mtc, "bh");
  opt.fold_threshold = json_is_number(fold) ? json_number_value(fold) : 0;
  if (bmd_prefilter_run(ds, p, &opt, &res, errstr, errstr_size) != 0) {
    st = BS_ERR_PERMANENT;
    goto done;
  }
  int64_t prefilter_id = 0;
  st = bs_results_store_prefilter(db, in->project_id, in->experiment_id, method, settings, ds, stat,
                                  res, &prefilter_id, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  out->data =
      json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:{s:O, s:O}}", "job_id", in->job_id, "user_id",
                (json_int_t)in->user_id, "project_id", (json_int_t)in->project_id, "experiment_id",
                (json_int_t)in->experiment_id, "prefilter_result_id", (json_int_t)prefilter_id,
                "num_passed", (json_int_t)res->n_passed, "parameters", "bmd",
                json_object_get(params, "bmd"), "category", json_object_get(params, "category"));
  if (!out->data) {
    snprintf(errstr, errstr_size, "event data: parameters.bmd or parameters.category missing");
    st = BS_ERR_PERMANENT;
    goto done;
  }
  snprintf(out->event_key, sizeof(out->event_key), "prefilter_result=%" PRId64, prefilter_id);
  snprintf(out->message, sizeof(out->message), "prefilter (%s): %zu of %zu probes passed", method,
           res->n_passed, res->n_probes);
done:
  bmd_prefilter_result_destroy(res);
  free(stat);
  free(p);
  bmd_dataset_destroy(ds);
  return st;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  static const bs_topic inputs[] = {BS_TOPIC_EXPERIMENT_IMPORTED};
  bs_stage_def def = {.name = "prefilter",
                      .inputs = inputs,
                      .ninputs = 1,
                      .output = BS_TOPIC_PREFILTER_DONE,
                      .progress_from = 0.0,
                      .progress_to = 0.15,
                      .authorize = 1,
                      .report_jobs = 1,
                      .uses_objstore = 1,
                      .handle = handle,
                      .opaque = NULL};
  return bs_stage_program(argc, argv, &def, prefilter_params,
                          sizeof(prefilter_params) / sizeof(prefilter_params[0]));
}
