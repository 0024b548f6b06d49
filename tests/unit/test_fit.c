/*
 * test_fit.c - mean functions and gradients (against central finite
 * differences), the log-likelihood (against the normal density written
 * out per observation), closed-form BMDs (against the defining equation)
 * and the analysis of deviance closed forms (bmds-server A1/A2/R values);
 * the fit memo gives the same results as no memo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/fit.h"
#include "bmd/select.h"
#include "../../core/src/fit_internal.h" /* white-box: mean functions */

static void check_gradient(bmd_mean_fn fn, const double *th, size_t k, int aux, double x) {
  double m, g[BMD_MAX_PARAMS];
  fn(th, x, aux, &m, g);
  for (size_t j = 0; j < k; j++) {
    double tp[BMD_MAX_PARAMS], tm[BMD_MAX_PARAMS], mp, mm;
    memcpy(tp, th, k * sizeof(double));
    memcpy(tm, th, k * sizeof(double));
    double h = 1e-6 * (fabs(th[j]) + 1e-3);
    tp[j] += h;
    tm[j] -= h;
    fn(tp, x, aux, &mp, NULL);
    fn(tm, x, aux, &mm, NULL);
    double fd = (mp - mm) / (2 * h);
    assert_true(fabs(fd - g[j]) <= 1e-5 * (fabs(fd) + 1.0));
  }
}

static void test_mean_gradients(void **state) {
  (void)state;
  const double xs[] = {0.0, 0.1, 0.5, 1.0};
  const double hill[] = {1.2, 3.0, 0.4, 2.3};
  const double power[] = {0.8, -1.5, 1.7};
  const double poly[] = {1.0, 0.5, -0.3, 0.2, 0.05};
  const double exp3[] = {2.0, 1.3, 1.6};
  const double exp5[] = {2.0, 1.3, log(3.0), 1.8};
  for (size_t i = 0; i < 4; i++) {
    check_gradient(bmd_hill_mean, hill, 4, 1, xs[i]);
    check_gradient(bmd_power_mean, power, 3, 1, xs[i]);
    check_gradient(bmd_poly_mean, poly, 5, 4, xs[i]);
    check_gradient(bmd_exp3_mean, exp3, 3, -1, xs[i]);
    check_gradient(bmd_exp2_mean, exp3, 2, 1, xs[i]);
    check_gradient(bmd_exp5_mean, exp5, 4, 1, xs[i]);
    check_gradient(bmd_exp4_mean, exp5, 3, 1, xs[i]);
  }
  /* values: Hill at x = k is g + v/2; Exp5 at 0 is a */
  double m;
  bmd_hill_mean(hill, 0.4, 1, &m, NULL);
  assert_true(fabs(m - (1.2 + 1.5)) < 1e-12);
  bmd_exp5_mean(exp5, 0.0, 1, &m, NULL);
  assert_true(fabs(m - 2.0) < 1e-12);
}

/* direct sum over individual observations of ln N(y; m, sigma^2) */
static void test_loglik_individual_equals_summary(void **state) {
  (void)state;
  const double d[] = {0, 0, 0, 10, 10, 10, 50, 50, 50, 50};
  const double y[] = {1.0, 1.3, 0.9, 1.6, 1.8, 1.5, 2.9, 3.3, 3.0, 3.1};
  bmd_suffstat *ss = NULL;
  char err[128];
  assert_int_equal(bmd_suffstat_from_individual(d, y, 10, &ss, err, sizeof(err)), 0);
  assert_int_equal(ss->n_groups, 3);
  const double par[] = {1.05, 0.04, 1.0, 0.3, 0.05}; /* power g v n, rho, alpha */
  double ll = bmd_fit_loglik(ss, BMD_MODEL_POWER, BMD_VARIANCE_NONCONSTANT, 1, par);
  double want = 0;
  for (int i = 0; i < 10; i++) {
    double m = par[0] + par[1] * pow(d[i], par[2]);
    double s2 = par[4] * pow(fabs(m), par[3]);
    want += -0.5 * log(2 * 3.14159265358979323846 * s2) - (y[i] - m) * (y[i] - m) / (2 * s2);
  }
  assert_true(fabs(ll - want) < 1e-9);
  bmd_suffstat_destroy(ss);
}

static bmd_suffstat *cdataset2(void) {
  bmd_suffstat *ss = bmd_suffstat_new(5);
  const double mean[] = {10, 20, 30, 40, 50}, sd[] = {3, 4, 5, 6, 7};
  for (int i = 0; i < 5; i++) {
    ss->dose[i] = 50.0 * i;
    ss->n[i] = 100;
    ss->mean[i] = mean[i];
    ss->sd[i] = sd[i];
  }
  return ss;
}

/* the fitted BMD satisfies |m(BMD) - m(0)| = sqrt(alpha) (1 SD, constant variance) */
static void test_bmd_solves_definition(void **state) {
  (void)state;
  bmd_suffstat *ss = cdataset2();
  bmd_fit_options opt = bmd_fit_options_default();
  opt.compute_limits = 0;
  char err[128];
  const bmd_model models[] = {BMD_MODEL_HILL,  BMD_MODEL_POWER, BMD_MODEL_LINEAR,
                              BMD_MODEL_POLY2, BMD_MODEL_EXP3,  BMD_MODEL_EXP5};
  for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
    bmd_fit_result r;
    assert_int_equal(bmd_fit_run(ss, models[i], &opt, NULL, &r, err, sizeof(err)), 0);
    /* Exp 5 runs along a ridge (c -> e^20, b -> 0) on this linear set */
    assert_true(r.status == BMD_FIT_OK ||
                (models[i] == BMD_MODEL_EXP5 && r.status == BMD_FIT_MAXEVAL));
    assert_true(isfinite(r.bmd));
    double alpha =
        models[i] >= BMD_MODEL_EXP2 ? exp(r.params[r.n_params - 1]) : r.params[r.n_params - 1];
    double change = bmd_fit_mean(&r, r.bmd) - bmd_fit_mean(&r, 0.0);
    assert_true(fabs(change - sqrt(alpha)) < 1e-6 * sqrt(alpha));
  }
  bmd_suffstat_destroy(ss);
}

/*
 * Wald limits in closed form: Linear, constant variance, on cdataset2 (the
 * means lie on m = 10 + 0.2 d). MLE sigma^2 = RSS / N = 99 * 135 / 500;
 * cov(g, b1) = sigma^2 (X'X)^-1 with sum 1 = 500, sum d = 5e4, sum d^2 =
 * 7.5e6: var b1 = sigma^2 500 / 1.25e9; var ln sigma^2 = 2 / N, independent
 * of (g, b1). BMD = sigma / b1, so
 *   var ln BMD = var(ln sigma^2) / 4 + var(b1) / b1^2,
 *   BMDL, BMDU = BMD exp(-/+ z_0.95 sqrt(var ln BMD)).
 */
static void test_wald_limits_closed_form(void **state) {
  (void)state;
  bmd_suffstat *ss = cdataset2();
  bmd_fit_options opt = bmd_fit_options_default();
  opt.limit_method = BMD_LIMITS_WALD;
  bmd_fit_result r;
  char err[128];
  assert_int_equal(bmd_fit_run(ss, BMD_MODEL_LINEAR, &opt, NULL, &r, err, sizeof(err)), 0);
  double s2 = 99.0 * 135.0 / 500.0, b1 = 0.2;
  double bmd = sqrt(s2) / b1;
  double var_log = 2.0 / 500.0 / 4.0 + s2 * 500.0 / 1.25e9 / (b1 * b1);
  double z = 1.6448536269514722; /* Phi^-1(0.95) */
  assert_true(fabs(r.bmd - bmd) < 1e-7 * bmd);
  assert_int_equal(r.limits_status, 0);
  assert_true(fabs(r.bmdl - bmd * exp(-z * sqrt(var_log))) < 1e-6 * bmd);
  assert_true(fabs(r.bmdu - bmd * exp(z * sqrt(var_log))) < 1e-6 * bmd);
  assert_true(isnan(r.bmdl_params[0]) && isnan(r.bmdu_params[0]));
  /* a method that is not one is refused */
  opt.limit_method = (bmd_limit_method)5;
  assert_int_equal(bmd_fit_run(ss, BMD_MODEL_LINEAR, &opt, NULL, &r, err, sizeof(err)), -1);
  bmd_suffstat_destroy(ss);
}

/* Linear on cdataset2: the MLE is the weighted LS line, LL = -1530.916 (numerics.md §1.4) */
static void test_linear_loglik(void **state) {
  (void)state;
  bmd_suffstat *ss = cdataset2();
  bmd_fit_options opt = bmd_fit_options_default();
  bmd_fit_result r;
  char err[128];
  assert_int_equal(bmd_fit_run(ss, BMD_MODEL_LINEAR, &opt, NULL, &r, err, sizeof(err)), 0);
  assert_true(fabs(r.loglik - (-1530.916)) < 1e-3);
  assert_true(fabs(r.params[0] - 10.0) < 1e-6 && fabs(r.params[1] - 0.2) < 1e-8);
  assert_true(fabs(r.aic - 3067.83) < 1e-2);
  /* BMDL < BMD < BMDU */
  assert_true(r.bmdl < r.bmd && r.bmd < r.bmdu);
  bmd_suffstat_destroy(ss);
}

/* A1/A2/R closed forms against bmds-server's BMDS 3.3 output */
static void test_aod(void **state) {
  (void)state;
  bmd_suffstat *ss = bmd_suffstat_new(5);
  const double dose[] = {0, 25, 50, 100, 200}, n[] = {20, 20, 19, 20, 20};
  const double mean[] = {6.0, 5.2, 2.4, 1.1, 0.75}, sd[] = {1.2, 1.1, 0.81, 0.74, 0.66};
  for (int i = 0; i < 5; i++) {
    ss->dose[i] = dose[i];
    ss->n[i] = n[i];
    ss->mean[i] = mean[i];
    ss->sd[i] = sd[i];
  }
  bmd_aod a;
  assert_int_equal(bmd_aod_compute(ss, BMD_VARIANCE_CONSTANT, &a), 0);
  /* A1 by its definition */
  double N = 99, pooled = 0;
  for (int i = 0; i < 5; i++)
    pooled += (n[i] - 1) * sd[i] * sd[i];
  double want = -0.5 * N * (log(2 * 3.14159265358979323846 * pooled / N) + 1);
  assert_true(fabs(a.ll_a1 - want) < 1e-9);
  assert_true(a.ll_a2 >= a.ll_a1 && a.ll_a1 >= a.ll_r);
  assert_int_equal(a.k_a1, 6);
  assert_true(a.test_df[0] == 8 && a.test_df[1] == 4);
  assert_int_equal(bmd_aod_compute(ss, BMD_VARIANCE_NONCONSTANT, &a), 0);
  assert_true(a.ll_a3 >= a.ll_a1 - 1e-9 && a.ll_a3 <= a.ll_a2 + 1e-9);
  bmd_suffstat_destroy(ss);
}

static void test_select_prefers_linear_when_nested_not_significant(void **state) {
  (void)state;
  bmd_suffstat *ss = cdataset2();
  bmd_fit_options opt = bmd_fit_options_default();
  bmd_fit_result r[4];
  char err[128];
  const bmd_model models[] = {BMD_MODEL_LINEAR, BMD_MODEL_POLY2, BMD_MODEL_HILL, BMD_MODEL_POWER};
  for (int i = 0; i < 4; i++)
    assert_int_equal(bmd_fit_run(ss, models[i], &opt, NULL, &r[i], err, sizeof(err)), 0);
  bmd_select_options so = bmd_select_options_default();
  bmd_select_result sel;
  bmd_select_best(r, 4, ss, &so, &sel);
  assert_int_equal(sel.best_poly, 0);
  assert_true(sel.chi2_p[0] > 0.05);
  assert_int_equal(sel.best_model, BMD_MODEL_LINEAR);
  bmd_suffstat_destroy(ss);
}

/* bitwise equal, NANs included (a NAN's payload is the same from one fit to its rerun) */
static int same_result(const bmd_fit_result *a, const bmd_fit_result *b) {
  return a->status == b->status && a->n_free == b->n_free && a->limits_status == b->limits_status &&
         memcmp(a->params, b->params, sizeof(a->params)) == 0 &&
         memcmp(&a->loglik, &b->loglik, sizeof(double)) == 0 &&
         memcmp(&a->bmd, &b->bmd, sizeof(double)) == 0 &&
         memcmp(&a->bmdl, &b->bmdl, sizeof(double)) == 0 &&
         memcmp(&a->bmdu, &b->bmdu, sizeof(double)) == 0 &&
         memcmp(a->bmdl_params, b->bmdl_params, sizeof(a->bmdl_params)) == 0;
}

/*
 * The memo (bmd_fit_run_memo) gives the same results as fitting without
 * one, for all ten models in order (decreasing data: Exp 4/5 fit the nested
 * Exp 2/3 the memo remembers), both variances and with the polynomials
 * fitted in both directions (the kept one refitted for its limits); and a
 * problem that differs only in one data value is not taken for the same.
 */
static void test_memo_same_results(void **state) {
  (void)state;
  bmd_suffstat *ss = bmd_suffstat_new(5);
  const double mean[] = {50, 42, 30, 21, 17}, sd[] = {6, 5, 5, 4, 4};
  for (int i = 0; i < 5; i++) {
    ss->dose[i] = 25.0 * i;
    ss->n[i] = 5;
    ss->mean[i] = mean[i];
    ss->sd[i] = sd[i];
  }
  bmd_fit_memo *memo = bmd_fit_memo_new();
  assert_non_null(memo);
  char err[128];
  for (int v = 0; v < 2; v++) {
    bmd_fit_options opt = bmd_fit_options_default();
    opt.variance = v ? BMD_VARIANCE_NONCONSTANT : BMD_VARIANCE_CONSTANT;
    opt.poly_fit = BMD_POLY_FIT_BMDX3;
    for (int m = 0; m < BMD_MODEL_COUNT; m++) {
      bmd_fit_result plain, memoised;
      assert_int_equal(bmd_fit_run(ss, (bmd_model)m, &opt, NULL, &plain, err, sizeof(err)), 0);
      assert_int_equal(
          bmd_fit_run_memo(ss, (bmd_model)m, &opt, NULL, memo, &memoised, err, sizeof(err)), 0);
      assert_true(same_result(&plain, &memoised));
    }
  }
  /* one response a little different: a new fit, not the remembered one */
  bmd_fit_options opt = bmd_fit_options_default();
  bmd_fit_result first, plain, memoised;
  assert_int_equal(bmd_fit_run_memo(ss, BMD_MODEL_EXP3, &opt, NULL, memo, &first, err, sizeof(err)),
                   0);
  ss->mean[2] = 29.0;
  assert_int_equal(bmd_fit_run(ss, BMD_MODEL_EXP3, &opt, NULL, &plain, err, sizeof(err)), 0);
  assert_int_equal(
      bmd_fit_run_memo(ss, BMD_MODEL_EXP3, &opt, NULL, memo, &memoised, err, sizeof(err)), 0);
  assert_true(same_result(&plain, &memoised));
  assert_false(same_result(&first, &memoised));
  bmd_fit_memo_destroy(memo);
  bmd_fit_memo_destroy(NULL);
  bmd_suffstat_destroy(ss);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mean_gradients),
      cmocka_unit_test(test_loglik_individual_equals_summary),
      cmocka_unit_test(test_bmd_solves_definition),
      cmocka_unit_test(test_linear_loglik),
      cmocka_unit_test(test_wald_limits_closed_form),
      cmocka_unit_test(test_aod),
      cmocka_unit_test(test_select_prefers_linear_when_nested_not_significant),
      cmocka_unit_test(test_memo_same_results),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
