/*
 * test_fit_bmds2.c - the BMDS 2.x rules of bmd_fit_options.compat BMDS2
 * (core/src/fit_bmds2.c, fit_run.c; docs/fitting.md, "BMDS 2.x
 * compatibility"):
 *
 * - the exponential models' AIC parameter count of BMDS 2.x exponential.c
 *   (DoLikehoods): every parameter counts but one on a == 0, b == 0,
 *   c == 0 or d == 1 (one at most); a d on its upper bound 18 counts;
 * - an unbounded BMDU is reported as BMDS 2.x's stand-in: 1e10 for Hill
 *   and Linear, 1e7 for Power and Exp 2-5, none for Poly 2-4;
 * - the default (BMDS 3) is unchanged.
 * Each expected count and value is worked out in the test's comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "bmd/fit.h"
#include "../../core/src/fit_model_def.h" /* white-box: the count on a problem */

/* An exponential model's scaled problem, constant variance, its box set. */
static bmd_problem exp_problem(bmd_model m, int sign) {
  bmd_problem p;
  memset(&p, 0, sizeof(p));
  p.def = bmd_model_def_get(m);
  p.n_mean = p.def->n_mean;
  p.n_par = p.n_mean + 1; /* ln alpha */
  p.sign = sign;
  bmd_fit_options opt = bmd_fit_options_default();
  p.def->bounds(&p, &opt);
  return p;
}

/*
 * Exp 5 decreasing (a, b, ln c, d, ln alpha: 5 parameters, d at index 3,
 * ln c at 2 on [-20, 0]):
 *   all inside the box                  -> 5
 *   d on its upper bound 18             -> 5 (BMDS 2.x tests d == 1 only;
 *                                             BMDS 3 would count 4)
 *   d on its lower bound 1              -> 4
 *   b on 0                              -> 4
 *   c -> 0 (ln c = -20) and d = 1       -> 4, not 3: one left out at most
 *                                          (DEHP CAR5A_32361 Exp 5: BMDS 2.x
 *                                          AIC = -2 LL + 2 * 4 with c = 0, d = 1)
 * Exp 5 increasing: ln c on its lower bound 0 is c = 1, not c = 0 -> 5.
 * Exp 3 (a, b, d, ln alpha) with d = 18 -> 4; Exp 2 (a, b, ln alpha) -> 3.
 */
static void test_exp_count(void **state) {
  (void)state;
  bmd_problem p = exp_problem(BMD_MODEL_EXP5, -1);
  assert_int_equal(p.def->log_c, 2);
  assert_int_equal(p.def->shape, 3);
  double th[BMD_MAX_PARAMS] = {1.0, 0.5, -1.0, 2.0, -3.0};
  assert_int_equal(bmd_bmds2_exp_n_free(&p, th), 5);
  th[3] = 18.0;
  assert_int_equal(bmd_bmds2_exp_n_free(&p, th), 5);
  th[3] = 1.0;
  assert_int_equal(bmd_bmds2_exp_n_free(&p, th), 4);
  th[3] = 2.0;
  th[1] = 0.0;
  assert_int_equal(bmd_bmds2_exp_n_free(&p, th), 4);
  th[1] = 0.5;
  th[2] = -20.0;
  th[3] = 1.0;
  assert_int_equal(bmd_bmds2_exp_n_free(&p, th), 4);

  bmd_problem up = exp_problem(BMD_MODEL_EXP5, 1);
  double thu[BMD_MAX_PARAMS] = {1.0, 0.5, 0.0, 2.0, -3.0};
  assert_int_equal(bmd_bmds2_exp_n_free(&up, thu), 5);

  bmd_problem e3 = exp_problem(BMD_MODEL_EXP3, 1);
  double th3[BMD_MAX_PARAMS] = {1.0, 0.5, 18.0, -3.0};
  assert_int_equal(bmd_bmds2_exp_n_free(&e3, th3), 4);
  bmd_problem e2 = exp_problem(BMD_MODEL_EXP2, 1);
  double th2[BMD_MAX_PARAMS] = {1.0, 0.5, -3.0};
  assert_int_equal(bmd_bmds2_exp_n_free(&e2, th2), 3);
}

static bmd_suffstat *dataset(const double *mean, double sd) {
  static const double dose[] = {0, 25, 50, 75, 100};
  bmd_suffstat *ss = bmd_suffstat_new(5);
  assert_non_null(ss);
  for (size_t i = 0; i < 5; i++) {
    ss->dose[i] = dose[i];
    ss->n[i] = 5;
    ss->mean[i] = mean[i];
    ss->sd[i] = sd;
  }
  return ss;
}

static void fit(const bmd_suffstat *ss, bmd_model m, bmd_compat compat, bmd_fit_result *r) {
  bmd_fit_options opt = bmd_fit_options_default();
  opt.compat = compat;
  char err[128];
  assert_int_equal(bmd_fit_run(ss, m, &opt, NULL, r, err, sizeof(err)), 0);
  assert_int_equal(r->status, BMD_FIT_OK);
}

/*
 * Flat at 10, a step to 12 at the highest dose only: Exp 3, a exp((b x)^d),
 * is steepest with d as large as the box allows, so d sits on its upper
 * bound 18 (user-facing parameters a, b, d). The maximum is the same under
 * both rules; the count is not:
 *   BMDS 3: a, b, ln alpha = 3 (d on a bound left out)
 *   BMDS 2: a, b, d, ln alpha = 4
 *   AIC_2 - AIC_3 = 2 (4 - 3) = 2; Test 4's df = k_A3 - k one less.
 */
static void test_exp3_d_on_18(void **state) {
  (void)state;
  const double mean[] = {10, 10, 10, 10, 12};
  bmd_suffstat *ss = dataset(mean, 0.5);
  bmd_fit_result r3, r2;
  fit(ss, BMD_MODEL_EXP3, BMD_COMPAT_BMDS3, &r3);
  fit(ss, BMD_MODEL_EXP3, BMD_COMPAT_BMDS2, &r2);
  assert_true(fabs(r3.params[2] - 18.0) < 1e-6);
  assert_int_equal(r3.n_free, 3);
  assert_int_equal(r2.n_free, 4);
  assert_true(r2.loglik == r3.loglik);
  assert_true(fabs((r2.aic - r3.aic) - 2.0) < 1e-12);
  assert_true(r2.fit_df == r3.fit_df - 1.0);
  assert_true(r2.bmd == r3.bmd);
  bmd_suffstat_destroy(ss);
}

/*
 * A weak trend (10, 10.2, 10.4, 10.5, 10.9; SD 1, n = 5): the 1 SD BMD
 * lies near dose 105, but a flat response is inside the 90% region, so
 * the profile never leaves the region above the BMD and the BMDU is
 * unbounded (limits_status bit 16).
 * BMDS 3 leaves it empty; BMDS 2.x reports a stand-in:
 *   Hill, Linear 1e10   Power, Exp 3 1e7   Poly 2 none (stays empty)
 * BMD and BMDL are the same under both rules.
 */
static void test_bmdu_cap(void **state) {
  (void)state;
  const double mean[] = {10, 10.2, 10.4, 10.5, 10.9};
  bmd_suffstat *ss = dataset(mean, 1.0);
  static const struct {
    bmd_model m;
    double cap; /* 0: none */
  } cases[] = {{BMD_MODEL_LINEAR, 1e10},
               {BMD_MODEL_HILL, 1e10},
               {BMD_MODEL_POWER, 1e7},
               {BMD_MODEL_EXP3, 1e7},
               {BMD_MODEL_POLY2, 0}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    bmd_fit_result r3, r2;
    fit(ss, cases[i].m, BMD_COMPAT_BMDS3, &r3);
    fit(ss, cases[i].m, BMD_COMPAT_BMDS2, &r2);
    assert_true(r3.bmd > 90 && r3.bmd < 120);
    assert_true(r3.limits_status & 16);
    assert_true(isnan(r3.bmdu));
    assert_true(r2.limits_status & 16);
    if (cases[i].cap > 0)
      assert_true(r2.bmdu == cases[i].cap);
    else
      assert_true(isnan(r2.bmdu));
    assert_true(r2.bmd == r3.bmd);
    assert_true(r2.bmdl == r3.bmdl || (isnan(r2.bmdl) && isnan(r3.bmdl)));
  }
  bmd_suffstat_destroy(ss);
}

/* A bounded BMDU is never replaced: a clear linear trend (10 .. 14, SD 1)
 * has a finite BMDU under both rules, the same value. */
static void test_bounded_bmdu_kept(void **state) {
  (void)state;
  const double mean[] = {10, 11, 12, 13, 14};
  bmd_suffstat *ss = dataset(mean, 1.0);
  bmd_fit_result r3, r2;
  fit(ss, BMD_MODEL_LINEAR, BMD_COMPAT_BMDS3, &r3);
  fit(ss, BMD_MODEL_LINEAR, BMD_COMPAT_BMDS2, &r2);
  assert_true(isfinite(r3.bmdu) && r3.bmdu < 1e3);
  assert_true(r2.bmdu == r3.bmdu);
  assert_int_equal(r2.n_free, r3.n_free);
  bmd_suffstat_destroy(ss);
}

static void test_default_is_bmds3(void **state) {
  (void)state;
  assert_int_equal(bmd_fit_options_default().compat, BMD_COMPAT_BMDS3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exp_count),        cmocka_unit_test(test_exp3_d_on_18),
      cmocka_unit_test(test_bmdu_cap),         cmocka_unit_test(test_bounded_bmdu_kept),
      cmocka_unit_test(test_default_is_bmds3),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
