/*
 * test_fit_metrics.c - the per-model metrics (bmd/metrics.h) on hand-made
 * fits whose answers are worked out in the comments. The wAUC's
 * 1,000-point sum and every metric on real fits are checked against an
 * independent computation in tests/reference/test_fit_metrics.py.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bmd/metrics.h"

static bmd_suffstat *groups(size_t n, const double *dose, const double *mean) {
  bmd_suffstat *ss = bmd_suffstat_new(n);
  for (size_t i = 0; i < n; i++) {
    ss->dose[i] = dose[i];
    ss->n[i] = 1;
    ss->mean[i] = mean[i];
    ss->sd[i] = 0;
  }
  return ss;
}

static bmd_fit_result fit(bmd_model m, size_t n_params, const double *params, double bmd,
                          const bmd_suffstat *ss) {
  bmd_fit_result r = {0};
  r.model = m;
  r.variance = BMD_VARIANCE_CONSTANT;
  r.status = BMD_FIT_OK;
  r.increasing = 1;
  r.n_params = n_params;
  for (size_t i = 0; i < n_params; i++)
    r.params[i] = params[i];
  r.loglik = bmd_fit_loglik(ss, m, r.variance, 1, params);
  r.bmd = bmd;
  r.bmdl = bmd / 2;
  r.bmdu = bmd * 4;
  return r;
}

/*
 * Linear, one response per dose: doses 0, 1, 2, means 0, 1, 3.
 * Least squares: slope = Sxy / Sxx = 3 / 2 = 1.5, intercept = 4/3 - 1.5 = -1/6;
 * fitted -1/6, 4/3, 17/6; residuals 1/6, -1/3, 1/6; RSS = 1/6, and the MLE of
 * the variance RSS / N = 1/18.
 *   R^2 = 1 - (1/6) / (16/9 + 1/9 + 25/9) = 1 - 1/28 = 27/28
 *   Z: the information of (b0, b1) is X'X / sigma^2, X'X = [[3, 3], [3, 5]],
 *   (X'X)^-1 = [[5/6, -1/2], [-1/2, 1/2]], so var m(0) = sigma^2 5/6 and
 *   var m(2) = sigma^2 (5/6 - 2 + 2) = sigma^2 5/6 (alpha is orthogonal at
 *   the MLE); Z = (17/6 + 1/6) / sqrt(2 (1/18)(5/6)) = 3 / sqrt(10/108)
 *   With BMD = 1: BMR multiples = 3 / |4/3 + 1/6| = 2; fold change (log2)
 *   = 2^(17/6 + 1/6) = 8; BMD / lowest dose 1 = 1, / highest 2 = 0.5;
 *   responses m(1)/m(1) = 1, m(1)/m(2) = (4/3)/(17/6) = 8/17;
 *   BMD/BMDL = 2, BMDU/BMDL = 8, BMDU/BMD = 4.
 *   Steps: total change 3, each interval 1.5 = 0.5 of it: no step at 0.75;
 *   at 0.5 the first interval is a step, but BMD 1 is not below dose 1.
 */
static void test_linear_worked(void **state) {
  (void)state;
  const double d[] = {0, 1, 2}, y[] = {0, 1, 3}, p[] = {-1.0 / 6, 1.5, 1.0 / 18};
  bmd_suffstat *ss = groups(3, d, y);
  bmd_fit_result r = fit(BMD_MODEL_LINEAR, 3, p, 1.0, ss);
  bmd_metrics_options o = {BMD_LOG_BASE2, 0.75};
  bmd_fit_metrics m;
  bmd_fit_metrics_compute(&r, ss, &o, &m);
  assert_float_equal(m.r_squared, 27.0 / 28, 1e-12);
  assert_float_equal(m.z_score, 3 / sqrt(10.0 / 108), 1e-6);
  assert_float_equal(m.bmr_multiples, 2, 1e-12);
  assert_float_equal(m.fold_change, 8, 1e-12);
  assert_float_equal(m.bmd_low_dose, 1, 1e-12);
  assert_float_equal(m.bmd_high_dose, 0.5, 1e-12);
  assert_float_equal(m.bmd_resp_low_dose, 1, 1e-12);
  assert_float_equal(m.bmd_resp_high_dose, 8.0 / 17, 1e-12);
  assert_float_equal(m.bmd_bmdl, 2, 1e-12);
  assert_float_equal(m.bmdu_bmdl, 8, 1e-12);
  assert_float_equal(m.bmdu_bmd, 4, 1e-12);
  assert_int_equal(m.step_function, 0);
  assert_int_equal(m.step_below_low_dose, 0);
  double res[3];
  bmd_fit_residuals(&r, ss, res);
  assert_float_equal(res[0], 1.0 / 6, 1e-12);
  assert_float_equal(res[1], -1.0 / 3, 1e-12);
  assert_float_equal(res[2], 1.0 / 6, 1e-12);
  o.step_threshold = 0.5;
  bmd_fit_metrics_compute(&r, ss, &o, &m);
  assert_int_equal(m.step_function, 1);
  assert_int_equal(m.step_below_low_dose, 0);
  r.bmd = 0.5; /* now below the second dose */
  bmd_fit_metrics_compute(&r, ss, &o, &m);
  assert_int_equal(m.step_below_low_dose, 1);
  /* unlogged data: fold change m(2)/m(0) = (17/6)/(-1/6) = -17, and m(0) < m(2)
   * so the sign is +: BMDExpress's max/min = (17/6)/(-1/6) = -17 */
  o.log_base = BMD_LOG_NONE;
  bmd_fit_metrics_compute(&r, ss, &o, &m);
  assert_float_equal(m.fold_change, -17, 1e-12);
  bmd_suffstat_destroy(ss);
}

/*
 * Poly 2 m(d) = 4d - d^2 on doses 0..4 (means on the curve), vertex at
 * -b1 / (2 b2) = 2, inside the doses.
 *   BMD 1 (before the vertex): window [0, 2], m = 0 and 4: fold change
 *   2^4 = 16, multiples (4 - 0) / |m(1) - 0| = 4/3; high dose = the vertex
 *   2: BMD/High 0.5, BMD/Low (dose 1) 1.
 *   BMD 3 (past it): window [2, 4], m = 4 and 0: fold change -16,
 *   multiples (0 - 4) / |m(3) - 4| = -4; low = max(2, 1) = 2, high = 4:
 *   BMD/Low 1.5, BMD/High 0.75.
 */
static void test_poly2_vertex_window(void **state) {
  (void)state;
  const double d[] = {0, 1, 2, 3, 4}, y[] = {0, 3, 4, 3, 0}, p[] = {0, 4, -1, 0.1};
  bmd_suffstat *ss = groups(5, d, y);
  bmd_fit_result r = fit(BMD_MODEL_POLY2, 4, p, 1.0, ss);
  bmd_metrics_options o = {BMD_LOG_BASE2, 0.75};
  bmd_fit_metrics m;
  bmd_fit_metrics_compute(&r, ss, &o, &m);
  assert_float_equal(m.fold_change, 16, 1e-12);
  assert_float_equal(m.bmr_multiples, 4.0 / 3, 1e-12);
  assert_float_equal(m.bmd_high_dose, 0.5, 1e-12);
  assert_float_equal(m.bmd_low_dose, 1, 1e-12);
  r.bmd = 3;
  bmd_fit_metrics_compute(&r, ss, &o, &m);
  assert_float_equal(m.fold_change, -16, 1e-12);
  assert_float_equal(m.bmr_multiples, -4, 1e-12);
  assert_float_equal(m.bmd_low_dose, 1.5, 1e-12);
  assert_float_equal(m.bmd_high_dose, 0.75, 1e-12);
  /* a perfect fit: R^2 = 1 */
  assert_float_equal(m.r_squared, 1, 1e-12);
  bmd_suffstat_destroy(ss);
}

/*
 * wAUC rules: a flat curve has no area (0); a BMD above the highest dose
 * gives 0 (calc_wAUC's POD > Hi); no BMD, or two dose groups, no value. A
 * failed fit has no metric at all.
 */
static void test_wauc_rules_and_failed_fit(void **state) {
  (void)state;
  const double d[] = {0, 10, 100}, y[] = {1, 1, 1}, flat[] = {1, 0, 0.01};
  bmd_suffstat *ss = groups(3, d, y);
  bmd_fit_result r = fit(BMD_MODEL_LINEAR, 3, flat, 50, ss);
  assert_float_equal(bmd_fit_wauc(&r, ss), 0, 1e-12); /* rounding of the sum */
  const double up[] = {1, 0.01, 0.01};
  r = fit(BMD_MODEL_LINEAR, 3, up, 50, ss);
  assert_true(bmd_fit_wauc(&r, ss) > 0);
  r.bmd = 200;
  assert_true(bmd_fit_wauc(&r, ss) == 0);
  r.bmd = NAN;
  assert_true(isnan(bmd_fit_wauc(&r, ss)));
  ss->n_groups = 2;
  r.bmd = 50;
  assert_true(isnan(bmd_fit_wauc(&r, ss)));
  ss->n_groups = 3;
  r.loglik = NAN;
  bmd_metrics_options o = {BMD_LOG_BASE2, 0.75};
  bmd_fit_metrics m;
  bmd_fit_metrics_compute(&r, ss, &o, &m);
  assert_true(isnan(m.r_squared) && isnan(m.z_score) && isnan(m.wauc));
  assert_int_equal(m.step_function, -1);
  bmd_suffstat_destroy(ss);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear_worked),
      cmocka_unit_test(test_poly2_vertex_window),
      cmocka_unit_test(test_wauc_rules_and_failed_fit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
