/*
 * bmdstream-category - the category stage: bmd-done -> category analysis,
 * tPOD and plots -> category-done (the job's last stage).
 *
 * For each event (an event whose last_step is not "category" is
 * acknowledged and nothing more): the annotation keys are checked against
 * the settings, the BMD result id must be a result of the event's
 * experiment and project made from its prefilter result (and the
 * annotation keys lie under the project's prefix), then the experiment's matrix, every probe's fit
 * rebuilt from the BMD result's probe_stats.json.gz and the annotation objects (fetched into
 * temporary files; the GO and Reactome copies, data.annotation.go_obo_key, go_annotations_key and
 * pathway_annotations_key, read in place of the paths the settings name) go into the category step
 * (bs/steps.h), the same function on the same values as `bmdstream analyze`, so that both write the
 * same bytes:
 *   1. upsert the category_results row (natural key: BMD result + hash of
 *      {category, tpod, plots, annotation}) for its id;
 *   2. the step writes its exports under projects/{p}/exports/category/{id}/:
 *      categories.tsv, results.csv, tpod.json, the SVG plots (the
 *      curve plots only, for category type none) and report.html;
 *   3. the category_result_details rows, the count, the tPOD and the
 *      export prefix in one transaction;
 *   4. emit category-done (parameters carried on); the job is COMPLETED.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bs/event_data.h"
#include "bs/experiments.h"
#include "bs/log.h"
#include "bs/results.h"
#include "bs/stage.h"
#include "bs/stages.h"
#include "bs/steps.h"
#include "inputs.h"

/* What the category result's natural key hashes (new reference). */
static json_t *result_key(const json_t *settings, const json_t *annotation) {
  return json_pack("{s:O, s:O, s:O, s:O}", "category", json_object_get(settings, "category"),
                   "tpod", json_object_get(settings, "tpod"), "plots",
                   json_object_get(settings, "plots"), "annotation", annotation);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bs_status handle(void *opaque, bs_stage *stage, const bs_envelope *in, bs_stage_output *out,
                        char *errstr, size_t errstr_size) {
  (void)opaque;
  bs_db *db = bs_stage_db(stage);
  bs_objstore *store = bs_stage_objstore(stage);
  int64_t bmd_id = json_integer_value(json_object_get(in->data, "bmd_result_id"));
  int64_t prefilter_id = json_integer_value(json_object_get(in->data, "prefilter_result_id"));
  bs_event_inputs ev = {0};
  json_t *key = NULL;
  bmd_probe_fit *fits = NULL;
  size_t n = 0;
  bmd_annotation *annot = NULL;
  bs_category_output *co = NULL;
  bs_annotation_files files = {0};
  bs_status st = bs_event_inputs_read(in, &ev, errstr, errstr_size);
  if (st != BS_OK || ev.s.last_step != BS_STEP_CATEGORY) {
    if (st == BS_OK)
      snprintf(out->message, sizeof(out->message), "nothing to do: the last step is the %s",
               ev.s.last_step == BS_STEP_PREFILTER ? "prefilter" : "BMD analysis");
    goto done;
  }
  if (bs_settings_check_inputs(ev.settings, &ev.keys, errstr, errstr_size) != 0) {
    st = BS_ERR_PERMANENT;
    goto done;
  }
  double t0 = now_s(), t1 = t0, t2 = t0;
  st = bs_results_check_bmd(db, bmd_id, prefilter_id, in->project_id, in->experiment_id, errstr,
                            errstr_size);
  if (st == BS_OK)
    st = bs_experiment_load_matrix(db, store, in->project_id, in->experiment_id, &ev.ds, errstr,
                                   errstr_size);
  if (st == BS_OK)
    st = bs_category_load_fits(db, store, in->project_id, bmd_id, ev.ds, &fits, &n, errstr,
                               errstr_size);
  bs_ontology_keys ontology;
  bs_event_ontology_keys(ev.annotation, &ontology);
  if (st == BS_OK)
    st = bs_annotation_files_fetch(store, &ev.keys, &ontology, &files, errstr, errstr_size);
  if (st == BS_OK) {
    bs_annotation_files_use(&files, &ev.s);
    st = bs_step_annotation_load(&ev.s, &files.paths, ev.ds, &annot, errstr, errstr_size);
  }
  bs_annotation_files_remove(&files);
  if (st != BS_OK)
    goto done;

  /* the settings' own name of the type (category.type: none .. pathway) */
  const char *type =
      json_string_value(json_object_get(json_object_get(ev.settings, "category"), "type"));
  if (!type) {
    snprintf(errstr, errstr_size, "settings: category.type is missing");
    st = BS_ERR_PERMANENT;
    goto done;
  }
  int64_t cat_id = 0;
  if (!(key = result_key(ev.settings, ev.annotation))) {
    snprintf(errstr, errstr_size, "out of memory");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  st = bs_results_upsert_category(db, in->project_id, bmd_id, type, key, &cat_id, errstr,
                                  errstr_size);
  if (st != BS_OK)
    goto done;
  char prefix[128];
  bs_stage_export_prefix(bs_stage_info_find("category"), in->project_id, cat_id, prefix,
                         sizeof(prefix));
  bs_export_target to = {store, prefix};
  t1 = now_s();
  st = bs_step_category(&ev.s, ev.settings, ev.ds, fits, n, annot, &to, &co, errstr, errstr_size);
  t2 = now_s();
  if (st == BS_OK)
    st = bs_results_store_categories(db, cat_id, co->ca, co->tpod, prefix, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  bs_info("category result %" PRId64 ": %zu probes' fits and the annotation loaded in %.2f s, "
          "analysis and exports in %.2f s, rows in %.2f s",
          cat_id, n, t1 - t0, t2 - t1, now_s() - t2);
  size_t n_categories = co->ca ? bmd_category_n_results(co->ca) : 0;
  out->data = bs_event_data_next(in, ev.settings, NULL);
  if (!out->data ||
      json_object_set_new(out->data, "prefilter_result_id", json_integer(prefilter_id)) != 0 ||
      json_object_set_new(out->data, "bmd_result_id", json_integer(bmd_id)) != 0 ||
      json_object_set_new(out->data, "category_result_id", json_integer(cat_id)) != 0 ||
      json_object_set_new(out->data, "num_categories", json_integer((json_int_t)n_categories)) !=
          0) {
    snprintf(errstr, errstr_size, "out of memory building category-done");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  snprintf(out->event_key, sizeof(out->event_key), "category_result=%" PRId64, cat_id);
  out->result_id = cat_id;
  out->job_completed = 1;
  if (co->ca)
    snprintf(out->message, sizeof(out->message), "completed: %zu categories", n_categories);
  else
    snprintf(out->message, sizeof(out->message), "completed: %zu curve plots", co->n_curves);
done:
  bs_category_output_destroy(co);
  bmd_annotation_destroy(annot);
  free(fits);
  json_decref(key);
  bs_event_inputs_clear(&ev);
  return st;
}

int main(int argc, char **argv) {
  return bs_stage_main(argc, argv, "category", handle, NULL, 0);
}
