/*
 * test_fit_scoring.c - bounded Fisher scoring (core/src/fit_scoring.c) on
 * problems whose answers are known in closed form:
 *
 * - least squares of an exponential decay y = a exp(-b t) on exact data
 *   (a = 2, b = 0.7, t = 0..5): f = sum r_i^2 / 2, grad = J'r, and the
 *   information J'J (Gauss-Newton, what scoring is for a normal model);
 *   the minimum is the generating x* = (a, b), f* = 0. The driver stops
 *   once a step promises less than 1e-12 (|f| + 1), so f - f* <= 1e-12
 *   and, as f - f* = (x - x*)'J'J(x - x*) / 2 near x*,
 *     |x - x*| <= sqrt(2e-12 / lambda_min(J'J));
 * - the same with b's box [0, 0.5]: b ends on its bound and a at the
 *   least-squares value for that b,
 *     a* = sum y_i e^(-b t_i) / sum e^(-2 b t_i);
 * - a start where f is not finite fails at once;
 * - with the minimum known (x_known = x*, f_known = 0), the search from the
 *   same start ends on it exactly and sooner; with a known point far from
 *   the path (a = 9, b = 4), it ends as without one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "../../core/src/fit_scoring.h" /* white-box: a private driver */

#define N_OBS 6

typedef struct decay {
  double t[N_OBS], y[N_OBS];
} decay;

static decay decay_data(void) {
  decay d;
  for (int i = 0; i < N_OBS; i++) {
    d.t[i] = i;
    d.y[i] = 2.0 * exp(-0.7 * i);
  }
  return d;
}

/* r_i = a e^(-b t_i) - y_i and its Jacobian rows (e^(-b t), -a t e^(-b t)) */
static void residual(const decay *d, const double *x, int i, double *r, double *j) {
  double e = exp(-x[1] * d->t[i]);
  *r = x[0] * e - d->y[i];
  j[0] = e;
  j[1] = -x[0] * d->t[i] * e;
}

/* f, grad = J'r and the information J'J (2 x 2, row-major) */
static double decay_fgi(void *ctx, const double *x, double *grad, double *F) {
  const decay *d = ctx;
  double f = 0.0, r, j[2];
  grad[0] = grad[1] = 0.0;
  memset(F, 0, 4 * sizeof(double));
  for (int i = 0; i < N_OBS; i++) {
    residual(d, x, i, &r, j);
    f += 0.5 * r * r;
    grad[0] += r * j[0];
    grad[1] += r * j[1];
    F[0] += j[0] * j[0];
    F[1] += j[0] * j[1];
    F[3] += j[1] * j[1];
  }
  F[2] = F[1];
  return f;
}

static void test_interior_minimum(void **state) {
  (void)state;
  decay d = decay_data();
  double lb[2] = {0.0, 0.0}, ub[2] = {10.0, 5.0}, x[2] = {1.0, 0.1}, f;
  size_t evals;
  bmd_scoring_problem sp = {.n = 2, .lb = lb, .ub = ub, .ctx = &d, .fgi = decay_fgi};
  bmd_scoring_options opt = bmd_scoring_options_default();
  assert_int_equal(bmd_scoring_minimize(&sp, &opt, x, &f, &evals), BMD_FIT_OK);
  double F[4], g[2], best[2] = {2.0, 0.7};
  decay_fgi(&d, best, g, F);
  /* smallest eigenvalue of the symmetric 2 x 2 J'J */
  double tr = F[0] + F[3], det = F[0] * F[3] - F[1] * F[1];
  double lam_min = 0.5 * (tr - sqrt(tr * tr - 4.0 * det));
  double dist = hypot(x[0] - 2.0, x[1] - 0.7);
  assert_true(f <= 1e-12);
  assert_true(dist <= sqrt(2e-12 / lam_min));
  assert_true(evals < 60);
}

static void test_minimum_on_a_bound(void **state) {
  (void)state;
  decay d = decay_data();
  double lb[2] = {0.0, 0.0}, ub[2] = {10.0, 0.5}, x[2] = {1.0, 0.1}, f;
  size_t evals;
  bmd_scoring_problem sp = {.n = 2, .lb = lb, .ub = ub, .ctx = &d, .fgi = decay_fgi};
  bmd_scoring_options opt = bmd_scoring_options_default();
  assert_int_equal(bmd_scoring_minimize(&sp, &opt, x, &f, &evals), BMD_FIT_OK);
  double num = 0.0, den = 0.0;
  for (int i = 0; i < N_OBS; i++) {
    num += d.y[i] * exp(-0.5 * d.t[i]);
    den += exp(-2.0 * 0.5 * d.t[i]);
  }
  assert_true(x[1] == 0.5);
  assert_true(fabs(x[0] - num / den) < 1e-7 * (num / den));
}

static double nan_fgi(void *ctx, const double *x, double *grad, double *F) {
  (void)ctx;
  (void)x;
  grad[0] = 0.0;
  F[0] = 1.0;
  return NAN;
}

static void test_start_not_finite(void **state) {
  (void)state;
  double lb[1] = {0.0}, ub[1] = {1.0}, x[1] = {0.5}, f;
  size_t evals;
  bmd_scoring_problem sp = {.n = 1, .lb = lb, .ub = ub, .ctx = NULL, .fgi = nan_fgi};
  bmd_scoring_options opt = bmd_scoring_options_default();
  assert_int_equal(bmd_scoring_minimize(&sp, &opt, x, &f, &evals), BMD_FIT_FAILED);
  assert_int_equal(evals, 1);
}

static void test_known_minimum(void **state) {
  (void)state;
  decay d = decay_data();
  double lb[2] = {0.0, 0.0}, ub[2] = {10.0, 5.0}, f_free, f_known_run;
  double x_free[2] = {1.0, 0.1}, x_known_run[2] = {1.0, 0.1}, known[2] = {2.0, 0.7};
  size_t evals_free, evals_known;
  bmd_scoring_problem sp = {.n = 2, .lb = lb, .ub = ub, .ctx = &d, .fgi = decay_fgi};
  bmd_scoring_options opt = bmd_scoring_options_default();
  assert_int_equal(bmd_scoring_minimize(&sp, &opt, x_free, &f_free, &evals_free), BMD_FIT_OK);
  opt.x_known = known;
  opt.f_known = 0.0;
  assert_int_equal(bmd_scoring_minimize(&sp, &opt, x_known_run, &f_known_run, &evals_known),
                   BMD_FIT_OK);
  assert_true(x_known_run[0] == 2.0 && x_known_run[1] == 0.7 && f_known_run == 0.0);
  assert_true(evals_known < evals_free);
}

static void test_known_point_off_the_path(void **state) {
  (void)state;
  decay d = decay_data();
  double lb[2] = {0.0, 0.0}, ub[2] = {10.0, 5.0}, f_free, f_with;
  double x_free[2] = {1.0, 0.1}, x_with[2] = {1.0, 0.1}, far[2] = {9.0, 4.0}, g[2], F[4];
  size_t evals_free, evals_with;
  bmd_scoring_problem sp = {.n = 2, .lb = lb, .ub = ub, .ctx = &d, .fgi = decay_fgi};
  bmd_scoring_options opt = bmd_scoring_options_default();
  assert_int_equal(bmd_scoring_minimize(&sp, &opt, x_free, &f_free, &evals_free), BMD_FIT_OK);
  opt.x_known = far;
  opt.f_known = decay_fgi(&d, far, g, F);
  assert_int_equal(bmd_scoring_minimize(&sp, &opt, x_with, &f_with, &evals_with), BMD_FIT_OK);
  assert_true(x_with[0] == x_free[0] && x_with[1] == x_free[1] && f_with == f_free);
  assert_int_equal(evals_with, evals_free);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_interior_minimum),         cmocka_unit_test(test_minimum_on_a_bound),
      cmocka_unit_test(test_start_not_finite),         cmocka_unit_test(test_known_minimum),
      cmocka_unit_test(test_known_point_off_the_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
