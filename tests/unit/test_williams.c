/*
 * test_williams.c - Williams trend test: weighted PAVA on hand cases, the
 * statistic against published PMCMRplus/drcHelper values
 * (tests/data/williams/, see SOURCES.md there), invariances of the
 * two-sided statistic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/williams.h"

#define DATA_DIR BS_TEST_DATA "/williams"

/* cmocka's float assertions are single precision; this one is double. */
#define assert_double_equal(a, b, tol) assert_close((a), (b), (tol), #a, __LINE__)
static void assert_close(double a, double b, double tol, const char *what, int line) {
  if (!(fabs(a - b) <= tol))
    fail_msg("line %d: %s = %.17g, want %.17g (tol %.3g, diff %.3g)", line, what, a, b, tol,
             fabs(a - b));
}

static void check_pava(const double *y, const double *w, size_t k, const double *want) {
  double fit[16];
  assert_true(k <= 16);
  assert_int_equal(bmd_williams_pava(y, w, k, fit), 0);
  for (size_t i = 0; i < k; i++)
    assert_double_equal(fit[i], want[i], 1e-14);
}

static void test_pava_hand_cases(void **state) {
  (void)state;
  /* already ordered: unchanged */
  check_pava((double[]){1, 2, 2, 5}, (double[]){1, 1, 1, 1}, 4, (double[]){1, 2, 2, 5});
  /* one violation, equal weights: (3 + 2) / 2 */
  check_pava((double[]){1, 3, 2, 4}, (double[]){1, 1, 1, 1}, 4, (double[]){1, 2.5, 2.5, 4});
  /* weighted: (1*3 + 3*2) / 4 = 2.25 */
  check_pava((double[]){1, 3, 2}, (double[]){1, 1, 3}, 3, (double[]){1, 2.25, 2.25});
  /* fully decreasing: one block, (1*3 + 2*2 + 3*1) / 6 */
  check_pava((double[]){3, 2, 1}, (double[]){1, 2, 3}, 3, (double[]){10.0 / 6, 10.0 / 6, 10.0 / 6});
  /* merge cascading backwards: {5,4} -> 4.5, then {4.5 (w2), 0} -> 3 */
  check_pava((double[]){1, 5, 4, 0}, (double[]){1, 1, 1, 1}, 4, (double[]){1, 3, 3, 3});
  /* cascade reaching the first element: (2*6 + 1*1 + 1*2) / 4 = 3.75 */
  check_pava((double[]){6, 1, 2, 7}, (double[]){2, 1, 1, 1}, 4, (double[]){3.75, 3.75, 3.75, 7});
  check_pava((double[]){42}, (double[]){3}, 1, (double[]){42});
  assert_int_equal(bmd_williams_pava(NULL, NULL, 0, NULL), 0);
}

/* The drcHelper system-test data: Rate,y rows, already sorted by rate. */
typedef struct design {
  double y[64];
  size_t n;
  size_t n_groups;
  size_t start[16], size[16];
  double dose[16];
} design;

static void load_design(design *d) {
  memset(d, 0, sizeof(*d));
  FILE *f = fopen(DATA_DIR "/drchelper_williams_response.csv", "r");
  assert_non_null(f);
  char line[256];
  assert_non_null(fgets(line, sizeof(line), f)); /* header */
  double rate, y;
  while (fscanf(f, "%lf,%lf", &rate, &y) == 2) {
    assert_true(d->n < 64);
    if (d->n_groups == 0 || rate != d->dose[d->n_groups - 1]) {
      assert_true(d->n_groups < 16);
      d->dose[d->n_groups] = rate;
      d->start[d->n_groups] = d->n;
      d->n_groups++;
    }
    d->size[d->n_groups - 1]++;
    d->y[d->n++] = y;
  }
  fclose(f);
  assert_int_equal(d->n, 30);
  assert_int_equal(d->n_groups, 7);
}

static json_t *load_expected(void) {
  json_error_t jerr;
  json_t *root = json_load_file(DATA_DIR "/expected_williams.json", 0, &jerr);
  if (!root)
    fail_msg("expected_williams.json: %s (line %d)", jerr.text, jerr.line);
  return root;
}

/* Published values are keyed by the dose as R prints it. */
static double expected_at(json_t *obj, double dose) {
  char key[32];
  snprintf(key, sizeof(key), "%g", dose);
  json_t *v = json_object_get(obj, key);
  if (!v)
    fail_msg("no expected value for dose %s", key);
  return json_number_value(v);
}

/* PMCMRplus::williamsTest(y ~ Rate, alternative = "less") prints t_i to 3
 * decimals: |ours - published| <= 0.0005 (+ 1e-9 for the rounding edge). */
static void test_statistic_against_pmcmrplus(void **state) {
  (void)state;
  design d;
  load_design(&d);
  json_t *root = load_expected();
  json_t *pm = json_object_get(root, "PMCMRplus_williamsTest_less");
  json_t *tb = json_object_get(pm, "statistic_t_bar");
  assert_non_null(tb);
  double iso[16], t[16], s2;
  assert_int_equal(
      bmd_williams_tbar(d.y, d.n_groups, d.start, d.size, BMD_WILLIAMS_DOWN, iso, t, &s2), 0);
  for (size_t i = 1; i < d.n_groups; i++)
    assert_double_equal(t[i - 1], expected_at(tb, d.dose[i]), 0.0005 + 1e-9);

  /* pooled: df 23, control mean (4 decimals) and SE of the difference
   * s * sqrt(1/n_i + 1/n_0) (4 significant digits), equal for all groups */
  json_t *pooled = json_object_get(root, "pooled");
  assert_int_equal(json_integer_value(json_object_get(pooled, "df")),
                   (json_int_t)(d.n - d.n_groups));
  double ctrl = 0;
  for (size_t j = 0; j < d.size[0]; j++)
    ctrl += d.y[j] / (double)d.size[0];
  assert_double_equal(ctrl, json_number_value(json_object_get(pooled, "control_mean")), 5e-5);
  double se = sqrt(s2 * (1.0 / d.size[1] + 1.0 / d.size[0]));
  assert_double_equal(
      se, json_number_value(json_object_get(pooled, "se_diff_equal_for_all_groups")), 5e-7);

  /* isotonic means: drcHelper's williamsTest_JG rounds intermediates, so
   * its printed means agree only to ~1e-4 */
  json_t *jg = json_object_get(json_object_get(root, "drcHelper_williamsTest_JG_decreasing"),
                               "isotonic_means");
  for (size_t i = 1; i < d.n_groups; i++)
    assert_double_equal(iso[i - 1], expected_at(jg, d.dose[i]), 1e-4);
  /* the amalgamation pooled the two top doses (published equal means) */
  assert_true(iso[d.n_groups - 2] == iso[d.n_groups - 3]);

  /* two-sided T is the decreasing t at the top dose here */
  double stat;
  assert_int_equal(bmd_williams_stat(d.y, d.n_groups, d.start, d.size, &stat), 0);
  assert_double_equal(stat, expected_at(tb, d.dose[d.n_groups - 1]), 0.0005 + 1e-9);
  json_decref(root);
}

/* T is unchanged by y -> a + b y for any b != 0 (b < 0 swaps the
 * directions), and t_i(up) of y equals t_i(down) of -y. */
static void test_statistic_invariances(void **state) {
  (void)state;
  design d;
  load_design(&d);
  double t0, t1, t2, y2[64];
  assert_int_equal(bmd_williams_stat(d.y, d.n_groups, d.start, d.size, &t0), 0);
  for (size_t j = 0; j < d.n; j++)
    y2[j] = 5.0 - 3.0 * d.y[j];
  assert_int_equal(bmd_williams_stat(y2, d.n_groups, d.start, d.size, &t1), 0);
  assert_double_equal(t1, t0, 1e-9 * t0);
  for (size_t j = 0; j < d.n; j++)
    y2[j] = -d.y[j];
  double up[16], dn[16];
  assert_int_equal(
      bmd_williams_tbar(d.y, d.n_groups, d.start, d.size, BMD_WILLIAMS_UP, NULL, up, NULL), 0);
  assert_int_equal(
      bmd_williams_tbar(y2, d.n_groups, d.start, d.size, BMD_WILLIAMS_DOWN, NULL, dn, NULL), 0);
  for (size_t i = 0; i + 1 < d.n_groups; i++)
    assert_double_equal(up[i], dn[i], 1e-12 * (1 + fabs(up[i])));
  assert_int_equal(bmd_williams_stat(y2, d.n_groups, d.start, d.size, &t2), 0);
  assert_double_equal(t2, t0, 1e-12 * t0);
}

static void test_statistic_degenerate(void **state) {
  (void)state;
  size_t start[3] = {0, 2, 4}, size[3] = {2, 2, 2};
  double flat[6] = {7, 7, 7, 7, 7, 7}, stat = -1;
  assert_int_equal(bmd_williams_stat(flat, 3, start, size, &stat), 0);
  assert_true(stat == 0.0);
  /* no within-group spread, a real trend: +inf */
  double steps[6] = {1, 1, 2, 2, 3, 3};
  assert_int_equal(bmd_williams_stat(steps, 3, start, size, &stat), 0);
  assert_true(isinf(stat) && stat > 0);
  /* bad designs */
  size_t one[1] = {6}, zero_start[1] = {0};
  assert_int_equal(bmd_williams_stat(flat, 1, zero_start, one, &stat), -1);
  size_t s3[3] = {0, 1, 2}, n3[3] = {1, 1, 1}; /* nu = 0 */
  assert_int_equal(bmd_williams_stat(flat, 3, s3, n3, &stat), -1);
  size_t ez[3] = {0, 2, 2}, en[3] = {2, 0, 4}; /* an empty group */
  assert_int_equal(bmd_williams_stat(flat, 3, ez, en, &stat), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pava_hand_cases),
      cmocka_unit_test(test_statistic_against_pmcmrplus),
      cmocka_unit_test(test_statistic_invariances),
      cmocka_unit_test(test_statistic_degenerate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
