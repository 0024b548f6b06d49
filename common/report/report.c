/*
 * report.c - report.html (bs/report.h): the page around the sections, and
 * the sections about the run itself: the dataset and prefilter summary,
 * the settings, the best-model counts. The result sections are in
 * report_results.c and report_categories.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/fit.h"
#include "report_internal.h"

/* ---- the settings as rows ------------------------------------------- */

/* One leaf as text: strings escaped, reals %.10g (the settings' 0.05, not
 * its nearest double), arrays joined by ", ". */
static void put_leaf(FILE *out, const json_t *v) {
  size_t i;
  const json_t *item;
  switch (json_typeof(v)) {
  case JSON_STRING:
    bs_html_put(out, json_string_value(v));
    break;
  case JSON_INTEGER:
    fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    break;
  case JSON_REAL:
    fprintf(out, "%.10g", json_real_value(v));
    break;
  case JSON_TRUE:
    fputs("true", out);
    break;
  case JSON_FALSE:
    fputs("false", out);
    break;
  case JSON_NULL:
    fputs("off", out);
    break;
  case JSON_ARRAY:
    json_array_foreach(v, i, item) {
      if (i)
        fputs(", ", out);
      put_leaf(out, item);
    }
    break;
  case JSON_OBJECT:
    break;
  }
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* One <tr data-setting="path"> per leaf under o, keys sorted at every
 * level (the page must not depend on the order an event's JSON came in). */
static int put_leaves(FILE *out, const json_t *o, const char *prefix) {
  size_t n = json_object_size(o), k = 0;
  const char **keys = malloc((n ? n : 1) * sizeof(*keys));
  if (!keys)
    return -1;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)o, key, v) keys[k++] = key;
  qsort(keys, n, sizeof(*keys), cmp_str);
  int rc = 0;
  for (k = 0; k < n && rc == 0; k++) {
    size_t len = strlen(prefix) + strlen(keys[k]) + 2;
    char *path = malloc(len);
    if (!path) {
      rc = -1;
      break;
    }
    snprintf(path, len, "%s%s%s", prefix, *prefix ? "." : "", keys[k]);
    v = json_object_get(o, keys[k]);
    if (json_is_object(v)) {
      rc = put_leaves(out, v, path);
    } else {
      fputs("<tr data-setting=\"", out);
      bs_html_put(out, path);
      fputs("\"><th>", out);
      bs_html_put(out, path);
      fputs("</th><td>", out);
      put_leaf(out, v);
      fputs("</td></tr>\n", out);
    }
    free(path);
  }
  free(keys);
  return rc;
}

int bs_report_settings(FILE *out, const bs_report *r) {
  if (!r->settings) {
    fputs("<p>Not recorded.</p>\n", out);
    return 0;
  }
  fputs("<p>The normalized settings of this run: what <code>--print-settings</code> prints and "
        "what the pipeline's events carry.</p>\n<table class=\"facts\">\n",
        out);
  int rc = put_leaves(out, r->settings, "");
  fputs("</table>\n", out);
  return rc;
}

/* ---- summary --------------------------------------------------------- */

static void fact(FILE *out, const char *id, const char *label, double value, const char *unit) {
  fprintf(out, "<tr data-fact=\"%s\"", id);
  bs_html_attr_num(out, "data-value", value);
  fprintf(out, "><th>%s</th><td>", label);
  bs_html_num(out, value);
  if (unit)
    fputs(unit, out);
  fputs("</td></tr>\n", out);
}

/* "n (p% of m)" for a count out of a total */
static void fact_share(FILE *out, const char *id, const char *label, size_t n, size_t of) {
  fprintf(out, "<tr data-fact=\"%s\" data-value=\"%zu\"><th>%s</th><td>%zu", id, n, label, n);
  if (of)
    fprintf(out, " (%.1f%% of %zu)", 100.0 * (double)n / (double)of, of);
  fputs("</td></tr>\n", out);
}

int bs_report_summary(FILE *out, const bs_report *r) {
  const bmd_dataset *ds = r->ds;
  size_t with_model = 0, with_bmd = 0;
  for (size_t i = 0; i < r->n_fits; i++) {
    with_model += r->fits[i].best.best >= 0;
    with_bmd += r->fits[i].best.best >= 0 && isfinite(r->fits[i].best.bmd);
  }
  fputs("<table class=\"facts\">\n", out);
  fact(out, "probes", "Probes in the matrix", (double)ds->n_probes, NULL);
  fact(out, "samples", "Samples", (double)ds->n_samples, NULL);
  fprintf(out,
          "<tr data-fact=\"dose-groups\" data-value=\"%zu\"><th>Dose groups: dose "
          "(samples)</th><td>",
          ds->n_groups);
  for (size_t g = 0; g < ds->n_groups; g++) {
    fputs(g ? ", " : "", out);
    bs_html_num(out, ds->group_dose[g]);
    fprintf(out, " (%zu)", ds->group_size[g]);
  }
  fputs("</td></tr>\n", out);
  const json_t *method = json_object_get(json_object_get(r->settings, "prefilter"), "method");
  fputs("<tr data-fact=\"prefilter-method\"><th>Prefilter</th><td>", out);
  bs_html_put(out, json_is_string(method) ? json_string_value(method) : "not recorded");
  fputs("</td></tr>\n", out);
  fact_share(out, "prefilter-passed", "Probes that passed the prefilter (fitted)", r->n_fits,
             ds->n_probes);
  fact_share(out, "best-model", "Probes with a best model", with_model, r->n_fits);
  fact_share(out, "best-bmd", "Probes with a best BMD", with_bmd, r->n_fits);
  if (r->ca) {
    fact(out, "genes", "Genes with a BMD after the category filters",
         (double)bmd_category_n_genes(r->ca), NULL);
    fact(out, "categories", "Categories analysed", (double)bmd_category_n_results(r->ca), NULL);
  }
  fputs("</table>\n", out);
  int rc = 0;
  const json_t *pre = json_object_get(r->settings, "prefilter");
  if (json_is_object(pre)) {
    fputs("<h3>Prefilter settings</h3>\n<table class=\"facts\">\n", out);
    rc = put_leaves(out, pre, "prefilter");
    fputs("</table>\n", out);
  }
  return rc;
}

/* ---- best models ----------------------------------------------------- */

static void model_row(FILE *out, const char *label, size_t count, size_t total) {
  double share = total ? 100.0 * (double)count / (double)total : 0;
  fputs("<tr data-model=\"", out);
  bs_html_put(out, label);
  fprintf(out, "\" data-count=\"%zu\"><th>", count);
  bs_html_put(out, label);
  fprintf(out,
          "</th><td class=\"num\">%zu</td><td class=\"num\">%.1f%%</td>"
          "<td class=\"bar\"><span style=\"width:%.1f%%\"></span></td></tr>\n",
          count, share, share);
}

int bs_report_models(FILE *out, const bs_report *r) {
  size_t count[BMD_MODEL_COUNT] = {0}, none = 0;
  for (size_t i = 0; i < r->n_fits; i++) {
    const bmd_probe_fit *f = &r->fits[i];
    if (f->best.best >= 0)
      count[f->fits[f->best.best].model]++;
    else
      none++;
  }
  fputs("<p>The model selected for each fitted probe (bmd.tsv's <i>Best Model</i>).</p>\n"
        "<table class=\"models\">\n<thead><tr><th>Model</th><th>Probes</th><th>Share</th>"
        "<th></th></tr></thead>\n<tbody>\n",
        out);
  for (int m = 0; m < BMD_MODEL_COUNT; m++)
    if (count[m])
      model_row(out, bmd_model_label((bmd_model)m), count[m], r->n_fits);
  if (none)
    model_row(out, "none", none, r->n_fits);
  fputs("</tbody>\n</table>\n", out);
  return 0;
}

/* ---- the page -------------------------------------------------------- */

/* The sections in page order: anchor, link text, heading, writer. */
static const struct {
  const char *id, *link, *heading;
  int (*write)(FILE *, const bs_report *);
} SECTIONS[] = {
    {"summary", "Dataset", "Dataset and prefilter", bs_report_summary},
    {"models", "Best models", "Best models", bs_report_models},
    {"bmd", "BMD distribution", "BMD distribution", bs_report_bmd},
    {"tpod", "tPOD", "Transcriptomic point of departure (tPOD)", bs_report_tpod},
    {"accumulation", "Accumulation", "Gene and category accumulation", bs_report_accumulation},
    {"categories", "Categories", "Categories", bs_report_categories},
    {"curves", "Curves", "Most sensitive probes", bs_report_curves},
    {"settings", "Settings", "Settings", bs_report_settings},
};
enum { N_SECTIONS = sizeof(SECTIONS) / sizeof(SECTIONS[0]) };

int bs_report_html_write(FILE *out, const bs_report *r) {
  fprintf(out,
          "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<link rel=\"icon\" href=\"data:,\">\n<title>BMD analysis report</title>\n"
          "<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>BMD analysis report</h1>\n"
          "<p>Transcriptomic benchmark-dose analysis by bmdstream: %zu probes, %zu fitted.</p>\n"
          "<nav>",
          bs_report_css, r->ds->n_probes, r->n_fits);
  for (int k = 0; k < N_SECTIONS; k++)
    fprintf(out, "<a href=\"#%s\">%s</a>", SECTIONS[k].id, SECTIONS[k].link);
  fputs("</nav>\n</header>\n<main>\n", out);
  for (int k = 0; k < N_SECTIONS; k++) {
    fprintf(out, "<section id=\"%s\">\n<h2>%s</h2>\n", SECTIONS[k].id, SECTIONS[k].heading);
    if (SECTIONS[k].write(out, r) != 0)
      return -1;
    fputs("</section>\n", out);
  }
  fprintf(out, "</main>\n<script>\n%s</script>\n</body>\n</html>\n", bs_report_js);
  return ferror(out) ? -1 : 0;
}
