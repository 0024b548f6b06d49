/*
 * bmdstream-category - the category stage: bmd-done -> category analysis,
 * tPOD and plots -> category-done (the job's last stage).
 *
 * For each event: the BMD result's per-probe values (its
 * probe_stats.json.gz), the experiment's matrix (for the probe universe and
 * the dose range) and the annotation objects named by the settings go into
 * the same core calls as `bmdstream analyze` (bmd_category_run,
 * bmd_tpod_compute). Then:
 *   1. upsert the category_results row (natural key: BMD result + settings
 *      hash) for its id;
 *   2. store the exports under projects/{p}/exports/{id}/: categories.tsv,
 *      results.csv (the same table as CSV), tpod.json and the SVG plots:
 *      plots/{gene,category}_accumulation.svg and plots/curve_<probe>.svg
 *      for the BS_CURVE_PLOTS_DEFAULT (10) most sensitive probes, chosen
 *      and drawn as `bmdstream analyze` does (their fits rebuilt from
 *      probe_stats.json.gz, the data from the matrix);
 *   3. write the category_result_details rows, the count, the tPOD and
 *      the export prefix in one transaction;
 *   4. emit category-done; the job is COMPLETED.
 */
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bmd_export.h"
#include "bs/category_export.h"
#include "bs/experiments.h"
#include "bs/log.h"
#include "bs/params.h"
#include "bs/plot_curve.h"
#include "bs/results.h"
#include "bs/stage.h"
#include "inputs.h"

static bs_status put_text(bs_objstore *store, const char *key, const char *text, size_t len,
                          const char *type, char *errstr, size_t errstr_size) {
  return bs_objstore_put(store, key, text, len, type, errstr, errstr_size);
}

/* The TSV as RFC 4180 CSV: fields quoted when they hold a comma, quote or
 * line break; quotes doubled. */
static char *tsv_to_csv(const char *tsv, size_t len, size_t *out_len) {
  char *out = NULL;
  FILE *f = open_memstream(&out, out_len);
  if (!f)
    return NULL;
  size_t i = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && tsv[j] != '\t' && tsv[j] != '\n')
      j++;
    int quote = memchr(tsv + i, ',', j - i) || memchr(tsv + i, '"', j - i);
    if (quote)
      fputc('"', f);
    for (size_t k = i; k < j; k++) {
      if (tsv[k] == '"')
        fputc('"', f);
      fputc(tsv[k], f);
    }
    if (quote)
      fputc('"', f);
    if (j < len)
      fputc(tsv[j] == '\t' ? ',' : '\n', f);
    i = j + 1;
  }
  fclose(f);
  return out;
}

static bs_status store_exports(bs_objstore *store, const char *prefix,
                               const bmd_category_analysis *ca, const bmd_cat_probe *probes,
                               const bmd_category_options *opt, const json_t *tpod, char *errstr,
                               size_t errstr_size) {
  char key[512], *text = NULL;
  size_t len = 0;
  bs_status st = BS_OK;
  FILE *f = open_memstream(&text, &len);
  if (!f || bs_categories_tsv_write(f, ca, probes, opt) != 0) {
    if (f)
      fclose(f);
    free(text);
    snprintf(errstr, errstr_size, "cannot render categories.tsv");
    return BS_ERR_RETRIABLE;
  }
  fclose(f);
  snprintf(key, sizeof(key), "%s/categories.tsv", prefix);
  st = put_text(store, key, text, len, "text/tab-separated-values", errstr, errstr_size);
  size_t csv_len = 0;
  char *csv = st == BS_OK ? tsv_to_csv(text, len, &csv_len) : NULL;
  free(text);
  if (st == BS_OK) {
    snprintf(key, sizeof(key), "%s/results.csv", prefix);
    st = csv ? put_text(store, key, csv, csv_len, "text/csv", errstr, errstr_size)
             : BS_ERR_RETRIABLE;
  }
  free(csv);
  if (st == BS_OK) {
    char *j = json_dumps(tpod, JSON_INDENT(2) | JSON_SORT_KEYS);
    snprintf(key, sizeof(key), "%s/tpod.json", prefix);
    st = j ? put_text(store, key, j, strlen(j), "application/json", errstr, errstr_size)
           : BS_ERR_RETRIABLE;
    free(j);
  }
  for (int plot = 0; plot < 2 && st == BS_OK; plot++) {
    text = NULL;
    f = open_memstream(&text, &len);
    int rc = !f ? -1
             : plot == 0
                 ? bs_plot_gene_accumulation_svg(f, ca, "Gene BMD accumulation")
                 : bs_plot_category_accumulation_svg(f, ca, 3, "Category median BMD accumulation");
    if (f)
      fclose(f);
    snprintf(key, sizeof(key), "%s/plots/%s.svg", prefix,
             plot == 0 ? "gene_accumulation" : "category_accumulation");
    st = rc == 0 && text ? put_text(store, key, text, len, "image/svg+xml", errstr, errstr_size)
                         : BS_ERR_RETRIABLE;
    free(text);
  }
  return st;
}

/* The curve plots of the most sensitive probes that passed the filters
 * (bs_plot_sensitive_probes, as analyze's), each probe's fit rebuilt from
 * its probe_stats.json.gz entry. */
static bs_status store_curves(bs_objstore *store, const char *prefix, const bmd_dataset *ds,
                              const bmd_result_probes *probes, const bmd_category_analysis *ca,
                              char *errstr, size_t errstr_size) {
  size_t sel[BS_CURVE_PLOTS_DEFAULT];
  const char *genes[BS_CURVE_PLOTS_DEFAULT];
  size_t m = bs_plot_sensitive_probes(ca, probes->probes, BS_CURVE_PLOTS_DEFAULT, sel, genes);
  bmd_probe_fit *fit = malloc(sizeof(*fit));
  if (m == (size_t)-1 || !fit) {
    free(fit);
    snprintf(errstr, errstr_size, "curve plots: out of memory");
    return BS_ERR_RETRIABLE;
  }
  bs_status st = BS_OK;
  for (size_t q = 0; q < m && st == BS_OK; q++) {
    char inner[512], name[300], key[768], *text = NULL;
    size_t len = 0;
    if (bs_bmd_probe_from_json(ds, json_array_get(probes->root, sel[q]), fit, inner,
                               sizeof(inner)) != 0) {
      snprintf(errstr, errstr_size, "BMD results entry %zu: %s", sel[q], inner);
      st = BS_ERR_PERMANENT;
      break;
    }
    FILE *f = open_memstream(&text, &len);
    int rc = f ? bs_plot_curve_svg(f, ds, fit, genes[q]) : -1;
    if (f)
      fclose(f);
    bs_plot_curve_name(ds->probe_ids[fit->probe], name, sizeof(name));
    snprintf(key, sizeof(key), "%s/plots/%s", prefix, name);
    if (rc != 0 || !text) {
      snprintf(errstr, errstr_size, "%s: cannot render", key);
      st = BS_ERR_RETRIABLE;
    } else {
      st = put_text(store, key, text, len, "image/svg+xml", errstr, errstr_size);
    }
    free(text);
  }
  free(fit);
  return st;
}

static bs_status handle(void *opaque, bs_stage *stage, const bs_envelope *in, bs_stage_output *out,
                        char *errstr, size_t errstr_size) {
  (void)opaque;
  bs_db *db = bs_stage_db(stage);
  bs_objstore *store = bs_stage_objstore(stage);
  json_t *settings = json_object_get(json_object_get(in->data, "parameters"), "category");
  int64_t bmd_id = json_integer_value(json_object_get(in->data, "bmd_result_id"));
  int64_t prefilter_id = json_integer_value(json_object_get(in->data, "prefilter_result_id"));
  bmd_dataset *ds = NULL;
  bmd_result_probes probes = {0};
  bmd_annotation *annot = NULL;
  bmd_category_analysis *ca = NULL;
  json_t *tpod_json = NULL;
  bmd_category_options opt;
  bmd_tpod_options topt;
  bs_status st = bs_params_category_parse(settings, &opt, &topt, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_experiment_load_matrix(db, store, in->project_id, in->experiment_id, &ds, errstr,
                                   errstr_size);
  if (st == BS_OK)
    st = bs_category_load_probes(db, store, bmd_id, &probes, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_category_load_annotation(store, settings, ds->probe_ids, ds->n_probes, &annot, errstr,
                                     errstr_size);
  if (st != BS_OK)
    goto done;
  double lowest = 0;
  for (size_t g = 0; g < ds->n_groups && lowest <= 0; g++)
    lowest = ds->group_dose[g];
  ca = bmd_category_run(annot, probes.probes, probes.n, (const char *const *)ds->probe_ids,
                        ds->n_probes, ds->group_dose[ds->n_groups - 1], lowest, &opt, errstr,
                        errstr_size);
  if (!ca) {
    st = BS_ERR_PERMANENT;
    goto done;
  }
  bmd_tpod tpod;
  bmd_tpod_compute(ca, &topt, &tpod);
  tpod_json = bs_tpod_json(&tpod, bmd_category_n_genes(ca), bmd_category_n_results(ca));

  int64_t cat_id = 0;
  st = bs_results_upsert_category(db, in->project_id, bmd_id, settings, &cat_id, errstr,
                                  errstr_size);
  if (st != BS_OK)
    goto done;
  char prefix[256];
  snprintf(prefix, sizeof(prefix), "projects/%" PRId64 "/exports/%" PRId64, in->project_id, cat_id);
  st = store_exports(store, prefix, ca, probes.probes, &opt, tpod_json, errstr, errstr_size);
  if (st == BS_OK)
    st = store_curves(store, prefix, ds, &probes, ca, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_results_store_categories(db, cat_id, ca, tpod_json, prefix, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  out->data =
      json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "job_id", in->job_id, "user_id",
                (json_int_t)in->user_id, "project_id", (json_int_t)in->project_id, "experiment_id",
                (json_int_t)in->experiment_id, "prefilter_result_id", (json_int_t)prefilter_id,
                "bmd_result_id", (json_int_t)bmd_id, "category_result_id", (json_int_t)cat_id,
                "num_categories", (json_int_t)bmd_category_n_results(ca));
  snprintf(out->event_key, sizeof(out->event_key), "category_result=%" PRId64, cat_id);
  out->result_id = cat_id;
  out->job_completed = 1;
  snprintf(out->message, sizeof(out->message), "completed: %zu categories",
           bmd_category_n_results(ca));
done:
  json_decref(tpod_json);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(annot);
  bs_category_probes_free(&probes);
  bmd_dataset_destroy(ds);
  return st;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  static const bs_topic inputs[] = {BS_TOPIC_BMD_DONE};
  bs_stage_def def = {.name = "category",
                      .inputs = inputs,
                      .ninputs = 1,
                      .output = BS_TOPIC_CATEGORY_DONE,
                      .progress_from = 0.85,
                      .progress_to = 1.0,
                      .authorize = 1,
                      .report_jobs = 1,
                      .uses_objstore = 1,
                      .handle = handle,
                      .opaque = NULL};
  return bs_stage_program(argc, argv, &def, NULL, 0);
}
