/*
 * test_category.c - the category analysis on hand-built cases: the
 * percentile "of Total Genes" and tie rules, medians, Fisher's exact test
 * against hand-counted hypergeometric tables, promiscuous-probe removal,
 * the probe filters, gene-level means and the per-category statistics.
 * Every expected value is worked out in the comments from the inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/category.h"

#define TOL 1e-12

/* |got - want| <= tol, with both printed on failure (cmocka 1.1 has no double asserts). */
#define assert_near(got, want, tol) check_near((got), (want), (tol), __FILE__, __LINE__)
static void check_near(double got, double want, double tol, const char *file, int line) {
  if (!(fabs(got - want) <= tol)) {
    print_error("got %.17g want %.17g (tol %g)\n", got, want, tol);
    _fail(file, line);
  }
}

static void test_median(void **state) {
  (void)state;
  double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2};
  assert_near(bmd_stat_median(odd, 3), 3.0, TOL);
  assert_near(bmd_stat_median(even, 4), 2.5, TOL);
  assert_true(isnan(bmd_stat_median(odd, 0)));
}

/* first i with (i+1)/A >= p; exact hit or i = 0 -> x_i, else mean of x_(i-1), x_i */
static void test_total_percentile(void **state) {
  (void)state;
  double x[] = {1, 2, 3, 4}, idx;
  /* A = 20, p = 0.05: 1/20 == 0.05 -> x_0, index 0 */
  assert_near(bmd_stat_total_percentile(x, 4, 20, 0.05, &idx), 1.0, TOL);
  assert_near(idx, 0.0, TOL);
  /* A = 20, p = 0.10: 2/20 == 0.10 -> x_1 */
  assert_near(bmd_stat_total_percentile(x, 4, 20, 0.10, &idx), 2.0, TOL);
  assert_near(idx, 1.0, TOL);
  /* A = 30, p = 0.05: 2/30 > 0.05 first at i = 1, not exact -> (1 + 2)/2, index 0.5 */
  assert_near(bmd_stat_total_percentile(x, 4, 30, 0.05, &idx), 1.5, TOL);
  assert_near(idx, 0.5, TOL);
  /* A = 30, p = 0.10: 3/30 == 0.10 -> x_2 */
  assert_near(bmd_stat_total_percentile(x, 4, 30, 0.10, &idx), 3.0, TOL);
  assert_near(idx, 2.0, TOL);
  /* A = 35, p = 0.10: first at i = 3 (4/35), not exact -> (3 + 4)/2, index 2.5 */
  assert_near(bmd_stat_total_percentile(x, 4, 35, 0.10, &idx), 3.5, TOL);
  assert_near(idx, 2.5, TOL);
  /* A = 10, p = 0.05: i = 0 already (0.1 >= 0.05) -> x_0 */
  assert_near(bmd_stat_total_percentile(x, 1, 10, 0.05, &idx), 1.0, TOL);
  /* n / A < p -> empty: 1/30 < 0.05; 4/50 < 0.10 */
  assert_true(isnan(bmd_stat_total_percentile(x, 1, 30, 0.05, &idx)));
  assert_true(isnan(idx));
  assert_true(isnan(bmd_stat_total_percentile(x, 4, 50, 0.10, &idx)));
}

/*
 * [[3, 1], [1, 3]]: n1 = 4, n2 = 4, t = 4; C(4,k) C(4,4-k) / 70 =
 * 1, 16, 36, 16, 1 (/70) for k = 0..4. left = 69/70, right = 17/70,
 * two-sided = (1 + 16 + 16 + 1)/70.
 */
static void test_fisher(void **state) {
  (void)state;
  double l, r, t;
  assert_int_equal(bmd_fisher_exact(3, 1, 1, 3, &l, &r, &t), 0);
  assert_near(l, 69.0 / 70, 1e-12);
  assert_near(r, 17.0 / 70, 1e-12);
  assert_near(t, 34.0 / 70, 1e-12);
  /* [[0, 5], [4, 1]]: n1 = 4, n2 = 6, t = 5; Pr(X = 0) = C(6,5)/C(10,5) = 6/252 */
  assert_int_equal(bmd_fisher_exact(0, 5, 4, 1, &l, &r, &t), 0);
  assert_near(l, 6.0 / 252, 1e-12);
  assert_near(r, 1.0, 1e-12);
  assert_int_equal(bmd_fisher_exact(1, -1, 0, 0, &l, &r, &t), -1);
}

/*
 * Probe map: pA, pB -> G1; pC -> G2; pD -> G3; pE -> G4 and G5
 * (promiscuous); pF -> G6; pG -> G7 (not in the BMD step).
 * Categories: C1 = {G1, G2, G3, G4}, C2 = {G5, G6, G7, G8}, C3 = {G7}.
 */
static bmd_annotation *make_annotation(void) {
  static const char *pm[][2] = {{"pA", "G1"}, {"pB", "G1"}, {"pC", "G2"},
                                {"pD", "G3"}, {"pE", "G4"}, {"pE", "G5"},
                                {"pF", "G6"}, {"pG", "G7"}, {"pA", "G1"}};
  static const char *cm[][3] = {{"C1", "one", "G1"}, {"C1", "one", "G2"}, {"C1", "one", "G3"},
                                {"C1", "one", "G4"}, {"C2", "two", "G5"}, {"C2", "two", "G6"},
                                {"C2", "two", "G7"}, {"C2", "two", "G8"}, {"C3", "three", "G7"},
                                {"C1", "one", "G2"}};
  bmd_annotation *a = bmd_annotation_new();
  assert_non_null(a);
  for (size_t i = 0; i < sizeof(pm) / sizeof(pm[0]); i++)
    assert_int_equal(bmd_annotation_add_probe_gene(a, pm[i][0], pm[i][1]), 0);
  for (size_t i = 0; i < sizeof(cm) / sizeof(cm[0]); i++)
    assert_int_equal(bmd_annotation_add_category_gene(a, cm[i][0], cm[i][1], cm[i][2]), 0);
  assert_int_equal(bmd_annotation_n_probes(a), 7);
  assert_int_equal(bmd_annotation_n_categories(a), 3);
  assert_int_equal(bmd_annotation_category_size(a, 0), 4); /* repeated row ignored */
  return a;
}

/* Highest dose 100, lowest positive dose 1. */
static const bmd_cat_probe PROBES[] = {
    {"pA", 10, 5, 20, 0.5, 0.9, 2.0, 1, "Hill", 0, 0},
    {"pB", 20, 10, 40, 0.3, 0.8, -3.0, -1, "Power", 0, 0},
    {"pC", 5, 4, 8, 0.2, 0.7, 1.5, 1, "Linear", 0, 0},
    {"pD", 200, 100, 400, 0.9, 0.9, 2.0, 1, "Hill", 0, 0}, /* BMD > highest dose */
    {"pE", 1, 0.5, 2, 0.9, 0.9, 2.0, 1, "Hill", 0, 0},     /* promiscuous */
    {"pF", 50, 25, 100, 0.6, 0.4, -1.4, -1, "Exp3", 0, 0},
    {"pX", 3, 2, 4, 0.9, 0.9, 2.0, 1, "Hill", 0, 0}, /* not in the map */
};
#define N_PROBES (sizeof(PROBES) / sizeof(PROBES[0]))

static const bmd_category_result *find(const bmd_category_analysis *ca, const char *id) {
  for (size_t i = 0; i < bmd_category_n_results(ca); i++)
    if (strcmp(bmd_category_result_get(ca, i)->id, id) == 0)
      return bmd_category_result_get(ca, i);
  return NULL;
}

static void test_defaults(void **state) {
  (void)state;
  bmd_annotation *a = make_annotation();
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  bmd_category_analysis *ca =
      bmd_category_run(a, PROBES, N_PROBES, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_non_null(ca);
  /* genes with surviving probes: G1 (pA, pB), G2 (pC), G6 (pF) */
  assert_int_equal(bmd_category_n_genes(ca), 3);
  const bmd_cat_gene *g1 = bmd_category_gene(ca, 0);
  assert_string_equal(g1->id, "G1");
  assert_int_equal(g1->n_probes, 2);
  assert_near(g1->bmd, 15.0, TOL);  /* (10 + 20)/2 */
  assert_near(g1->bmdl, 7.5, TOL);  /* (5 + 10)/2 */
  assert_near(g1->bmdu, 30.0, TOL); /* (20 + 40)/2 */
  assert_near(g1->weight, 0.4, TOL);
  assert_int_equal(g1->direction, 0); /* up and down probes */
  /* platform genes G1 G2 G3 G6 G7 (G4, G5 only through promiscuous pE):
   * U = |{G1,G2,G3} u {G6,G7} u {G7}| = 5; passed P = 3 */
  assert_int_equal(bmd_category_universe(ca), 5);
  assert_int_equal(bmd_category_n_passed(ca), 3);
  assert_int_equal(bmd_category_n_results(ca), 2); /* C3 has no input gene */
  assert_null(find(ca, "C3"));

  const bmd_category_result *c1 = find(ca, "C1");
  assert_non_null(c1);
  assert_string_equal(c1->name, "one");
  assert_int_equal(c1->n_platform, 3);
  assert_int_equal(c1->n_expression, 3);
  assert_int_equal(c1->n_input, 3);
  assert_int_equal(c1->n_after[BMD_CAT_FILTER_HIGH_DOSE], 2);
  assert_int_equal(c1->n, 2);
  /* BMD order: G2 (5), G1 (15) */
  assert_string_equal(bmd_category_gene(ca, c1->genes[0])->id, "G2");
  assert_near(c1->bmd.mean, 10.0, TOL);
  assert_near(c1->bmd.median, 10.0, TOL);
  assert_near(c1->bmd.min, 5.0, TOL);
  assert_near(c1->bmd.sd, sqrt(50.0), TOL);
  /* wmean = (0.2*5 + 0.4*15)/0.6 = 35/3; SS = 5 + 90 - 49/0.6 = 40/3;
   * wsd = sqrt(SS / (1 * 0.6 / 2)) = sqrt(400/9) = 20/3 */
  assert_near(c1->bmd.wmean, 35.0 / 3, 1e-12);
  assert_near(c1->bmd.wsd, 20.0 / 3, 1e-12);
  assert_near(c1->bmd.ci_lo, 10 - 1.96 * sqrt(50.0) / sqrt(2.0), 1e-12);
  /* A = 3: 1/3 >= 0.05 at i = 0 -> gene 0 for both percentiles */
  assert_near(c1->bmd.p5, 5.0, TOL);
  assert_near(c1->bmdl.p10, 4.0, TOL);
  assert_near(c1->p10_index, 0.0, TOL);
  assert_near(c1->percentage, 66.67, 1e-9);
  /* G2 up, G1 conflict: 50% each -> overall CONFLICT */
  assert_int_equal(c1->up.n, 1);
  assert_int_equal(c1->conflict.n, 1);
  assert_int_equal(c1->overall_direction, 0);
  assert_int_equal(c1->probes_up, 2);
  assert_int_equal(c1->probes_down, 1);
  assert_int_equal(c1->n_probes, 3);
  /* |FC| of pA, pB, pC = 2, 3, 1.5 */
  assert_near(c1->fc_geomean, cbrt(9.0), 1e-12);
  assert_near(c1->fc_total, 6.5, TOL);
  assert_near(c1->fc_median, 2.0, TOL);
  double m = 6.5 / 3;
  double sd = sqrt(((2 - m) * (2 - m) + (3 - m) * (3 - m) + (1.5 - m) * (1.5 - m)) / 2);
  assert_near(c1->fc_sd, sd, 1e-12);
  assert_int_equal(c1->n_models, 3);
  assert_string_equal(c1->models[0].model, "Hill");
  assert_string_equal(c1->models[2].model, "Power");
  /* Fisher: a = 2, b = 1, c = 1, d = 1; n1 = 3, n2 = 2, t = 3;
   * C(3,k) C(2,3-k)/10 = 3, 6, 1 (/10) for k = 1..3 */
  assert_int_equal(c1->fisher_d, 1);
  assert_near(c1->fisher_right, 0.7, 1e-12);
  assert_near(c1->fisher_left, 0.9, 1e-12);
  assert_near(c1->fisher_two, 1.0, 1e-12);

  const bmd_category_result *c2 = find(ca, "C2");
  assert_int_equal(c2->n_platform, 2);
  assert_int_equal(c2->n_expression, 1);
  assert_int_equal(c2->n, 1);
  assert_true(isnan(c2->bmd.sd));
  assert_int_equal(c2->overall_direction, -1);
  bmd_category_analysis_destroy(ca);

  /* promiscuous probes kept: pE maps to G4 and G5, both pass */
  o.remove_promiscuous = 0;
  ca = bmd_category_run(a, PROBES, N_PROBES, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_non_null(ca);
  assert_int_equal(bmd_category_n_genes(ca), 5);
  assert_int_equal(find(ca, "C1")->n, 3);
  assert_int_equal(find(ca, "C1")->n_platform, 4);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

static void test_filters(void **state) {
  (void)state;
  bmd_annotation *a = make_annotation();
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  /* BMDU/BMDL <= 3: pA 4, pB 4, pF 4 removed; pC 2 kept */
  o.filter_on[BMD_CAT_FILTER_BMDU_BMDL] = 1;
  o.bmdu_bmdl_max = 3;
  bmd_category_analysis *ca =
      bmd_category_run(a, PROBES, N_PROBES, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_non_null(ca);
  const bmd_category_result *c1 = find(ca, "C1");
  assert_int_equal(c1->n_after[BMD_CAT_FILTER_HIGH_DOSE], 2);
  assert_int_equal(c1->n_after[BMD_CAT_FILTER_BMDU_BMDL], 1);
  assert_int_equal(c1->n, 1);
  assert_int_equal(find(ca, "C2")->n, 0);
  assert_int_equal(bmd_category_n_passed(ca), 1);
  bmd_category_analysis_destroy(ca);

  /* fit p >= 0.25 and R² >= 0.75: pC (p 0.2) and pF (R² 0.4) go; G1 keeps pA, pB */
  o = bmd_category_options_default();
  o.filter_on[BMD_CAT_FILTER_FIT_P] = 1;
  o.fit_p_min = 0.25;
  o.filter_on[BMD_CAT_FILTER_R_SQUARED] = 1;
  o.r_squared_min = 0.75;
  ca = bmd_category_run(a, PROBES, N_PROBES, NULL, 0, 100, 1, &o, err, sizeof(err));
  c1 = find(ca, "C1");
  assert_int_equal(c1->n_after[BMD_CAT_FILTER_FIT_P], 1);
  assert_int_equal(c1->n, 1);
  bmd_category_analysis_destroy(ca);

  /* remove UP probes: pA, pC go; G1 keeps pB only -> BMD 20, direction down */
  o = bmd_category_options_default();
  o.filter_on[BMD_CAT_FILTER_DIRECTION] = 1;
  ca = bmd_category_run(a, PROBES, N_PROBES, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_int_equal(bmd_category_n_genes(ca), 2);
  assert_near(bmd_category_gene(ca, 0)->bmd, 20.0, TOL);
  assert_int_equal(bmd_category_gene(ca, 0)->direction, -1);
  bmd_category_analysis_destroy(ca);

  /* category size bounds on All Genes (Platform): min 3 keeps C1 only */
  o = bmd_category_options_default();
  o.min_genes_on = 1;
  o.min_genes = 3;
  ca = bmd_category_run(a, PROBES, N_PROBES, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_int_equal(bmd_category_n_results(ca), 1);
  assert_non_null(find(ca, "C1"));
  bmd_category_analysis_destroy(ca);

  /* explicit experiment probe list: pG adds G7 to "All Genes (Expression Data)" */
  const char *expr[] = {"pA", "pB", "pC", "pD", "pE", "pF", "pG"};
  o = bmd_category_options_default();
  ca = bmd_category_run(a, PROBES, N_PROBES, expr, 7, 100, 1, &o, err, sizeof(err));
  assert_int_equal(find(ca, "C2")->n_expression, 2);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

/* Equal BMDs order by gene id; gene-level mode makes one category per gene. */
static void test_ties_and_gene_level(void **state) {
  (void)state;
  bmd_annotation *a = bmd_annotation_new();
  assert_int_equal(bmd_annotation_add_probe_gene(a, "p1", "B"), 0);
  assert_int_equal(bmd_annotation_add_probe_gene(a, "p2", "A"), 0);
  assert_int_equal(bmd_annotation_add_probe_gene(a, "p3", "C"), 0);
  assert_int_equal(bmd_annotation_add_category_gene(a, "S", "set", "B"), 0);
  assert_int_equal(bmd_annotation_add_category_gene(a, "S", "set", "A"), 0);
  assert_int_equal(bmd_annotation_add_category_gene(a, "S", "set", "C"), 0);
  bmd_cat_probe p[] = {{"p1", 7, 6, 8, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p2", 7, 5, 9, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p3", 1, 0.5, 2, 0.5, 0.9, 2, 1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, 3, NULL, 0, 100, 1, &o, err, sizeof(err));
  const bmd_category_result *r = bmd_category_result_get(ca, 0);
  assert_int_equal(r->n, 3);
  assert_string_equal(bmd_category_gene(ca, r->genes[0])->id, "C");
  assert_string_equal(bmd_category_gene(ca, r->genes[1])->id, "A");
  assert_string_equal(bmd_category_gene(ca, r->genes[2])->id, "B");
  assert_near(r->bmdl.median, 5.0, TOL); /* BMDLs 0.5, 5, 6 */
  assert_int_equal(r->overall_direction, 1);
  bmd_category_analysis_destroy(ca);

  assert_int_equal(bmd_annotation_gene_level(a), 0);
  assert_int_equal(bmd_annotation_n_categories(a), 3);
  assert_string_equal(bmd_annotation_category_id(a, 0), "B");
  ca = bmd_category_run(a, p, 3, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_int_equal(bmd_category_n_results(ca), 3);
  assert_int_equal(bmd_category_result_get(ca, 1)->n, 1);
  assert_near(bmd_category_result_get(ca, 1)->bmd.median, 7.0, TOL);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
  bmd_annotation_destroy(NULL);
  bmd_category_analysis_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_median),  cmocka_unit_test(test_total_percentile),
      cmocka_unit_test(test_fisher),  cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_filters), cmocka_unit_test(test_ties_and_gene_level),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
