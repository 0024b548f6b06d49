/*
 * test_prefilter_curvefit.c - the curve-fit prefilter (bmd/prefilter_curvefit.h)
 * on hand-made data whose outcome is worked out below, with one sample per
 * dose and with two.
 *
 * With the Linear model alone and constant variance the maximum-likelihood
 * fit is ordinary least squares: b1 = Sxy / Sxx, b0 = ybar - b1 xbar, and
 * the variance is the mean squared residual sigma^2 = RSS / N. An SD BMR
 * of k puts the BMD where the mean has moved k sigma:
 *   BMD = k sigma / |b1|.
 * Doses 0, 1, 3, 10 (highest 10), k = 1.021:
 *   xbar = 3.5, Sxx = 3.5^2 + 2.5^2 + 0.5^2 + 6.5^2 = 61.
 *
 * A: y = 0.1, 0.9, 3.1, 9.9 (one sample per dose). ybar = 3.5,
 *    Sxy = 3.5*3.4 + 2.5*2.6 + 0.5*0.4 + 6.5*6.4 = 60.2, b1 = 0.98689,
 *    b0 = 0.04590; residuals 0.05410, -0.13279, 0.09344, -0.01475,
 *    RSS = 0.029508, sigma = sqrt(RSS / 4) = 0.085890,
 *    BMD = 1.021 * 0.085890 / 0.98689 = 0.088859 < 10: passes.
 * B: y = 5.0, 5.3, 4.8, 5.2. ybar = 5.075, Sxy = 0.65, b1 = 0.010656,
 *    b0 = 5.03770; RSS = 0.140574, sigma = 0.187466,
 *    BMD = 1.021 * 0.187466 / 0.010656 = 17.962 >= 10: fails.
 * C: y = 4, 4, 4, 4: no slope, no finite BMD: fails.
 * D: two samples per dose, y = 0.05 0.15 | 0.8 1.0 | 3.0 3.2 | 9.8 10.0,
 *    whose group means are A's values: OLS over the eight points has A's
 *    line (Sxx = 122, Sxy = 120.4, b1 = 0.98689), RSS = 2 * 0.029508
 *    (about the means) + 0.005 + 3 * 0.02 (within groups) = 0.124016,
 *    sigma = sqrt(RSS / 8) = 0.124507, BMD = 0.128811: passes.
 * The expected BMDs are recomputed here by these formulas, independently of
 * the fitter, and must agree to 1e-5 relative (the optimiser's tolerance).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/dataset.h"
#include "bmd/fit.h"
#include "bmd/prefilter_curvefit.h"

/* A dataset of n_probes rows over doses[0..n_samples). */
static bmd_dataset *make(const double *doses, size_t n_samples, const double *values,
                         size_t n_probes) {
  bmd_dataset *ds = bmd_dataset_new(n_probes, n_samples);
  assert_non_null(ds);
  memcpy(ds->doses, doses, n_samples * sizeof(double));
  memcpy(ds->values, values, n_probes * n_samples * sizeof(double));
  for (size_t s = 0; s < n_samples; s++)
    ds->sample_ids[s] = strdup("s");
  for (size_t p = 0; p < n_probes; p++) {
    char id[8] = "p0";
    id[1] = (char)('0' + p);
    ds->probe_ids[p] = strdup(id);
  }
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  return ds;
}

/* BMD = k sigma / |b1| of the OLS line through (x, y), sigma^2 = RSS / n. */
static double ols_bmd(const double *x, const double *y, size_t n, double k) {
  double xb = 0, yb = 0, sxx = 0, sxy = 0, rss = 0;
  for (size_t i = 0; i < n; i++)
    xb += x[i] / (double)n, yb += y[i] / (double)n;
  for (size_t i = 0; i < n; i++)
    sxx += (x[i] - xb) * (x[i] - xb), sxy += (x[i] - xb) * (y[i] - yb);
  double b1 = sxy / sxx, b0 = yb - b1 * xb;
  for (size_t i = 0; i < n; i++)
    rss += (y[i] - b0 - b1 * x[i]) * (y[i] - b0 - b1 * x[i]);
  return k * sqrt(rss / (double)n) / fabs(b1);
}

static bmd_curvefit_options linear_only(void) {
  bmd_curvefit_options o = bmd_curvefit_options_default();
  o.model_mask = 1u << BMD_MODEL_LINEAR;
  o.threads = 2;
  return o;
}

static void test_one_sample_per_dose(void **state) {
  (void)state;
  const double doses[] = {0, 1, 3, 10};
  const double y[] = {0.1, 0.9, 3.1, 9.9, /* A */ 5.0, 5.3, 4.8, 5.2, /* B */
                      4.0, 4.0, 4.0, 4.0 /* C */};
  bmd_dataset *ds = make(doses, 4, y, 3);
  bmd_curvefit_options o = linear_only();
  const size_t rows[] = {0, 1, 2};
  double v[3 * BMD_CURVEFIT_COLUMNS];
  unsigned char pass[3];
  char err[256];
  assert_int_equal(bmd_curvefit_run(ds, rows, 3, &o, v, pass, err, sizeof(err)), 0);
  /* A: BMD 0.088859 (comment), passes */
  double bmd_a = ols_bmd(doses, y, 4, 1.021);
  assert_true(fabs(bmd_a - 0.088859) < 1e-6);
  assert_int_equal(pass[0], 1);
  assert_int_equal((int)v[BMD_CURVEFIT_MODEL], BMD_MODEL_LINEAR);
  assert_true(fabs(v[BMD_CURVEFIT_BMD] - bmd_a) < 1e-5 * bmd_a);
  assert_true(v[BMD_CURVEFIT_BMDL] < v[BMD_CURVEFIT_BMD]);
  assert_true(v[BMD_CURVEFIT_BMDU] > v[BMD_CURVEFIT_BMD]);
  /* B: BMD 17.962 above the highest dose 10, fails */
  const double *b = v + BMD_CURVEFIT_COLUMNS;
  double bmd_b = ols_bmd(doses, y + 4, 4, 1.021);
  assert_true(fabs(bmd_b - 17.9624) < 1e-3);
  assert_int_equal(pass[1], 0);
  assert_true(fabs(b[BMD_CURVEFIT_BMD] - bmd_b) < 1e-5 * bmd_b);
  /* C: flat, no finite BMD, fails */
  assert_int_equal(pass[2], 0);
  assert_false(isfinite(v[2 * BMD_CURVEFIT_COLUMNS + BMD_CURVEFIT_BMD]) &&
               v[2 * BMD_CURVEFIT_COLUMNS + BMD_CURVEFIT_BMD] < 10);
  bmd_dataset_destroy(ds);
}

static void test_two_samples_per_dose_and_row_subset(void **state) {
  (void)state;
  const double doses[] = {0, 0, 1, 1, 3, 3, 10, 10};
  const double y[] = {5.0,  5.0,  5.3, 5.3, 4.8, 4.8, 5.2, 5.2, /* B doubled: not fitted */
                      0.05, 0.15, 0.8, 1.0, 3.0, 3.2, 9.8, 10.0 /* D */};
  bmd_dataset *ds = make(doses, 8, y, 2);
  bmd_curvefit_options o = linear_only();
  const size_t rows[] = {1}; /* only D: row 0's values stay as they were */
  double v[2 * BMD_CURVEFIT_COLUMNS];
  for (size_t i = 0; i < 2 * BMD_CURVEFIT_COLUMNS; i++)
    v[i] = -1;
  unsigned char pass[1];
  char err[256];
  assert_int_equal(bmd_curvefit_run(ds, rows, 1, &o, v, pass, err, sizeof(err)), 0);
  double bmd_d = ols_bmd(doses, y + 8, 8, 1.021);
  assert_true(fabs(bmd_d - 0.128811) < 1e-6);
  assert_int_equal(pass[0], 1);
  assert_true(fabs(v[BMD_CURVEFIT_COLUMNS + BMD_CURVEFIT_BMD] - bmd_d) < 1e-5 * bmd_d);
  for (size_t c = 0; c < BMD_CURVEFIT_COLUMNS; c++)
    assert_true(v[c] == -1);
  /* a BMR factor twice as large doubles the BMD (BMD = k sigma / b1) */
  o.bmr = 2 * 1.021;
  assert_int_equal(bmd_curvefit_run(ds, rows, 1, &o, v, pass, err, sizeof(err)), 0);
  assert_true(fabs(v[BMD_CURVEFIT_COLUMNS + BMD_CURVEFIT_BMD] - 2 * bmd_d) < 2e-5 * bmd_d);
  bmd_dataset_destroy(ds);
}

static void test_bad_options(void **state) {
  (void)state;
  const double doses[] = {0, 1, 3, 10};
  const double y[] = {0.1, 0.9, 3.1, 9.9};
  bmd_dataset *ds = make(doses, 4, y, 1);
  bmd_curvefit_options o = linear_only();
  const size_t rows[] = {0};
  double v[BMD_CURVEFIT_COLUMNS];
  unsigned char pass[1];
  char err[256] = "";
  o.model_mask = 0;
  assert_int_equal(bmd_curvefit_run(ds, rows, 1, &o, v, pass, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "model"));
  o = linear_only();
  o.bmr = 0;
  assert_int_equal(bmd_curvefit_run(ds, rows, 1, &o, v, pass, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "BMR"));
  bmd_dataset_destroy(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_sample_per_dose),
      cmocka_unit_test(test_two_samples_per_dose_and_row_subset),
      cmocka_unit_test(test_bad_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
