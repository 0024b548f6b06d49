/*
 * test_report.c - report.html (bs/report.h) built from a small analysis
 * whose input strings are hostile (a probe id, a gene, a category name and
 * a settings value holding markup, quotes and '&'): every one appears only
 * HTML-escaped, the page holds exactly our one <script> and no inline
 * event handler, every section is there, the best-model counts add up to
 * the fits, the histogram counts every positive BMD once, and no number is
 * written as NaN or inf. Also the histogram plot alone: values at bin
 * edges, values that cannot be plotted, and the markers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/tpod.h"
#include "bs/category_input.h"
#include "bs/plot_histogram.h"
#include "bs/report.h"

#define HOSTILE "<img src=x onerror=alert(1)>&\"'"
#define HOSTILE_ESCAPED "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"

static size_t count(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* Sum of the data-count="..." values in text. */
static size_t bin_total(const char *text) {
  size_t total = 0;
  for (const char *p = strstr(text, "data-count=\""); p; p = strstr(p + 1, "data-count=\""))
    total += strtoul(p + 12, NULL, 10);
  return total;
}

static void assert_no_nan_words(const char *text) {
  assert_null(strstr(text, "nan"));
  assert_null(strstr(text, "NaN"));
  assert_null(strstr(text, "inf\""));
  assert_null(strstr(text, ">inf"));
}

static void test_report_escapes_and_adds_up(void **state) {
  (void)state;
  enum { P = 4, S = 15 };
  static const double doses[] = {0, 1, 3, 10, 30};
  static const double slope[] = {0.5, 0.2, 0.08, 0.0};
  bmd_dataset *ds = bmd_dataset_new(P, S);
  bmd_annotation *an = bmd_annotation_new();
  for (size_t s = 0; s < S; s++)
    ds->doses[s] = doses[s / 3];
  for (size_t p = 0; p < P; p++) {
    char id[64], gene[64];
    snprintf(id, sizeof(id), p == 0 ? HOSTILE : "probe%zu", p);
    snprintf(gene, sizeof(gene), p == 0 ? "G" HOSTILE : "G%zu", p);
    ds->probe_ids[p] = strdup(id);
    assert_int_equal(bmd_annotation_add_probe_gene(an, id, gene), 0);
    assert_int_equal(bmd_annotation_add_category_gene(an, "S1", "set " HOSTILE, gene), 0);
    for (size_t s = 0; s < S; s++)
      ds->values[p * S + s] = 8 + slope[p] * ds->doses[s] + 0.1 * ((double)((s * 5 + p) % 3) - 1);
  }
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  bmd_probes_options opt = bmd_probes_options_default();
  opt.model_mask = (1u << BMD_MODEL_LINEAR) | (1u << BMD_MODEL_POWER) | (1u << BMD_MODEL_HILL);
  bmd_probe_fit fits[P];
  memset(fits, 0, sizeof(fits));
  char err[256];
  assert_int_equal(bmd_probes_fit(ds, NULL, P, &opt, fits, err, sizeof(err)), 0);
  bs_cat_probes *cp = bs_cat_probes_from_fits(ds, fits, P);
  assert_non_null(cp);
  bmd_category_options co = bmd_category_options_default();
  co.fit_p_min = 0;
  bmd_category_analysis *ca =
      bmd_category_run(an, cp->probes, P, NULL, 0, 30, 1, &co, err, sizeof(err));
  assert_non_null(ca);
  bmd_tpod_options to = bmd_tpod_options_default();
  to.min_set_genes = 1;
  to.rank = 2;
  bmd_tpod tpod;
  bmd_tpod_compute(ca, &to, &tpod);
  json_t *settings =
      json_pack("{s:s, s:{s:s, s:f}, s:{s:[s,s]}}", "last_step", "category", "prefilter", "method",
                HOSTILE, "p_cutoff", 0.05, "bmd", "models", "hill", "power");
  assert_non_null(settings);
  size_t curves[2] = {0, 1};
  const char *genes[2] = {"G" HOSTILE, NULL};
  bs_report r = {.settings = settings,
                 .ds = ds,
                 .fits = fits,
                 .n_fits = P,
                 .ca = ca,
                 .tpod = &tpod,
                 .category_min_genes = 1,
                 .curves = curves,
                 .curve_genes = genes,
                 .n_curves = 2};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_int_equal(bs_report_html_write(f, &r), 0);
  assert_int_equal(fclose(f), 0);

  /* escaped wherever it appears: the probe (summary of the curves, the
   * curve plot's title), the gene, the category name, the settings value */
  assert_null(strstr(text, "<img"));
  assert_null(strstr(text, "onerror=alert(1)>"));
  assert_true(count(text, HOSTILE_ESCAPED) >= 4);
  assert_int_equal(count(text, "<script"), 1);
  assert_int_equal(count(text, "</script>"), 1);
  assert_null(strstr(text, "<?xml")); /* the plots are inline SVG elements */
  static const char *const sections[] = {"summary",      "models",     "bmd",    "tpod",
                                         "accumulation", "categories", "curves", "settings"};
  for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
    char id[64];
    snprintf(id, sizeof(id), "<section id=\"%s\">", sections[k]);
    assert_int_equal(count(text, id), 1);
  }
  assert_int_equal(count(text, "<figure class=\"curve\""), 2);
  assert_int_equal(count(text, "data-plot=\"bmd-histogram\""), 1);
  assert_int_equal(count(text, "data-plot=\"gene-accumulation\""), 1);
  assert_int_equal(count(text, "data-plot=\"category-accumulation\""), 1);
  assert_int_equal(count(text, "<tr data-tpod="), 3);
  assert_int_equal(count(text, "<tr data-index="), bmd_category_n_results(ca));
  assert_non_null(strstr(text, "<tr data-setting=\"bmd.models\"><th>bmd.models</th><td>hill, "
                               "power</td></tr>"));
  assert_non_null(strstr(text, "<td>0.05</td>"));
  /* best models: the counts add up to the fits */
  size_t models = 0;
  for (const char *p = strstr(text, "<tr data-model="); p; p = strstr(p + 1, "<tr data-model=")) {
    const char *c = strstr(p, "data-count=\"");
    models += strtoul(c + 12, NULL, 10);
  }
  assert_int_equal(models, P);
  /* the histogram: every positive best BMD once */
  size_t positive = 0;
  for (size_t i = 0; i < P; i++)
    positive += fits[i].best.best >= 0 && fits[i].best.bmd > 0 && isfinite(fits[i].best.bmd);
  const char *hist = strstr(text, "data-plot=\"bmd-histogram\"");
  char *hist_end = strstr(hist, "</svg>");
  *hist_end = '\0';
  assert_int_equal(bin_total(hist), positive);
  *hist_end = '<';
  assert_no_nan_words(text);
  free(text);

  /* without a category analysis and without settings: said so, no table */
  bs_report none = {.ds = ds, .fits = fits, .n_fits = P, .curves = curves, .n_curves = 1};
  f = open_memstream(&text, &len);
  assert_int_equal(bs_report_html_write(f, &none), 0);
  assert_int_equal(fclose(f), 0);
  assert_non_null(strstr(text, "No category analysis"));
  assert_null(strstr(text, "<table id=\"category-table\""));
  assert_non_null(strstr(text, "<p>Not recorded.</p>"));
  assert_int_equal(count(text, "<figure class=\"curve\""), 1);
  assert_no_nan_words(text);
  free(text);

  json_decref(settings);
  bmd_category_analysis_destroy(ca);
  bs_cat_probes_destroy(cp);
  bmd_annotation_destroy(an);
  bmd_dataset_destroy(ds);
}

static void test_histogram_bins(void **state) {
  (void)state;
  /* 1 and 10 are bin edges; 10 is the highest value, so it closes the last
   * bin; 0, -1, NAN and INFINITY are not plotted */
  const double bmd[] = {1, 1.5, 10, 3, 0, -1, NAN, INFINITY, 2};
  const bs_plot_marker marks[] = {{"a<b", 2.5}, {"off", NAN}};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_int_equal(bs_plot_bmd_histogram_svg(f, bmd, 9, marks, 2, "t&t"), 0);
  assert_int_equal(fclose(f), 0);
  /* edges 10^0, 10^0.25, ..., 10^1: four bins */
  assert_int_equal(count(text, "<rect class=\"bin\""), 4);
  assert_int_equal(bin_total(text), 5);
  assert_non_null(strstr(text, "data-lo=\"1\""));
  assert_non_null(strstr(text, "data-hi=\"10\" data-count=\"1\"")); /* 10 in the last bin */
  assert_non_null(strstr(text, "data-lo=\"1\" data-hi=\"1.7782794100389228\" data-count=\"2\""));
  assert_non_null(strstr(text, "5 probes with a positive best BMD; 4 not plotted"));
  assert_int_equal(count(text, "class=\"marker\""), 1);
  assert_non_null(strstr(text, "data-label=\"a&lt;b\" data-dose=\"2.5\""));
  assert_non_null(strstr(text, ">t&amp;t</text>"));
  free(text);
  /* nothing to plot: one empty bin, still a valid plot */
  f = open_memstream(&text, &len);
  assert_int_equal(bs_plot_bmd_histogram_svg(f, bmd + 4, 4, NULL, 0, NULL), 0);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(bin_total(text), 0);
  assert_non_null(strstr(text, "</svg>\n"));
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_report_escapes_and_adds_up),
      cmocka_unit_test(test_histogram_bins),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
