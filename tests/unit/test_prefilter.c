/*
 * test_prefilter.c - the prefilters on hand-built cases whose answers have
 * closed forms: ANOVA with F(2, 6) (upper tail (1 + 2F/6)^-3), Welch tests
 * with 2 and 4 degrees of freedom (closed-form t CDFs), BH worked by hand,
 * fold changes on integer log2 and raw data, NOTEL/LOTEL, and the filter
 * flow (p cutoff raw/adjusted/None, AFFX controls, fold filter).
 * The scipy/statsmodels comparison on real data is
 * tests/reference/test_prefilter.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/prefilter.h"

static void assert_rel(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol * fabs(want)))
    fail_msg("got %.17g, want %.17g (rel tol %g)", got, want, tol);
}

/* A grouped dataset from doses[n] and rows[probes][n] (rows flat). */
static bmd_dataset *make(size_t probes, size_t n, const double *doses, const double *rows,
                         const char *const *ids, bmd_log_base base) {
  bmd_dataset *ds = bmd_dataset_new(probes, n);
  assert_non_null(ds);
  for (size_t s = 0; s < n; s++) {
    ds->doses[s] = doses[s];
    ds->sample_ids[s] = strdup("s");
  }
  for (size_t p = 0; p < probes; p++)
    ds->probe_ids[p] = strdup(ids ? ids[p] : "probe");
  memcpy(ds->values, rows, probes * n * sizeof(double));
  ds->log_base = base;
  assert_int_equal(bmd_dataset_group(ds), 0);
  return ds;
}

static void test_anova(void **state) {
  (void)state;
  /* groups {1,2,3} {4,5,6} {7,8,9}: SS_treat 54, SS_err 6, F = 27,
   * p = (1 + 2*27/6)^-3 = 0.001; a singleton group (dose 50) is skipped */
  const double doses[10] = {0, 0, 0, 1, 1, 1, 10, 10, 10, 50};
  const double rows[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 100};
  bmd_dataset *ds = make(1, 10, doses, rows, NULL, BMD_LOG_BASE2);
  bmd_anova a = bmd_anova_probe(ds, 0);
  assert_int_equal(a.df1, 2);
  assert_int_equal(a.df2, 6);
  assert_rel(a.f, 27.0, 1e-13);
  assert_rel(a.p, 0.001, 1e-12);
  bmd_dataset_destroy(ds);

  /* constant probe: F and p NaN; one usable group: NaN */
  const double flat[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
  ds = make(1, 10, doses, flat, NULL, BMD_LOG_BASE2);
  a = bmd_anova_probe(ds, 0);
  assert_true(isnan(a.f) && isnan(a.p));
  bmd_dataset_destroy(ds);
  const double d2[4] = {0, 0, 1, 2};
  const double r2[4] = {1, 2, 3, 4};
  ds = make(1, 4, d2, r2, NULL, BMD_LOG_BASE2);
  a = bmd_anova_probe(ds, 0);
  assert_true(isnan(a.p));
  bmd_dataset_destroy(ds);
}

/* Student t CDFs in closed form for 2 and 4 degrees of freedom. */
static double t_cdf_2(double t) {
  return 0.5 + t / (2.0 * sqrt(2.0 + t * t));
}
static double t_cdf_4(double t) {
  double x = t * t / (4.0 + t * t);
  return 0.5 + 0.5 * copysign(1.0, t) * sqrt(x) * (1.0 + 0.5 * (1.0 - x));
}

static void test_welch(void **state) {
  (void)state;
  /* equal variances 2, n = 2: t = -5/sqrt(2), df = 2 */
  const double a[2] = {0, 2}, b[2] = {5, 7};
  bmd_welch w = bmd_welch_test(a, 2, b, 2);
  assert_rel(w.t, -5.0 / sqrt(2.0), 1e-14);
  assert_rel(w.df, 2.0, 1e-14);
  assert_rel(w.p, 2.0 * (1.0 - t_cdf_2(5.0 / sqrt(2.0))), 1e-10);
  /* n = 3, variances 1: t = -3/sqrt(2/3), df = 4 */
  const double c[3] = {1, 2, 3}, d[3] = {4, 5, 6};
  w = bmd_welch_test(c, 3, d, 3);
  assert_rel(w.df, 4.0, 1e-14);
  double t = 3.0 / sqrt(2.0 / 3.0);
  assert_rel(w.t, -t, 1e-14);
  assert_rel(w.p, 2.0 * (1.0 - t_cdf_4(t)), 1e-10);
  /* unequal variances: df by Welch-Satterthwaite, worked by hand:
   * a' var 1 (n 3), b' var 4 (n 3): se2 = 5/3, df = (25/9)/((1/9+16/9)/2) */
  const double e[3] = {1, 2, 3}, f[3] = {0, 2, 4};
  w = bmd_welch_test(e, 3, f, 3);
  assert_rel(w.df, (25.0 / 9.0) / (17.0 / 18.0), 1e-14);
  assert_true(w.t == 0.0);
  assert_rel(w.p, 1.0, 1e-15);
  /* too few values, zero variance */
  assert_true(isnan(bmd_welch_test(a, 1, b, 2).p));
  const double z[3] = {1, 1, 1};
  assert_true(isnan(bmd_welch_test(z, 3, z, 3).p));
}

static void test_bh(void **state) {
  (void)state;
  /* sorted 0.01 0.03 0.04 0.5 (m = 4): 0.04, 0.06, 0.0533.., 0.5 then the
   * cumulative minimum from the top */
  double p[6] = {0.01, 0.04, NAN, 0.03, 0.5, NAN}, q[6];
  assert_int_equal(bmd_bh_adjust(p, 6, q), 0);
  assert_rel(q[0], 0.04, 1e-15);
  assert_rel(q[1], 0.04 * 4 / 3, 1e-15);
  assert_true(isnan(q[2]) && isnan(q[5]));
  assert_rel(q[3], 0.04 * 4 / 3, 1e-15);
  assert_rel(q[4], 0.5, 1e-15);
  /* in place, and capped at 1 */
  double r[3] = {0.9, 0.95, 0.8};
  assert_int_equal(bmd_bh_adjust(r, 3, r), 0);
  assert_rel(r[0], 0.95, 1e-15);
  assert_rel(r[1], 0.95, 1e-15);
  assert_rel(r[2], 0.95, 1e-15);
  assert_int_equal(bmd_bh_adjust(NULL, 0, NULL), 0);
}

static void test_fold(void **state) {
  (void)state;
  const double doses[9] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
  /* log2: control 1, level 1 mean 2 -> +2, level 2 mean 0 -> -2 (tie:
   * first wins); probe 2: level 2 mean -1 -> -4 */
  const double rows[18] = {1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 2, -1, -1, -1};
  bmd_dataset *ds = make(2, 9, doses, rows, NULL, BMD_LOG_BASE2);
  double fc[2];
  assert_true(bmd_fold_changes(ds, 0, fc) == 2.0);
  assert_true(fc[0] == 2.0 && fc[1] == -2.0);
  assert_true(bmd_fold_changes(ds, 1, fc) == -4.0);
  ds->log_base = BMD_LOG_BASE10;
  assert_true(bmd_fold_changes(ds, 1, fc) == -100.0);
  /* unlogged: ratios of means 2/1 and 1/-1 (sign * hi / lo) */
  const double raw[9] = {2, 2, 2, 4, 4, 4, 1, 1, 1};
  bmd_dataset_destroy(ds);
  ds = make(1, 9, doses, raw, NULL, BMD_LOG_NONE);
  assert_true(bmd_fold_changes(ds, 0, fc) == 2.0);
  assert_true(fc[1] == -2.0);
  /* natural log: e^1 rounded to float */
  bmd_dataset_destroy(ds);
  const double ln[9] = {0, 0, 0, 1, 1, 1, 0, 0, 0};
  ds = make(1, 9, doses, ln, NULL, BMD_LOG_NATURAL);
  assert_true(bmd_fold_changes(ds, 0, fc) == (double)(float)exp(1.0));
  bmd_dataset_destroy(ds);
}

static void test_notel_lotel(void **state) {
  (void)state;
  /* control {0,1,2}; level 1 {1,2,3}: FC 2 (log2), p = t-test, not < 0.05;
   * level 2 {4,5,6}: FC 16, t = -4/sqrt(2/3), df 4, p = 0.008 -> LOTEL 2 */
  const double doses[9] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
  const double rows[9] = {0, 1, 2, 1, 2, 3, 4, 5, 6};
  bmd_dataset *ds = make(1, 9, doses, rows, NULL, BMD_LOG_BASE2);
  double fc[2], p[2];
  bmd_fold_changes(ds, 0, fc);
  assert_int_equal(bmd_notel_lotel(ds, 0, fc, 2.0, 0.05, NULL, p), 2);
  double t = 4.0 / sqrt(2.0 / 3.0);
  assert_rel(p[1], 2.0 * (1.0 - t_cdf_4(t)), 1e-10);
  /* FC strictly greater: threshold 16 -> no LOTEL */
  assert_int_equal(bmd_notel_lotel(ds, 0, fc, 16.0, 0.05, NULL, p), 0);
  /* p strictly less */
  assert_int_equal(bmd_notel_lotel(ds, 0, fc, 2.0, p[1], NULL, NULL), 0);
  bmd_dataset_destroy(ds);
}

static void test_notel_dunnett(void **state) {
  (void)state;
  /* one level: Dunnett's test is the pooled t-test. control {0,1,2}, level
   * {4,5,6}: s^2 = 1, t = 4 / sqrt(2/3), nu = 4 -> p = 0.008, LOTEL 1 */
  const double doses[6] = {0, 0, 0, 1, 1, 1};
  const double rows[6] = {0, 1, 2, 4, 5, 6};
  bmd_dataset *ds = make(1, 6, doses, rows, NULL, BMD_LOG_BASE2);
  bmd_dunnett_workspace *w = bmd_dunnett_workspace_new(2);
  assert_non_null(w);
  double fc[1], p[1];
  bmd_fold_changes(ds, 0, fc);
  assert_int_equal(bmd_notel_lotel(ds, 0, fc, 2.0, 0.05, w, p), 1);
  double t = 4.0 / sqrt(2.0 / 3.0);
  assert_true(fabs(p[0] - 2.0 * (1.0 - t_cdf_4(t))) < 1e-10);
  /* without p_out Dunnett's test gives no LOTEL */
  assert_int_equal(bmd_notel_lotel(ds, 0, fc, 2.0, 0.05, w, NULL), 0);
  bmd_dunnett_workspace_destroy(w);
  /* a workspace too small for the design: NaN p, no LOTEL */
  const double doses3[9] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
  const double rows3[9] = {0, 1, 2, 4, 5, 6, 8, 9, 10};
  bmd_dataset *ds3 = make(1, 9, doses3, rows3, NULL, BMD_LOG_BASE2);
  w = bmd_dunnett_workspace_new(2);
  double fc3[2], p3[2];
  bmd_fold_changes(ds3, 0, fc3);
  assert_int_equal(bmd_notel_lotel(ds3, 0, fc3, 2.0, 0.05, w, p3), 0);
  assert_true(isnan(p3[0]) && isnan(p3[1]));
  bmd_dunnett_workspace_destroy(w);
  bmd_dunnett_workspace_destroy(NULL);
  assert_null(bmd_dunnett_workspace_new(1));
  /* through the flow */
  bmd_prefilter_options opt = bmd_prefilter_options_default();
  opt.notel_test = BMD_NOTEL_DUNNETT;
  bmd_prefilter_result *r = NULL;
  char err[128];
  assert_int_equal(bmd_prefilter_run(ds3, NULL, &opt, &r, err, sizeof(err)), 0);
  assert_int_equal(r->lotel[0], 1);
  assert_true(r->notel_p[1] < r->notel_p[0] && r->notel_p[0] < 0.05);
  bmd_prefilter_result_destroy(r);
  opt.notel_test = (bmd_notel_test)7;
  assert_int_equal(bmd_prefilter_run(ds3, NULL, &opt, &r, err, sizeof(err)), -1);
  bmd_dataset_destroy(ds3);
  bmd_dataset_destroy(ds);
}

static void test_flow(void **state) {
  (void)state;
  const double doses[6] = {0, 0, 0, 1, 1, 1};
  /* 4 probes, log2: FC 8, 8, 1.41, 8 */
  const double rows[24] = {0, 0.1, -0.1, 3,  3.1, 2.9, 0, 0.1, -0.1, 3, 3.1, 2.9,
                           0, 0.1, -0.1, .5, .6,  .4,  0, 0.1, -0.1, 3, 3.1, 2.9};
  const char *ids[4] = {"p1", "AFFX-ctrl", "p3", "p4"};
  bmd_dataset *ds = make(4, 6, doses, rows, ids, BMD_LOG_BASE2);
  double p[4] = {0.001, 0.001, 0.001, 0.04};
  bmd_prefilter_options opt = bmd_prefilter_options_default();
  bmd_prefilter_result *r = NULL;
  char err[128];
  assert_int_equal(bmd_prefilter_run(ds, p, &opt, &r, err, sizeof(err)), 0);
  assert_int_equal(r->verdict[0], BMD_PREFILTER_PASSED);
  assert_int_equal(r->verdict[1], BMD_PREFILTER_CONTROL);
  assert_int_equal(r->verdict[2], BMD_PREFILTER_FOLD);
  assert_int_equal(r->verdict[3], BMD_PREFILTER_PASSED);
  assert_int_equal(r->n_passed, 2);
  /* BH over all 4 probes: 0.04 * 4/4 = 0.04; the others 0.001 * 4/3 */
  assert_rel(r->p_adj[3], 0.04, 1e-15);
  assert_rel(r->p_adj[0], 0.001 * 4 / 3, 1e-15);
  assert_int_equal(r->lotel[0], 1);
  bmd_prefilter_result_destroy(r);

  /* adjusted p against 0.03: probe 4 out; NaN p out; None keeps NaN */
  p[0] = NAN;
  opt.use_adjusted = 1;
  opt.p_cutoff = 0.03;
  assert_int_equal(bmd_prefilter_run(ds, p, &opt, &r, err, sizeof(err)), 0);
  assert_int_equal(r->verdict[0], BMD_PREFILTER_P_NAN);
  assert_int_equal(r->verdict[3], BMD_PREFILTER_P);
  bmd_prefilter_result_destroy(r);
  opt.p_cutoff = 9999;
  opt.filter_controls = 0;
  opt.fold_threshold = 0;
  assert_int_equal(bmd_prefilter_run(ds, p, &opt, &r, err, sizeof(err)), 0);
  assert_int_equal(r->n_passed, 4);
  bmd_prefilter_result_destroy(r);
  /* no test at all: only the fold filter */
  opt = bmd_prefilter_options_default();
  assert_int_equal(bmd_prefilter_run(ds, NULL, &opt, &r, err, sizeof(err)), 0);
  assert_int_equal(r->n_passed, 2);
  assert_true(isnan(r->p_raw[0]) && isnan(r->p_adj[0]));
  bmd_prefilter_result_destroy(r);
  bmd_prefilter_result_destroy(NULL);
  /* bad options */
  opt.p_cutoff = 0;
  assert_int_equal(bmd_prefilter_run(ds, p, &opt, &r, err, sizeof(err)), -1);
  assert_null(r);
  bmd_dataset_destroy(ds);
}

int main(void) {
  gsl_set_error_handler_off();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_anova),       cmocka_unit_test(test_welch),
      cmocka_unit_test(test_bh),          cmocka_unit_test(test_fold),
      cmocka_unit_test(test_notel_lotel), cmocka_unit_test(test_notel_dunnett),
      cmocka_unit_test(test_flow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
