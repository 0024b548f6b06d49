/*
 * test_fit_models.c - the table of model definitions (core/src/fit_models.c):
 * every bmd_model has an entry at its own index, with a name that
 * bmd_model_parse maps back, a mean function, parameter names that match
 * n_mean, and bounds, starts, scaling and BMD functions; the facts agree
 * with each other (shape, ln c and dose-scale indices inside the mean
 * parameters and distinct, a polynomial's degree with its parameter
 * count). Then, per model, on a small increasing dataset: the box is a
 * box, every start lies in it, the mean's gradient at each start agrees
 * with central differences, scaled -> user -> scaled returns the
 * parameters (relative 1e-12), the dose-scale parameter times r^power
 * gives the mean at r x the value it had at x, and the BMD solves
 * s (m(x) - m(0)) = Delta (to 1e-9). Out of range, a model is an error,
 * never another model. A model's means for all groups at once
 * (bmd_means_fn) are its mean's values dose by dose, bit for bit.
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
#include "../../core/src/fit_model_def.h" /* white-box: the table */

static void test_every_model_has_its_entry(void **state) {
  (void)state;
  for (int m = 0; m < BMD_MODEL_COUNT; m++) {
    const bmd_model_def *d = bmd_models[m];
    assert_non_null(d);
    assert_int_equal(d->id, m);
    assert_ptr_equal(bmd_model_def_get((bmd_model)m), d);
    assert_non_null(d->name);
    assert_non_null(d->label);
    assert_int_equal(bmd_model_parse(d->name), m);
    if (d->alias)
      assert_int_equal(bmd_model_parse(d->alias), m);
    assert_string_equal(bmd_model_name((bmd_model)m), d->name);
    assert_string_equal(bmd_model_label((bmd_model)m), d->label);
    for (int o = 0; o < m; o++) {
      assert_string_not_equal(bmd_models[o]->name, d->name);
      assert_string_not_equal(bmd_models[o]->label, d->label);
    }
    assert_non_null(d->mean);
    assert_non_null(d->bounds);
    assert_non_null(d->starts);
    assert_non_null(d->to_user);
    assert_non_null(d->from_user);
    assert_non_null(d->bmd);
  }
}

static void test_facts_agree(void **state) {
  (void)state;
  for (int m = 0; m < BMD_MODEL_COUNT; m++) {
    const bmd_model_def *d = bmd_models[m];
    /* mean parameters, then rho and the variance scale */
    assert_true(d->n_mean >= 1 && d->n_mean + 2 <= BMD_MAX_PARAMS);
    assert_non_null(d->param_names);
    for (size_t i = 0; i < d->n_mean; i++) {
      assert_non_null(d->param_names[i]);
      assert_string_equal(bmd_fit_param_name((bmd_model)m, BMD_VARIANCE_CONSTANT, i),
                          d->param_names[i]);
    }
    assert_null(d->param_names[d->n_mean]);
    for (int v = 0; v < 2; v++) {
      size_t n = bmd_fit_param_count((bmd_model)m, (bmd_variance)v);
      assert_int_equal(n, d->n_mean + (v ? 2 : 1));
      assert_string_equal(bmd_fit_param_name((bmd_model)m, (bmd_variance)v, n - 1),
                          d->log_alpha ? "log-alpha" : "alpha");
      assert_null(bmd_fit_param_name((bmd_model)m, (bmd_variance)v, n));
    }
    assert_true(d->shape >= -1 && d->shape < (int)d->n_mean);
    assert_true(d->log_c >= -1 && d->log_c < (int)d->n_mean);
    assert_true(d->shape < 0 || d->shape != d->log_c);
    assert_true(d->dose_scale >= -1 && d->dose_scale < (int)d->n_mean);
    assert_true(d->dose_scale < 0 || (d->dose_scale != d->shape && d->dose_scale != d->log_c &&
                                      abs(d->dose_scale_power) == 1));
    assert_true(d->poly_degree >= 0);
    if (d->poly_degree > 0)
      assert_int_equal(d->n_mean, (size_t)d->poly_degree + 1);
    /* fit_run.c keeps at most 16 starts */
    assert_true(d->n_starts >= 1 && d->n_starts <= 16);
    assert_int_equal(bmd_model_min_groups((bmd_model)m), d->n_mean < 3 ? 3 : d->n_mean);
  }
}

static void test_out_of_range_is_an_error(void **state) {
  (void)state;
  bmd_model bad = BMD_MODEL_COUNT;
  assert_null(bmd_model_def_get(bad));
  assert_null(bmd_model_def_get((bmd_model)-1));
  assert_null(bmd_model_name(bad));
  assert_null(bmd_model_label(bad));
  assert_int_equal(bmd_fit_param_count(bad, BMD_VARIANCE_CONSTANT), 0);
  assert_null(bmd_fit_param_name(bad, BMD_VARIANCE_CONSTANT, 0));
  assert_int_equal(bmd_model_min_groups(bad), 0);
  assert_int_equal(bmd_model_parse("poly5"), -1);
  assert_int_equal(bmd_model_parse(""), -1);
  assert_int_equal(bmd_model_parse(NULL), -1);
  assert_int_equal(bmd_model_parse("HILL"), BMD_MODEL_HILL);

  bmd_fit_result r;
  memset(&r, 0, sizeof(r));
  r.model = bad;
  assert_true(isnan(bmd_fit_mean(&r, 1.0)));
  bmd_suffstat *ss = bmd_suffstat_new(3);
  assert_non_null(ss);
  for (size_t i = 0; i < 3; i++) {
    ss->dose[i] = (double)i;
    ss->n[i] = 3;
    ss->mean[i] = 1.0 + (double)i;
    ss->sd[i] = 0.5;
  }
  bmd_fit_options opt = bmd_fit_options_default();
  char err[128];
  assert_int_equal(bmd_fit_run(ss, bad, &opt, NULL, &r, err, sizeof(err)), -1);
  double par[BMD_MAX_PARAMS] = {0};
  assert_true(isnan(bmd_fit_loglik(ss, bad, BMD_VARIANCE_CONSTANT, 1, par)));
  bmd_suffstat_destroy(ss);
}

/* A scaled problem on increasing data, as fit_run.c sets one up. */
static void problem_of(bmd_problem *p, const bmd_model_def *d, int ncv, int sign) {
  static const double x[] = {0.0, 0.1, 0.25, 0.5, 1.0};
  static const double nn[] = {5, 5, 5, 5, 5};
  static const double yb[] = {1.0, 1.15, 1.45, 1.9, 2.4};
  static const double s2[] = {0.04, 0.05, 0.05, 0.06, 0.08};
  memset(p, 0, sizeof(*p));
  p->def = d;
  p->n_groups = 5;
  p->n_mean = d->n_mean;
  p->ncv = ncv;
  p->n_par = d->n_mean + (ncv ? 2 : 1);
  p->sign = sign;
  p->aux = d->poly_degree > 0 ? d->poly_degree : sign;
  p->maxd = 40.0;
  p->scale_y = 2.5;
  p->x = x;
  p->nn = nn;
  p->yb = yb;
  p->s2 = s2;
  p->n_total = 25;
  p->mean = d->mean;
  p->bmr_type = BMD_BMR_SD;
  p->bmr = 1.0;
}

/* dm/dtheta_j against central differences (as tests/unit/test_fit.c) */
static void check_gradient(const bmd_model_def *d, const double *th, int aux, double x) {
  double m, g[BMD_MAX_PARAMS];
  d->mean(th, x, aux, &m, g);
  for (size_t j = 0; j < d->n_mean; j++) {
    double tp[BMD_MAX_PARAMS], tm[BMD_MAX_PARAMS], mp, mm;
    memcpy(tp, th, d->n_mean * sizeof(double));
    memcpy(tm, th, d->n_mean * sizeof(double));
    double h = 1e-6 * (fabs(th[j]) + 1e-3);
    tp[j] += h;
    tm[j] -= h;
    d->mean(tp, x, aux, &mp, NULL);
    d->mean(tm, x, aux, &mm, NULL);
    double fd = (mp - mm) / (2 * h);
    assert_true(fabs(fd - g[j]) <= 1e-5 * (fabs(fd) + 1.0));
  }
}

static void test_functions_per_model(void **state) {
  (void)state;
  bmd_fit_options opt = bmd_fit_options_default();
  for (int m = 0; m < BMD_MODEL_COUNT; m++) {
    const bmd_model_def *d = bmd_models[m];
    for (int ncv = 0; ncv < 2; ncv++)
      for (int sign = -1; sign <= 1; sign += 2) {
        bmd_problem p;
        problem_of(&p, d, ncv, sign);
        bmd_problem_bounds(&p, &opt);
        for (size_t j = 0; j < p.n_par; j++)
          assert_true(p.lb[j] <= p.ub[j]);
        /* scaled -> user -> scaled, from the middle of the box */
        double th[BMD_MAX_PARAMS], user[BMD_MAX_PARAMS], back[BMD_MAX_PARAMS];
        for (size_t j = 0; j < p.n_par; j++)
          th[j] = 0.5 * (p.lb[j] + p.ub[j]) + 0.1;
        bmd_theta_to_user(&p, th, user);
        bmd_user_to_theta(&p, user, back);
        for (size_t j = 0; j < p.n_par; j++)
          assert_true(fabs(back[j] - th[j]) <= 1e-12 * fmax(1.0, fabs(th[j])));
        if (sign < 0)
          continue;
        /* starts inside the box; the BMD of the best one solves its equation */
        double starts[16][BMD_MAX_PARAMS];
        size_t ns = d->starts(&p, starts, d->n_starts);
        assert_true(ns >= 1 && ns <= d->n_starts);
        for (size_t s = 0; s < ns; s++)
          for (size_t j = 0; j < p.n_mean; j++)
            assert_true(starts[s][j] >= p.lb[j] && starts[s][j] <= p.ub[j]);
        for (size_t s = 0; s < ns; s++)
          for (size_t i = 1; i < 5; i++)
            check_gradient(d, starts[s], p.aux, p.x[i]);
        /* the dose-scale parameter stretches the curve: with theta_j times
         * r^power, the mean at r x is the mean at x */
        if (d->dose_scale >= 0)
          for (size_t i = 1; i < 5; i++) {
            double r = 1.7, th_r[BMD_MAX_PARAMS], m_x, m_rx;
            memcpy(th_r, starts[0], sizeof(th_r));
            th_r[d->dose_scale] *= pow(r, d->dose_scale_power);
            d->mean(starts[0], p.x[i], p.aux, &m_x, NULL);
            d->mean(th_r, r * p.x[i], p.aux, &m_rx, NULL);
            assert_true(fabs(m_rx - m_x) <= 1e-12 * fmax(1.0, fabs(m_x)));
          }
        double m0, m1;
        d->mean(starts[0], 0.0, p.aux, &m0, NULL);
        d->mean(starts[0], 1.0, p.aux, &m1, NULL);
        assert_true(m1 > m0);
        double delta = 0.25 * (m1 - m0);
        double xb = d->bmd(&p, starts[0], delta), mb;
        assert_true(isfinite(xb) && xb > 0);
        d->mean(starts[0], xb, p.aux, &mb, NULL);
        assert_true(fabs((mb - m0) - delta) < 1e-9);
      }
  }
}

/* means() against mean() dose by dose, bit for bit (memcmp): random
 * parameters in a wide box, doses with 0 among them, both signs, and the
 * edges each model's mean treats apart (Hill k = 0, Exp b = 0). */
static void test_means_match_mean_bit_for_bit(void **state) {
  (void)state;
  static const double x[] = {0.0, 1e-6, 0.003125, 0.0625, 0.25, 0.5, 1.0, 2.0};
  enum { G = sizeof(x) / sizeof(x[0]) };
  double lx[G];
  for (size_t i = 0; i < G; i++)
    lx[i] = x[i] > 0.0 ? log(x[i]) : 0.0;
  srand(14);
  int with_means = 0;
  for (int m = 0; m < BMD_MODEL_COUNT; m++) {
    const bmd_model_def *d = bmd_models[m];
    if (!d->means)
      continue;
    with_means++;
    for (int trial = 0; trial < 200; trial++) {
      double th[BMD_MAX_PARAMS];
      for (size_t j = 0; j < BMD_MAX_PARAMS; j++)
        th[j] = 20.0 * rand() / RAND_MAX - 5.0;
      if (d->shape >= 0)
        th[d->shape] = 1.0 + 17.0 * rand() / RAND_MAX;
      if (d->dose_scale >= 0 && trial % 10 == 0)
        th[d->dose_scale] = 0.0;
      else if (d->dose_scale >= 0)
        th[d->dose_scale] = fabs(th[d->dose_scale]);
      int aux = trial % 2 ? 1 : -1;
      double ms[G], gms[G][BMD_MAX_PARAMS], ms_only[G];
      memset(gms, 0, sizeof(gms));
      d->means(th, x, lx, G, aux, ms, gms);
      d->means(th, x, lx, G, aux, ms_only, NULL);
      for (size_t i = 0; i < G; i++) {
        double m1, g1[BMD_MAX_PARAMS];
        d->mean(th, x[i], aux, &m1, g1);
        assert_memory_equal(&ms[i], &m1, sizeof(double));
        assert_memory_equal(&ms_only[i], &m1, sizeof(double));
        assert_memory_equal(gms[i], g1, d->n_mean * sizeof(double));
      }
    }
  }
  assert_true(with_means >= 4); /* Hill, Power, Exp 4, Exp 5 */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_model_has_its_entry),
      cmocka_unit_test(test_facts_agree),
      cmocka_unit_test(test_out_of_range_is_an_error),
      cmocka_unit_test(test_functions_per_model),
      cmocka_unit_test(test_means_match_mean_bit_for_bit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
