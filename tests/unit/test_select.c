/*
 * test_select.c - BMDExpress's best-model selection, one rule a test, on
 * hand-made fit results (no fitting): each expected answer is worked out
 * in the comment above it. Doses 0, 10, 30, 100: the lowest positive dose
 * is 10, so with the flag fraction 1/3 a Hill fit is flagged when k < 3.33.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bmd/select.h"

static bmd_suffstat *doses(void) {
  bmd_suffstat *ss = bmd_suffstat_new(4);
  const double d[] = {0, 10, 30, 100};
  for (size_t i = 0; i < 4; i++) {
    ss->dose[i] = d[i];
    ss->n[i] = 3;
    ss->mean[i] = 1.0 + 0.01 * d[i];
    ss->sd[i] = 0.1;
  }
  return ss;
}

/* A converged fit with these numbers (k = 50 for Hill: not flagged). */
static bmd_fit_result fit(bmd_model m, double loglik, double aic, double bmd, double bmdl,
                          double bmdu, double fit_p) {
  bmd_fit_result r = {0};
  r.model = m;
  r.status = BMD_FIT_OK;
  r.loglik = loglik;
  r.aic = aic;
  r.bmd = bmd;
  r.bmdl = bmdl;
  r.bmdu = bmdu;
  r.fit_p = fit_p;
  r.params[2] = 50;
  return r;
}

static bmd_select_options options(void) {
  bmd_select_options o = bmd_select_options_default();
  o.hill_k_fraction = 1.0 / 3;
  return o;
}

/* numberFormat(decimals, x): half-even on the exact binary value, one more
 * place per zero after the point below 0.1:
 *   4.123456785 (binary 4.1234567850000001...) to 8 places -> 4.12345679
 *   2.675 (binary 2.67499999999999982...) to 2 places -> 2.67
 *   0.125 to 2 places: a true half, even -> 0.12; 0.375 -> 0.38
 *   0.0123456789 has one zero after the point: 9 places -> 0.012345679
 *   0.04550026 (p of chi^2_1 = 4) to 5 places -> 0.0455 (6 places: 0.045500) */
static void test_bmdx_round(void **state) {
  (void)state;
  assert_true(bmd_bmdx_round(4.123456785, 8) == 4.12345679);
  assert_true(bmd_bmdx_round(2.675, 2) == 2.67);
  assert_true(bmd_bmdx_round(0.125, 2) == 0.12);
  assert_true(bmd_bmdx_round(0.375, 2) == 0.38);
  assert_true(bmd_bmdx_round(0.0123456789, 8) == 0.012345679);
  assert_true(bmd_bmdx_round(0.04550026389635842, 5) == 0.0455);
  assert_true(bmd_bmdx_round(0.0, 5) == 0.0);
}

/* Nested walk, Linear LL -10, Poly 2 LL -8, Poly 3 LL -7.9:
 *   Linear vs Poly 2: LR = 4, p = 0.0455 < 0.05 and Poly 2 has all three
 *   values -> on to Poly 2; Poly 2 vs Poly 3: LR = 0.2, p = 0.65472 > 0.05
 *   and Poly 2 has all three -> Poly 2. */
static void test_nested_walk(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_fit_result r[] = {fit(BMD_MODEL_LINEAR, -10, 26, 40, 30, 60, 0.1),
                        fit(BMD_MODEL_POLY2, -8, 24, 35, 25, 50, 0.3),
                        fit(BMD_MODEL_POLY3, -7.9, 25.8, 34, 20, 50, 0.3)};
  bmd_select_options o = options();
  bmd_select_result s;
  bmd_select_best(r, 3, ss, &o, &s);
  assert_int_equal(s.best_poly, 1);
  assert_true(s.chi2[0] == 4.0 && s.chi2_p[0] == 0.0455);
  assert_true(fabs(s.chi2[1] - 0.2) < 1e-12 && s.chi2_p[1] == 0.65472);
  assert_int_equal(s.best_model, BMD_MODEL_POLY2);
  bmd_suffstat_destroy(ss);
}

/* The walk needs BMD, BMDL and BMDU whatever the limit-use mode: with
 * "compute but ignore" (2), Linear lacking a BMDU is not kept at p = 0.65
 * (> 0.05) and the walk goes on to Poly 2 (the last, chosen). */
static void test_walk_requires_bmdu(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_fit_result r[] = {fit(BMD_MODEL_LINEAR, -10, 24, 40, 30, NAN, 0.1),
                        fit(BMD_MODEL_POLY2, -9.9, 25.8, 35, 25, 50, 0.3)};
  bmd_select_options o = options();
  o.limit_use = BMD_USE_IGNORE_LIMITS;
  bmd_select_result s;
  bmd_select_best(r, 2, ss, &o, &s);
  assert_int_equal(s.best_poly, 1);
  bmd_suffstat_destroy(ss);
}

/* Lowest AIC among polynomials: Poly 3 (AIC 20) over Linear (22) and
 * Poly 2 (21), whatever the likelihood ratios. */
static void test_lowest_aic_poly(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_fit_result r[] = {fit(BMD_MODEL_LINEAR, -9, 22, 40, 30, 60, 0.1),
                        fit(BMD_MODEL_POLY2, -8.5, 21, 35, 25, 50, 0.3),
                        fit(BMD_MODEL_POLY3, -7, 20, 34, 20, 50, 0.3)};
  bmd_select_options o = options();
  o.poly_test = BMD_POLY_LOWEST_AIC;
  bmd_select_result s;
  bmd_select_best(r, 3, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_POLY3);
  bmd_suffstat_destroy(ss);
}

/* AICs equal but for floating-point noise (1e-14) are a tie kept by the
 * earlier: Power (the best non-polynomial) does not beat Linear (the best
 * polynomial) unless its AIC is lower, so Linear. A real difference (1e-4)
 * is not a tie: Power. */
static void test_aic_tie(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_fit_result r[] = {fit(BMD_MODEL_POWER, -10, 55.661753 - 1.4e-14, 40, 30, 60, 0.1),
                        fit(BMD_MODEL_LINEAR, -10, 55.661753, 40, 30, 60, 0.1)};
  bmd_select_options o = options();
  bmd_select_result s;
  bmd_select_best(r, 2, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_LINEAR);
  r[0].aic = 55.661753 - 1e-4;
  bmd_select_best(r, 2, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_POWER);
  bmd_suffstat_destroy(ss);
}

/* The comparator among non-polynomials (Power first, then Exp 3):
 *   mode 1 (BMD, BMDL, BMDU): Exp 3 has the lower AIC but no BMDL -> Power;
 *   mode 2 (BMD only): Exp 3;
 *   a candidate with a value exactly 0 never wins: Exp 3's BMD 0 -> Power;
 *   rule 3: Power lacks its BMDU, Exp 3 has a higher AIC but all three
 *   values, positive -> Exp 3 in mode 1. */
static void test_comparator(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_fit_result r[] = {fit(BMD_MODEL_POWER, -10, 26, 40, 30, 60, 0.1),
                        fit(BMD_MODEL_EXP3, -9, 24, 35, NAN, 50, 0.3)};
  bmd_select_options o = options();
  bmd_select_result s;
  bmd_select_best(r, 2, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_POWER);
  o.limit_use = BMD_USE_IGNORE_LIMITS;
  bmd_select_best(r, 2, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_EXP3);
  r[1].bmd = 0;
  bmd_select_best(r, 2, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_POWER);
  o.limit_use = BMD_USE_BMD_BMDL_BMDU;
  r[0].bmdu = NAN;
  r[1] = fit(BMD_MODEL_EXP3, -12, 30, 35, 25, 50, 0.3);
  bmd_select_best(r, 2, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_EXP3);
  bmd_suffstat_destroy(ss);
}

/* Validity of the best under the mode: the only fit lacks a BMDU ->
 * none in mode 1, chosen in mode 4 (BMD and BMDL) and mode 3. */
static void test_validity(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_fit_result r[] = {fit(BMD_MODEL_POWER, -10, 26, 40, 30, NAN, 0.1)};
  bmd_select_options o = options();
  bmd_select_result s;
  bmd_select_best(r, 1, ss, &o, &s);
  assert_int_equal(s.best, -1);
  o.limit_use = BMD_USE_BMD_BMDL;
  bmd_select_best(r, 1, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_POWER);
  o.limit_use = BMD_USE_NO_LIMITS;
  bmd_select_best(r, 1, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_POWER);
  bmd_suffstat_destroy(ss);
}

/* Hill (AIC 10, k = 1 < 3.33: flagged), Power (AIC 30), Linear (AIC 28),
 * Poly 2 (AIC 20; rejected by the walk: LR = 0.2, p 0.65 > 0.05, Linear
 * valid -> Linear is the best polynomial).
 *   option 1: Hill, flag 1;
 *   option 2: flagged Hill out; the fold takes every other fit, Poly 2
 *     included -> Poly 2 (AIC 20), though the walk rejected it;
 *   option 3: no Hill at all -> Poly 2 the same way;
 *   option 5: the next best among non-Hill, non-polynomial fits and the best
 *     polynomial: Linear (28) over Power (30); its fit p 0.2 > 0.05 -> Linear;
 *     with p 0.01 -> Hill kept, flag 4, its values from across probes. */
static void test_flagged_hill_options(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_fit_result r[] = {fit(BMD_MODEL_HILL, -2, 10, 5, 2, 9, 0.5),
                        fit(BMD_MODEL_POWER, -12, 30, 40, 30, 60, 0.3),
                        fit(BMD_MODEL_LINEAR, -12, 28, 40, 30, 60, 0.2),
                        fit(BMD_MODEL_POLY2, -11.9, 20, 35, 25, 50, 0.3)};
  r[0].params[2] = 1;
  assert_true(bmd_hill_flagged(&r[0], ss, 1.0 / 3));
  bmd_select_options o = options();
  bmd_select_result s;
  o.flagged_hill = BMD_HILL_INCLUDE;
  bmd_select_best(r, 4, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_HILL);
  assert_int_equal(s.hill_flag, 1);
  o.flagged_hill = BMD_HILL_EXCLUDE_FLAGGED;
  bmd_select_best(r, 4, ss, &o, &s);
  assert_int_equal(s.best_poly, 2);
  assert_int_equal(s.best_model, BMD_MODEL_POLY2);
  o.flagged_hill = BMD_HILL_EXCLUDE_ALL;
  r[0].params[2] = 50;
  bmd_select_best(r, 4, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_POLY2);
  r[0].params[2] = 1;
  o.flagged_hill = BMD_HILL_NEXT_BEST;
  bmd_select_best(r, 4, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_LINEAR);
  assert_int_equal(s.hill_flag, 0);
  r[2].fit_p = 0.01;
  bmd_select_best(r, 4, ss, &o, &s);
  assert_int_equal(s.best_model, BMD_MODEL_HILL);
  assert_int_equal(s.hill_flag, 4);
  assert_true(s.needs_hill_fix);
  bmd_suffstat_destroy(ss);
}

/* Option 4 across probes: probe 0 and 1 have a flagged Hill best (flag 3),
 * probe 2 an unflagged Hill with BMD 10 (BMDL 6, BMDU 20), probe 3 an
 * unflagged Hill with BMD 30, probe 4 a Power with BMD 2 (not a Hill, not
 * the reference). The minimum among unflagged Hill bests is probe 2's, so
 * probes 0 and 1 get 0.5 x (10, 6, 20) = (5, 3, 10). */
static void test_option4_cross_probe(void **state) {
  (void)state;
  bmd_suffstat *ss = doses();
  bmd_select_options o = options();
  o.flagged_hill = BMD_HILL_MODIFY_BMD;
  bmd_select_result sel[5];
  bmd_fit_result flagged = fit(BMD_MODEL_HILL, -2, 10, 0.5, 0.1, 9, 0.5);
  flagged.params[2] = 1;
  bmd_select_best(&flagged, 1, ss, &o, &sel[0]);
  bmd_select_best(&flagged, 1, ss, &o, &sel[1]);
  assert_int_equal(sel[0].hill_flag, 3);
  bmd_fit_result h10 = fit(BMD_MODEL_HILL, -2, 10, 10, 6, 20, 0.5);
  bmd_fit_result h30 = fit(BMD_MODEL_HILL, -2, 10, 30, 16, 60, 0.5);
  bmd_fit_result p2 = fit(BMD_MODEL_POWER, -2, 10, 2, 1, 4, 0.5);
  bmd_select_best(&h10, 1, ss, &o, &sel[2]);
  bmd_select_best(&h30, 1, ss, &o, &sel[3]);
  bmd_select_best(&p2, 1, ss, &o, &sel[4]);
  bmd_select_fix_flagged_hill(sel, 5, 0.5);
  for (int i = 0; i < 2; i++) {
    assert_true(sel[i].bmd == 5 && sel[i].bmdl == 3 && sel[i].bmdu == 10);
    assert_int_equal(sel[i].best_model, BMD_MODEL_HILL);
  }
  assert_true(sel[2].bmd == 10 && sel[4].bmd == 2);
  bmd_suffstat_destroy(ss);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bmdx_round),
      cmocka_unit_test(test_nested_walk),
      cmocka_unit_test(test_walk_requires_bmdu),
      cmocka_unit_test(test_lowest_aic_poly),
      cmocka_unit_test(test_aic_tie),
      cmocka_unit_test(test_comparator),
      cmocka_unit_test(test_validity),
      cmocka_unit_test(test_flagged_hill_options),
      cmocka_unit_test(test_option4_cross_probe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
