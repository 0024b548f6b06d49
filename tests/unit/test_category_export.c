/*
 * test_category_export.c - categories.tsv, tpod.json and the SVG plots on
 * a hand-built analysis: every row has as many cells as the header, the
 * named columns hold the analysis's values, the JSON has the three tPOD
 * values, and each SVG is well formed at the level we write it (balanced
 * root, one point per gene or category carrying its values).
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

#include "bs/category_export.h"

/* Probe pI maps to G1..G9 in turn; sets S1 = G1..G5, S2 = G4..G9 (+ G10, not on the platform). */
static bmd_annotation *annot;
static bmd_cat_probe probes[9];
static char ids[9][8];

static bmd_category_analysis *make_analysis(void) {
  annot = bmd_annotation_new();
  for (int i = 0; i < 9; i++) {
    char gene[8];
    snprintf(ids[i], sizeof(ids[i]), "p%d", i + 1);
    snprintf(gene, sizeof(gene), "G%d", i + 1);
    assert_int_equal(bmd_annotation_add_probe_gene(annot, ids[i], gene), 0);
    if (i < 5)
      assert_int_equal(bmd_annotation_add_category_gene(annot, "S1", "set <one> & co", gene), 0);
    if (i >= 3)
      assert_int_equal(bmd_annotation_add_category_gene(annot, "S2", "set two", gene), 0);
    double b = 1.5 * (i + 1);
    probes[i] = (bmd_cat_probe){ids[i],
                                b,
                                b / 2,
                                b * 3,
                                0.4,
                                0.9,
                                i % 2 ? -2.0 : 2.0,
                                i % 2 ? -1 : 1,
                                i % 3 ? "Hill" : "Power",
                                0,
                                0};
  }
  assert_int_equal(bmd_annotation_add_category_gene(annot, "S2", "set two", "G10"), 0);
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  bmd_category_analysis *ca =
      bmd_category_run(annot, probes, 9, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_non_null(ca);
  return ca;
}

/* Splits a line (no newline) at tabs in place; returns the cell count. */
static size_t split(char *line, char **cells, size_t max) {
  size_t n = 0;
  char *p = line;
  for (;;) {
    char *t = strchr(p, '\t');
    if (n < max)
      cells[n] = p;
    n++;
    if (!t)
      break;
    *t = '\0';
    p = t + 1;
  }
  return n;
}

static size_t column(char **head, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(head[i], name) == 0)
      return i;
  fail_msg("no column %s", name);
  return 0;
}

static void test_tsv(void **state) {
  (void)state;
  bmd_category_analysis *ca = make_analysis();
  bmd_category_options o = bmd_category_options_default();
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(bs_categories_tsv_write(f, ca, probes, &o), 0);
  fclose(f);
  char *save = NULL, *head_line = strtok_r(buf, "\n", &save);
  char *head[256], *cells[256];
  size_t nh = split(head_line, head, 256);
  assert_true(nh > 100 && nh < 256);
  assert_string_equal(head[0], "GO/Pathway/Gene Set/Gene ID");
  assert_string_equal(head[5], "Genes with BMD <= Highest Dose");
  size_t rows = 0;
  for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    assert_int_equal(split(line, cells, 256), nh);
    const bmd_category_result *r = bmd_category_result_get(ca, rows++);
    assert_string_equal(cells[0], r->id);
    assert_int_equal(atoi(cells[column(head, nh, "All Genes (Platform)")]), r->n_platform);
    assert_int_equal(atoi(cells[column(head, nh, "Genes That Passed All Filters")]), r->n);
    assert_true(strtod(cells[column(head, nh, "BMD Median")], NULL) == r->bmd.median);
    assert_true(strtod(cells[column(head, nh, "Fisher's Exact Right P-Value")], NULL) ==
                r->fisher_right);
    assert_true(strtod(cells[column(head, nh,
                                    "Lower bound of the 95% confidence interval -  "
                                    "BMDL")],
                       NULL) == r->bmdl.ci_lo);
  }
  assert_int_equal(rows, 2);
  /* S1: G1..G5, BMDs 1.5..7.5; models p1 Power, p2 Hill, p3 Hill, p4 Power, p5 Hill */
  free(buf);
  f = open_memstream(&buf, &len);
  assert_int_equal(bs_categories_tsv_write(f, ca, probes, &o), 0);
  fclose(f);
  assert_non_null(strstr(buf, "\tG1;G2;G3;G4;G5\t"));
  assert_non_null(strstr(buf, "\tp1;p2;p3;p4;p5\t"));
  assert_non_null(strstr(buf, "\tHill,3(0.60);Power,2(0.40)\t"));
  free(buf);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(annot);
}

static void test_tpod_json(void **state) {
  (void)state;
  bmd_category_analysis *ca = make_analysis();
  bmd_tpod t;
  bmd_tpod_compute(ca, NULL, &t);
  json_t *j = bs_tpod_json(&t, bmd_category_n_genes(ca), bmd_category_n_results(ca));
  assert_non_null(j);
  /* S1 median of 1.5..7.5 = 4.5; S2 (G4..G9) median 9.75 */
  json_t *gs = json_object_get(j, "gene_set");
  assert_true(json_is_true(json_object_get(gs, "available")));
  assert_string_equal(json_string_value(json_object_get(gs, "set_id")), "S1");
  assert_true(json_real_value(json_object_get(gs, "bmd")) == 4.5);
  json_t *rank = json_object_get(j, "rank");
  assert_true(json_is_false(json_object_get(rank, "available")));
  assert_true(json_is_null(json_object_get(rank, "bmd")));
  assert_non_null(strstr(json_string_value(json_object_get(rank, "reason")), "only 9 genes"));
  json_decref(j);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  bs_tpod_print(f, &t);
  fclose(f);
  assert_non_null(strstr(buf, "BMD 4.5 (BMDL 2.25), S1"));
  free(buf);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(annot);
}

static size_t count(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

static void test_svg(void **state) {
  (void)state;
  bmd_category_analysis *ca = make_analysis();
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(bs_plot_gene_accumulation_svg(f, ca, "genes & <BMDs>"), 0);
  fclose(f);
  assert_int_equal(count(buf, "<svg "), 1);
  assert_int_equal(count(buf, "</svg>"), 1);
  assert_int_equal(count(buf, "<circle class=\"point\""), 9);
  assert_non_null(strstr(buf, "genes &amp; &lt;BMDs&gt;"));
  assert_non_null(strstr(buf, "data-gene=\"G9\" data-bmd=\"13.5\" data-rank=\"9\""));
  free(buf);
  f = open_memstream(&buf, &len);
  assert_int_equal(bs_plot_category_accumulation_svg(f, ca, 1, NULL), 0);
  fclose(f);
  assert_int_equal(count(buf, "<circle class=\"point\""), 2);
  assert_int_equal(count(buf, "<line class=\"range\""), 2);
  assert_non_null(strstr(buf, "data-name=\"set &lt;one&gt; &amp; co\""));
  assert_non_null(strstr(buf, "data-median=\"4.5\" data-bmdl=\"2.25\" data-bmdu=\"13.5\""));
  free(buf);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(annot);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tsv),
      cmocka_unit_test(test_tpod_json),
      cmocka_unit_test(test_svg),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
