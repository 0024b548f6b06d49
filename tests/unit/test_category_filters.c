/*
 * test_category_filters.c - BMDExpress 3's remaining category filters and
 * statistics on small hand-made cases (docs/categories.md, "The filters of
 * BMDExpress 3"): the N-fold-below-lowest-dose and adverse-direction probe
 * filters, promiscuous probes, the up/down split of the statistics, the
 * conflicting-probe-set correlation (and its categories.tsv column),
 * gene-set de-duplication and the step-function filters. Every expected value is worked out in the
 * comments from the inputs.
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

#include "bmd/category.h"
#include "bs/category_export.h"

#define TOL 1e-12

static void assert_near(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol))
    fail_msg("got %.17g, want %.17g (tol %g)", got, want, tol);
}

/* One category "S" over genes[0..n), probe i -> gene i. */
static bmd_annotation *one_to_one(const char *const *probes, const char *const *genes, size_t n) {
  bmd_annotation *a = bmd_annotation_new();
  assert_non_null(a);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(bmd_annotation_add_probe_gene(a, probes[i], genes[i]), 0);
    assert_int_equal(bmd_annotation_add_category_gene(a, "S", "set", genes[i]), 0);
  }
  return a;
}

static const bmd_category_result *find(const bmd_category_analysis *ca, const char *id) {
  for (size_t i = 0; i < bmd_category_n_results(ca); i++)
    if (strcmp(bmd_category_result_get(ca, i)->id, id) == 0)
      return bmd_category_result_get(ca, i);
  return NULL;
}

/*
 * N-fold below the lowest dose (BMDStatatistics.checkNFoldBelowLowestDose:
 * removed when lowest positive dose / BMD > N). Lowest positive dose 10,
 * N = 3: p1 BMD 2 -> 5 > 3 removed; p2 BMD 4 -> 2.5 kept; p3 BMD 2.5 ->
 * 4 > 3 removed; p4 BMD 5 -> 2 kept. Passed: G2, G4 (BMD mean 4.5).
 */
static void test_low_dose_fold(void **state) {
  (void)state;
  const char *pr[] = {"p1", "p2", "p3", "p4"}, *ge[] = {"G1", "G2", "G3", "G4"};
  bmd_annotation *a = one_to_one(pr, ge, 4);
  bmd_cat_probe p[] = {{"p1", 2, 1, 4, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p2", 4, 2, 8, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p3", 2.5, 1, 5, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p4", 5, 2, 10, 0.5, 0.9, 2, 1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  o.filter_on[BMD_CAT_FILTER_LOW_DOSE] = 1;
  o.low_dose_fold = 3;
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, 4, NULL, 0, 100, 10, &o, err, sizeof(err));
  assert_non_null(ca);
  const bmd_category_result *r = bmd_category_result_get(ca, 0);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_HIGH_DOSE], 4);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_LOW_DOSE], 2);
  assert_int_equal(r->n, 2);
  assert_near(r->bmd.mean, 4.5, TOL);
  bmd_category_analysis_destroy(ca);
  /* off: all four pass */
  o.filter_on[BMD_CAT_FILTER_LOW_DOSE] = 0;
  ca = bmd_category_run(a, p, 4, NULL, 0, 100, 10, &o, err, sizeof(err));
  assert_int_equal(bmd_category_result_get(ca, 0)->n, 4);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

/*
 * Adverse direction DOWN removed (BMDStatatistics.checkAdverseDirection,
 * "down": adverseDirection < 0). p1 up, p2 down, p3 down, p4 up, G5 has
 * p5 (down) and p6 (up). Kept: p1, p4, p6 -> genes G1, G4, G5 (G5 now up).
 */
static void test_direction_down(void **state) {
  (void)state;
  const char *pr[] = {"p1", "p2", "p3", "p4", "p5", "p6"};
  const char *ge[] = {"G1", "G2", "G3", "G4", "G5", "G5"};
  bmd_annotation *a = one_to_one(pr, ge, 6);
  bmd_cat_probe p[] = {{"p1", 2, 1, 4, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p2", 4, 2, 8, 0.5, 0.9, -2, -1, "Hill", 0, 0},
                       {"p3", 3, 1, 5, 0.5, 0.9, -2, -1, "Hill", 0, 0},
                       {"p4", 5, 2, 10, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p5", 6, 3, 9, 0.5, 0.9, -2, -1, "Hill", 0, 0},
                       {"p6", 8, 4, 12, 0.5, 0.9, 2, 1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  o.filter_on[BMD_CAT_FILTER_DIRECTION] = 1;
  o.remove_direction = -1;
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, 6, NULL, 0, 100, 1, &o, err, sizeof(err));
  const bmd_category_result *r = bmd_category_result_get(ca, 0);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_DIRECTION], 3);
  assert_int_equal(r->n, 3);
  assert_int_equal(r->up.n, 3);
  assert_int_equal(r->down.n, 0);
  assert_near(r->bmd.median, 5.0, TOL); /* G1 2, G4 5, G5 8 (p6 only) */
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

/*
 * A probe mapped to two genes is promiscuous (CategoryMapTool.
 * removePromiscuousProbes: more than one distinct gene for the probe id):
 * pP -> G1 and G2. Removed: G1 and G2 have no probe left, the category
 * has only G3 (platform 1). Kept: three genes.
 */
static void test_promiscuous(void **state) {
  (void)state;
  bmd_annotation *a = bmd_annotation_new();
  assert_int_equal(bmd_annotation_add_probe_gene(a, "pP", "G1"), 0);
  assert_int_equal(bmd_annotation_add_probe_gene(a, "pP", "G2"), 0);
  assert_int_equal(bmd_annotation_add_probe_gene(a, "pQ", "G3"), 0);
  const char *cg[] = {"G1", "G2", "G3"};
  for (int i = 0; i < 3; i++)
    assert_int_equal(bmd_annotation_add_category_gene(a, "S", "set", cg[i]), 0);
  bmd_cat_probe p[] = {{"pP", 2, 1, 4, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"pQ", 4, 2, 8, 0.5, 0.9, 2, 1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, 2, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_int_equal(bmd_category_result_get(ca, 0)->n, 1);
  assert_int_equal(bmd_category_result_get(ca, 0)->n_platform, 1);
  bmd_category_analysis_destroy(ca);
  o.remove_promiscuous = 0;
  ca = bmd_category_run(a, p, 2, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_int_equal(bmd_category_result_get(ca, 0)->n, 3);
  assert_int_equal(bmd_category_result_get(ca, 0)->n_platform, 3);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

/*
 * Up/down split (BMDStatatistics.addDirectionalGeneStats, addPerGeneStats):
 * gene direction UP when its probes are all up, DOWN when all down, else
 * conflict; mean, median and SD (n - 1) of the gene BMD/BMDL/BMDU per
 * direction. UP genes G1 (BMD 2, BMDL 1, BMDU 4), G2 (4, 2, 8), G3 (9, 3,
 * 12): BMD mean 5, median 4, SD sqrt(((−3)² + (−1)² + 4²)/2) = sqrt(13);
 * BMDL mean 2, median 2, SD 1; BMDU mean 8, median 8, SD 4. DOWN genes G4
 * (6, 3, 9), G5 (10, 5, 15): BMD mean 8, median 8, SD sqrt(8); BMDL mean 4,
 * SD sqrt(2); BMDU mean 12, SD sqrt(18). G6 has an up and a down probe:
 * conflict. UP 3/6 = 50% < 60%, DOWN 2/6: overall CONFLICT.
 */
static void test_up_down_split(void **state) {
  (void)state;
  const char *pr[] = {"p1", "p2", "p3", "p4", "p5", "p6", "p7"};
  const char *ge[] = {"G1", "G2", "G3", "G4", "G5", "G6", "G6"};
  bmd_annotation *a = one_to_one(pr, ge, 7);
  bmd_cat_probe p[] = {{"p1", 2, 1, 4, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p2", 4, 2, 8, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p3", 9, 3, 12, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p4", 6, 3, 9, 0.5, 0.9, -2, -1, "Hill", 0, 0},
                       {"p5", 10, 5, 15, 0.5, 0.9, -2, -1, "Hill", 0, 0},
                       {"p6", 1, 1, 2, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p7", 3, 1, 4, 0.5, 0.9, -2, -1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, 7, NULL, 0, 100, 1, &o, err, sizeof(err));
  const bmd_category_result *r = bmd_category_result_get(ca, 0);
  assert_int_equal(r->up.n, 3);
  assert_near(r->up.bmd_mean, 5, TOL);
  assert_near(r->up.bmd_median, 4, TOL);
  assert_near(r->up.bmd_sd, sqrt(13.0), TOL);
  assert_near(r->up.bmdl_mean, 2, TOL);
  assert_near(r->up.bmdl_median, 2, TOL);
  assert_near(r->up.bmdl_sd, 1, TOL);
  assert_near(r->up.bmdu_mean, 8, TOL);
  assert_near(r->up.bmdu_median, 8, TOL);
  assert_near(r->up.bmdu_sd, 4, TOL);
  assert_int_equal(r->down.n, 2);
  assert_near(r->down.bmd_mean, 8, TOL);
  assert_near(r->down.bmd_median, 8, TOL);
  assert_near(r->down.bmd_sd, sqrt(8.0), TOL);
  assert_near(r->down.bmdl_mean, 4, TOL);
  assert_near(r->down.bmdl_sd, sqrt(2.0), TOL);
  assert_near(r->down.bmdu_mean, 12, TOL);
  assert_near(r->down.bmdu_sd, sqrt(18.0), TOL);
  assert_int_equal(r->conflict.n, 1);
  assert_int_equal(r->overall_direction, 0);
  assert_near(r->frac_up, 0.5, TOL);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

/*
 * Pearson's r and NumberManager.numberFormat(4, .) rounding.
 * x = 1,2,3,4; y = 1,3,2,5: deviations -1.5,-.5,.5,1.5 and -1.75,.25,
 * -.75,2.25; Sxy = 2.625 - .125 - .375 + 3.375 = 5.5, Sxx = 5, Syy = 8.75,
 * r = 5.5 / sqrt(43.75) = 0.83152184..., rounded 0.8315.
 */
static void test_pearson_and_rounding(void **state) {
  (void)state;
  const double x[] = {1, 2, 3, 4}, y[] = {1, 3, 2, 5}, c[] = {3, 3, 3, 3};
  assert_near(bmd_stat_pearson(x, y, 4), 5.5 / sqrt(43.75), 1e-15);
  assert_true(isnan(bmd_stat_pearson(x, c, 4))); /* constant row */
  assert_true(isnan(bmd_stat_pearson(x, y, 1)));
  assert_true(bmd_round_bmdx(5.5 / sqrt(43.75), 4) == 0.8315);
  assert_true(bmd_round_bmdx(-0.987654, 4) == -0.9877);
  /* |x| < 0.1: one more place per leading zero (redicimal): 0.0123456 has
   * d = 2 (first d with x >= 10^-d), 4 + 1 = 5 places -> 0.01235 */
  assert_true(bmd_round_bmdx(0.0123456, 4) == 0.01235);
  assert_true(bmd_round_bmdx(0.00123456, 4) == 0.001235); /* d = 3: 6 places */
  assert_true(bmd_round_bmdx(1.0, 4) == 1.0);
  assert_true(bmd_round_bmdx(0.0, 4) == 0.0);
}

/*
 * Conflicting probe sets. Probe map p1, p2, p3, p6 -> G1; p4 -> G2; p5 ->
 * G1 and G3 (promiscuous). Expression rows (4 samples):
 *   p1 1 2 3 4   p2 2 4 6 8   p3 1 3 2 5   p4 1 2 3 5   p5 5 4 3 2
 *   p6 3 3 3 3 (constant: its r is NaN and never counts)
 * G1 pairs: r(p1,p2) = 1, r(p1,p3) = r(p2,p3) = 0.8315 (above), so min r
 * = 0.8315; G2 has one probe: 1.0. With promiscuous p5 kept, G1 also has
 * r(p1,p5) = -1 -> -1.0. BMD probes: p1 (G1), p4 (G2). Cut-off 0.9: G1 is
 * conflicting, G2 not; cut-off 0.5: none.
 */
static void test_conflicting_probe_sets(void **state) {
  (void)state;
  bmd_annotation *a = bmd_annotation_new();
  const char *pm[][2] = {{"p1", "G1"}, {"p2", "G1"}, {"p3", "G1"}, {"p6", "G1"},
                         {"p4", "G2"}, {"p5", "G1"}, {"p5", "G3"}};
  for (size_t i = 0; i < sizeof(pm) / sizeof(pm[0]); i++)
    assert_int_equal(bmd_annotation_add_probe_gene(a, pm[i][0], pm[i][1]), 0);
  assert_int_equal(bmd_annotation_add_category_gene(a, "S", "set", "G1"), 0);
  assert_int_equal(bmd_annotation_add_category_gene(a, "S", "set", "G2"), 0);
  const char *ids[] = {"p1", "p2", "p3", "p4", "p5", "p6"};
  const double v[] = {1, 2, 3, 4, 2, 4, 6, 8, 1, 3, 2, 5, 1, 2, 3, 5, 5, 4, 3, 2, 3, 3, 3, 3};
  bmd_cat_probe p[] = {{"p1", 2, 1, 4, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p4", 4, 2, 8, 0.5, 0.9, 2, 1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  o.identify_conflicting = 1;
  o.conflict_r_cutoff = 0.9;
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, 2, ids, 6, 100, 1, &o, err, sizeof(err));
  assert_non_null(ca);
  assert_false(bmd_category_conflicts_done(ca));
  assert_int_equal(bmd_category_conflicts(ca, a, ids, v, 6, 4, 1, 0.9, err, sizeof(err)), 0);
  assert_true(bmd_category_conflicts_done(ca));
  assert_true(bmd_category_gene(ca, 0)->min_correlation == 0.8315); /* G1 */
  assert_true(bmd_category_gene(ca, 1)->min_correlation == 1.0);    /* G2 */
  assert_int_equal(bmd_category_result_get(ca, 0)->n_conflicting, 1);

  /* the categories.tsv column after "Probe IDs": "G1(0.8315)" */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(bs_categories_tsv_write(f, ca, p, &o), 0);
  fclose(f);
  assert_non_null(strstr(buf, "\tProbe IDs\tGenes with Conflicting Probesets\tBMD Mean\t"));
  assert_non_null(strstr(buf, "\tp1;p4\tG1(0.8315)\t")); /* probes in BMD order: G1 2, G2 4 */
  free(buf);

  /* cut-off 0.5: nobody; promiscuous p5 kept: G1 -1.0 */
  assert_int_equal(bmd_category_conflicts(ca, a, ids, v, 6, 4, 1, 0.5, err, sizeof(err)), 0);
  assert_int_equal(bmd_category_result_get(ca, 0)->n_conflicting, 0);
  assert_int_equal(bmd_category_conflicts(ca, a, ids, v, 6, 4, 0, 0.5, err, sizeof(err)), 0);
  assert_true(bmd_category_gene(ca, 0)->min_correlation == -1.0);
  f = open_memstream(&buf, &len);
  assert_int_equal(bs_categories_tsv_write(f, ca, p, &o), 0);
  fclose(f);
  assert_non_null(strstr(buf, "\tp1;p4\tG1(-1.0)\t"));
  free(buf);
  bmd_category_analysis_destroy(ca);

  /* not computed: no column */
  o.identify_conflicting = 0;
  ca = bmd_category_run(a, p, 2, ids, 6, 100, 1, &o, err, sizeof(err));
  f = open_memstream(&buf, &len);
  assert_int_equal(bs_categories_tsv_write(f, ca, p, &o), 0);
  fclose(f);
  assert_null(strstr(buf, "Conflicting"));
  free(buf);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

/*
 * The step-function filters (BMDStatatistics.checkStepFunction and
 * checkStepFunctionWithBMDLower: a probe whose best model's flag is set
 * is removed), after the fold-change filter and before the direction
 * filter (CategoryMapTool.termsOut's order). Highest dose 100, lowest
 * positive dose 10; probe pK -> GK, one category S:
 *   p1 BMD 5   step, in the first interval with BMD 5 < 10 (both flags)
 *   p2 BMD 20  step elsewhere (step flag only)
 *   p3 BMD 30  no step
 *   p4 BMD 200 no step, but BMD > highest dose: removed first
 *   p5 BMD 8   no step
 * removeStepFunctionWithBMDLower only: p1, p4 removed -> G2, G3, G5 pass
 *   (BMDs 20, 30, 8: mean 58/3, median 20); "Genes with BMD <= Highest
 *   Dose" 4, "Genes Not Step Function with BMD Less Than Lowest Dose" 3.
 * removeStepFunction only: p1, p2, p4 removed -> G3, G5 (mean 19).
 * both: the step filter leaves 2 and the BMD-lower one 2 (p1 is gone).
 */
static void test_step_function(void **state) {
  (void)state;
  const char *pr[] = {"p1", "p2", "p3", "p4", "p5"}, *ge[] = {"G1", "G2", "G3", "G4", "G5"};
  bmd_annotation *a = one_to_one(pr, ge, 5);
  bmd_cat_probe p[] = {{"p1", 5, 2, 10, 0.5, 0.9, 2, 1, "Hill", 1, 1},
                       {"p2", 20, 10, 40, 0.5, 0.9, 2, 1, "Hill", 1, 0},
                       {"p3", 30, 15, 60, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p4", 200, 100, 400, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p5", 8, 4, 16, 0.5, 0.9, 2, 1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  o.filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE] = 1;
  char err[256];
  bmd_category_analysis *ca = bmd_category_run(a, p, 5, NULL, 0, 100, 10, &o, err, sizeof(err));
  assert_non_null(ca);
  const bmd_category_result *r = bmd_category_result_get(ca, 0);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_HIGH_DOSE], 4);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_STEP_LOW_DOSE], 3);
  assert_int_equal(r->n, 3);
  assert_near(r->bmd.mean, 58.0 / 3.0, TOL);
  assert_near(r->bmd.median, 20, TOL);
  /* the count column, after the high-dose one, before "Genes That Passed" */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(bs_categories_tsv_write(f, ca, p, &o), 0);
  fclose(f);
  assert_non_null(strstr(buf, "\tInput Genes\tGenes with BMD <= Highest Dose\tGenes Not Step "
                              "Function with BMD Less Than Lowest Dose\tGenes That Passed All "
                              "Filters\t"));
  assert_non_null(strstr(buf, "\nS\tset\t5\t5\t5\t4\t3\t3\t"));
  assert_null(strstr(buf, "Genes Not Step Function\t"));
  free(buf);
  bmd_category_analysis_destroy(ca);

  o.filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE] = 0;
  o.filter_on[BMD_CAT_FILTER_STEP] = 1;
  ca = bmd_category_run(a, p, 5, NULL, 0, 100, 10, &o, err, sizeof(err));
  r = bmd_category_result_get(ca, 0);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_STEP], 2);
  assert_int_equal(r->n, 2);
  assert_near(r->bmd.mean, 19, TOL);
  bmd_category_analysis_destroy(ca);

  o.filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE] = 1;
  ca = bmd_category_run(a, p, 5, NULL, 0, 100, 10, &o, err, sizeof(err));
  r = bmd_category_result_get(ca, 0);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_STEP], 2);
  assert_int_equal(r->n_after[BMD_CAT_FILTER_STEP_LOW_DOSE], 2);
  assert_int_equal(r->n, 2);
  bmd_category_analysis_destroy(ca);

  /* an unknown flag (a table without the column) is refused, naming the
   * probe; a probe without a best model needs none */
  p[2].step_below_low_dose = -1;
  assert_null(bmd_category_run(a, p, 5, NULL, 0, 100, 10, &o, err, sizeof(err)));
  assert_non_null(strstr(err, "probe p3"));
  assert_non_null(strstr(err, "Is Step Function Less Than Lowest Dose"));
  p[2].bmd = NAN;
  ca = bmd_category_run(a, p, 5, NULL, 0, 100, 10, &o, err, sizeof(err));
  assert_non_null(ca);
  assert_int_equal(bmd_category_result_get(ca, 0)->n, 1); /* G5 */
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

/*
 * Gene-set de-duplication (CategoryAnalysisResults.deDuplicateGeneSets).
 * Probes: pK -> GK for K = 1..7; BMD probes p1, p2, p4, p6, p7 pass, p5
 * has BMD 200 > highest dose 100 (G5 gets no passed gene); p3 is not in
 * the BMD step (G3 on the platform only). Categories, in order:
 *   Sa {G1, G2, G3}  passed {G1, G2}, 66.67%, median 1.5
 *   Sb {G1, G2}      passed {G1, G2}, 100%  -> same key as Sa, no tie: dropped
 *   Sc {G1, G2}      passed {G1, G2}, 100%  -> after the group's first
 *                    non-tie: dropped
 *   Sd {G5}, Se {G5} nothing passed: empty key, both kept
 *   Sf {G6, G7}, Sg {G6, G7}  same key, tie on 100% and median: both kept
 *   Sh {G4}          alone: kept
 * Kept: Sa, Sd, Se, Sf, Sg, Sh, in this order; P (genes passed over all
 * categories, Fisher) is the same as without de-duplication: 5.
 */
static void test_deduplicate(void **state) {
  (void)state;
  bmd_annotation *a = bmd_annotation_new();
  char pid[8], gid[8];
  for (int k = 1; k <= 7; k++) {
    snprintf(pid, sizeof(pid), "p%d", k);
    snprintf(gid, sizeof(gid), "G%d", k);
    assert_int_equal(bmd_annotation_add_probe_gene(a, pid, gid), 0);
  }
  const char *cm[][2] = {{"Sa", "G1"}, {"Sa", "G2"}, {"Sa", "G3"}, {"Sb", "G1"}, {"Sb", "G2"},
                         {"Sc", "G2"}, {"Sc", "G1"}, {"Sd", "G5"}, {"Se", "G5"}, {"Sf", "G6"},
                         {"Sf", "G7"}, {"Sg", "G7"}, {"Sg", "G6"}, {"Sh", "G4"}};
  for (size_t i = 0; i < sizeof(cm) / sizeof(cm[0]); i++)
    assert_int_equal(bmd_annotation_add_category_gene(a, cm[i][0], cm[i][0], cm[i][1]), 0);
  bmd_cat_probe p[] = {{"p1", 1, 0.5, 2, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p2", 2, 1, 4, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p4", 4, 2, 8, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p5", 200, 100, 400, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p6", 6, 3, 12, 0.5, 0.9, 2, 1, "Hill", 0, 0},
                       {"p7", 7, 3, 14, 0.5, 0.9, 2, 1, "Hill", 0, 0}};
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, 6, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_int_equal(bmd_category_n_results(ca), 8);
  size_t passed = bmd_category_n_passed(ca);
  assert_int_equal(passed, 5);
  double fisher_sa = find(ca, "Sa")->fisher_two;
  bmd_category_analysis_destroy(ca);

  o.deduplicate = 1;
  ca = bmd_category_run(a, p, 6, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_non_null(ca);
  const char *want[] = {"Sa", "Sd", "Se", "Sf", "Sg", "Sh"};
  assert_int_equal(bmd_category_n_results(ca), 6);
  for (size_t i = 0; i < 6; i++)
    assert_string_equal(bmd_category_result_get(ca, i)->id, want[i]);
  assert_near(find(ca, "Sa")->percentage, 66.67, 1e-9);
  assert_int_equal(bmd_category_n_passed(ca), passed);
  assert_true(find(ca, "Sa")->fisher_two == fisher_sa);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_low_dose_fold),        cmocka_unit_test(test_direction_down),
      cmocka_unit_test(test_promiscuous),          cmocka_unit_test(test_up_down_split),
      cmocka_unit_test(test_pearson_and_rounding), cmocka_unit_test(test_conflicting_probe_sets),
      cmocka_unit_test(test_deduplicate),          cmocka_unit_test(test_step_function),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
