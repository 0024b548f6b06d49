/*
 * test_prefilter.c - the prefilter statistics on hand-built cases whose
 * answers are worked out by hand in the comments (fold change, Welch t,
 * ANOVA with a singleton group, Benjamini-Hochberg, NOTEL/LOTEL, flow).
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

/* |a - b| <= tol (absolute; the values here are of order 1) */
#define assert_double_equal(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

/* dataset with given doses (already sorted) and rows */
static bmd_dataset *make(size_t np, size_t ns, const double *doses, const double *vals,
                         const char *const *ids) {
  bmd_dataset *ds = bmd_dataset_new(np, ns);
  assert_non_null(ds);
  for (size_t s = 0; s < ns; s++) {
    ds->doses[s] = doses[s];
    ds->sample_ids[s] = strdup("s");
  }
  memcpy(ds->values, vals, np * ns * sizeof(double));
  for (size_t p = 0; p < np; p++)
    ds->probe_ids[p] = strdup(ids[p]);
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  return ds;
}

static void test_fold(void **state) {
  (void)state;
  /* log2: means 5 and 7 -> +2^2 = 4; 7 -> 5: -4 */
  assert_double_equal(bmd_prefilter_fold(5, 7, BMD_LOG_BASE2), 4.0, 1e-15);
  assert_double_equal(bmd_prefilter_fold(7, 5, BMD_LOG_BASE2), -4.0, 1e-15);
  assert_double_equal(bmd_prefilter_fold(1, 3, BMD_LOG_BASE10), 100.0, 1e-12);
  assert_double_equal(bmd_prefilter_fold(1, 2, BMD_LOG_NATURAL), exp(1.0), 1e-15);
  /* unlogged: hi/lo signed */
  assert_double_equal(bmd_prefilter_fold(2, 8, BMD_LOG_NONE), 4.0, 1e-15);
  assert_double_equal(bmd_prefilter_fold(8, 2, BMD_LOG_NONE), -4.0, 1e-15);
  assert_double_equal(bmd_prefilter_fold(3, 3, BMD_LOG_BASE2), 1.0, 0);

  /* groups: control {1,3} mean 2, dose 1 {4,4} mean 4, dose 2 {0,0}
   * mean 0 -> FC +4, -4: max |FC| tie, first (+4) wins */
  double doses[6] = {0, 0, 1, 1, 2, 2};
  double vals[6] = {1, 3, 4, 4, 0, 0};
  const char *ids[1] = {"p"};
  bmd_dataset *ds = make(1, 6, doses, vals, ids);
  double fc[2];
  double mx = bmd_prefilter_fold_change(ds, 0, fc);
  assert_double_equal(fc[0], 4.0, 1e-15);
  assert_double_equal(fc[1], -4.0, 1e-15);
  assert_double_equal(mx, 4.0, 1e-15);
  bmd_dataset_destroy(ds);
}

static void test_welch(void **state) {
  (void)state;
  /* a = {1,2,3}: mean 2, var 1; b = {4,6,8,10}: mean 7, var 20/3.
   * ua = 1/3, ub = 5/3, se2 = 2, t = -5/sqrt(2);
   * df = 4 / ((1/9)/2 + (25/9)/3) = 4 / (1/18 + 50/54) = 4 / (53/54) = 216/53. */
  double a[3] = {1, 2, 3}, b[4] = {4, 6, 8, 10};
  double t, df, p;
  bmd_prefilter_welch(a, 3, b, 4, &t, &df, &p);
  assert_double_equal(t, -5.0 / sqrt(2.0), 1e-14);
  assert_double_equal(df, 216.0 / 53.0, 1e-13);
  assert_true(p > 0.0 && p < 1.0);
  /* symmetric */
  double t2, df2, p2;
  bmd_prefilter_welch(b, 4, a, 3, &t2, &df2, &p2);
  assert_double_equal(t2, -t, 1e-14);
  assert_double_equal(p2, p, 1e-15);
  /* with one value: NaN */
  bmd_prefilter_welch(a, 1, b, 4, &t, &df, &p);
  assert_true(isnan(t) && isnan(p));
  /* equal-size, equal-variance: Welch df = 2(n-1); t = 2.776445105 is
   * the 0.975 quantile of t_4 in tables: {0,1,2} vs {d, d+1, d+2} with
   * t = -d / sqrt(2/3) */
  double d = 2.7764451051977987 * sqrt(2.0 / 3.0);
  double c[3] = {0, 1, 2}, e[3] = {d, d + 1, d + 2};
  bmd_prefilter_welch(c, 3, e, 3, &t, &df, &p);
  assert_double_equal(df, 4.0, 1e-12);
  assert_double_equal(p, 0.05, 1e-9);
}

static void test_anova(void **state) {
  (void)state;
  /* groups {1,2,3} (mean 2), singleton {100} skipped, {5,6,7} (mean 6):
   * N = 6, t = 2, grand mean 4; SS_treat = 3*4 + 3*4 = 24; SS_err = 2 + 2
   * = 4; df1 = 1, df2 = 4, F = 24 / (4/4) = 24. With df1 = 1, F = t^2 of
   * the pooled t-test, and p = 2 Q_t4(sqrt 24). */
  double doses[7] = {0, 0, 0, 1, 2, 2, 2};
  double vals[7] = {1, 2, 3, 100, 5, 6, 7};
  const char *ids[1] = {"p"};
  bmd_dataset *ds = make(1, 7, doses, vals, ids);
  bmd_anova_result r;
  bmd_prefilter_anova(ds, 0, &r);
  assert_double_equal(r.df1, 1.0, 0);
  assert_double_equal(r.df2, 4.0, 0);
  assert_double_equal(r.f, 24.0, 1e-12);
  double t, df, p;
  double a[3] = {1, 2, 3}, b[3] = {5, 6, 7};
  bmd_prefilter_welch(a, 3, b, 3, &t, &df, &p); /* equal var: Welch = pooled, df 4 */
  assert_double_equal(t * t, 24.0, 1e-12);
  assert_double_equal(r.p, p, 1e-12);
  bmd_dataset_destroy(ds);

  /* only one group with >= 2 samples: NaN */
  double d2[4] = {0, 0, 1, 2};
  double v2[4] = {1, 2, 3, 4};
  ds = make(1, 4, d2, v2, ids);
  bmd_prefilter_anova(ds, 0, &r);
  assert_true(isnan(r.f) && isnan(r.p));
  bmd_dataset_destroy(ds);
}

static void test_bh(void **state) {
  (void)state;
  /* p = 0.01, 0.04, 0.03, NaN, 0.20 (N = 4 non-NaN). Sorted: 0.01 (r1),
   * 0.03 (r2), 0.04 (r3), 0.20 (r4). Raw p*N/r: 0.04, 0.06, 0.0533.., 0.2.
   * Cumulative min from the top: 0.2, 0.05333, 0.05333, 0.04. */
  double p[5] = {0.01, 0.04, 0.03, NAN, 0.20};
  double q[5];
  size_t work[5];
  bmd_prefilter_bh(p, 5, q, work);
  assert_double_equal(q[0], 0.04, 1e-15);
  assert_double_equal(q[1], 0.04 * 4 / 3, 1e-15);
  assert_double_equal(q[2], 0.04 * 4 / 3, 1e-15);
  assert_true(isnan(q[3]));
  assert_double_equal(q[4], 0.20, 1e-15);
  /* ties share q: {0.5, 0.5} -> both 0.5 */
  double pt[2] = {0.5, 0.5}, qt[2];
  bmd_prefilter_bh(pt, 2, qt, work);
  assert_double_equal(qt[0], 0.5, 0);
  assert_double_equal(qt[1], 0.5, 0);
}

static void test_notel_and_flow(void **state) {
  (void)state;
  /* log2 data, control {0,0.1,-0.1}; dose 1 {0.1,0.2,0} (FC 2^0.1, not
   * > 1.5); dose 2 {2,2.1,1.9} (FC 4, p tiny); dose 3 {3,3.1,2.9}.
   * LOTEL = dose 2 (= 10), NOTEL = dose 1 (= 1). */
  double doses[12] = {0, 0, 0, 1, 1, 1, 10, 10, 10, 100, 100, 100};
  double vals[36] = {0, 0.1, -0.1, 0.1, 0.2, 0, 2, 2.1, 1.9, 3, 3.1, 2.9,
                     /* flat probe: never passes fold filter */
                     5, 5.1, 4.9, 5, 5.1, 4.9, 5, 5.1, 4.9, 5, 5.1, 4.9,
                     /* control probe, strong effect */
                     0, 0.1, -0.1, 3, 3.1, 2.9, 3, 3.1, 2.9, 3, 3.1, 2.9};
  const char *ids[3] = {"up", "flat", "AFFX-ctl"};
  bmd_dataset *ds = make(3, 12, doses, vals, ids);
  double fc[3], tp[3];
  bmd_prefilter_fold_change(ds, 0, fc);
  size_t g = bmd_prefilter_notel(ds, 0, fc, 0.05, 1.5, tp);
  assert_int_equal(g, 2);
  assert_true(tp[0] > 0.05);
  assert_true(tp[1] < 0.01);

  double p[3] = {0.001, 0.5, 0.001};
  bmd_prefilter_options o = bmd_prefilter_options_default();
  char err[256];
  bmd_prefilter_result *res = bmd_prefilter_run(ds, p, &o, err, sizeof(err));
  assert_non_null(res);
  assert_int_equal(res->n_levels, 3);
  assert_true(res->rows[0].passed);
  assert_false(res->rows[1].passed); /* p and fold */
  assert_false(res->rows[2].passed); /* AFFX */
  assert_int_equal(res->n_passed, 1);
  assert_double_equal(res->rows[0].lotel, 10.0, 0);
  assert_double_equal(res->rows[0].notel, 1.0, 0);
  assert_true(isnan(res->rows[1].lotel));
  assert_double_equal(res->rows[0].max_fc, 8.0, 1e-12);
  /* BH over all three: 0.001*3/2 = 0.0015 for both small p */
  assert_double_equal(res->rows[0].p_adj, 0.0015, 1e-15);
  bmd_prefilter_result_destroy(res);

  o.remove_controls = 0;
  res = bmd_prefilter_run(ds, p, &o, err, sizeof(err));
  assert_non_null(res);
  assert_true(res->rows[2].passed);
  bmd_prefilter_result_destroy(res);

  /* adjusted p cut at 0.001: none pass */
  o.use_adjusted = 1;
  o.p_cutoff = 0.001;
  res = bmd_prefilter_run(ds, p, &o, err, sizeof(err));
  assert_non_null(res);
  assert_int_equal(res->n_passed, 0);
  bmd_prefilter_result_destroy(res);
  bmd_prefilter_result_destroy(NULL);
  bmd_dataset_destroy(ds);
}

int main(void) {
  gsl_set_error_handler_off();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fold),           cmocka_unit_test(test_welch),
      cmocka_unit_test(test_anova),          cmocka_unit_test(test_bh),
      cmocka_unit_test(test_notel_and_flow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
