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

/* A small deterministic generator for test data (not the one under test). */
static double lcg_uniform(uint64_t *x) {
  *x = *x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return ((double)(*x >> 11) + 0.5) / 9007199254740992.0;
}

static double lcg_normal(uint64_t *x) {
  double u = lcg_uniform(x), v = lcg_uniform(x);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n_probes probes over the given doses (any order); probe p has a trend of
 * slope (p % 5 - 2) * effect per dose index plus N(0, 1) noise. */
static bmd_dataset *make_dataset(size_t n_probes, const double *doses, size_t n, double effect,
                                 uint64_t seed) {
  bmd_dataset *ds = bmd_dataset_new(n_probes, n);
  assert_non_null(ds);
  uint64_t x = seed;
  char id[32];
  for (size_t s = 0; s < n; s++) {
    ds->doses[s] = doses[s];
    snprintf(id, sizeof(id), "s%zu", s);
    ds->sample_ids[s] = strdup(id);
  }
  for (size_t p = 0; p < n_probes; p++) {
    snprintf(id, sizeof(id), "probe_%zu", p);
    ds->probe_ids[p] = strdup(id);
    double slope = ((double)(p % 5) - 2.0) * effect;
    for (size_t s = 0; s < n; s++)
      ds->values[p * n + s] = 3.0 + slope * doses[s] + lcg_normal(&x);
  }
  assert_int_equal(bmd_dataset_group(ds), 0);
  return ds;
}

static const double design12[12] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};

static void run_ok(const bmd_dataset *ds, unsigned perms, uint64_t seed, unsigned threads,
                   double *stat, double *p) {
  bmd_williams_options o = bmd_williams_options_default();
  o.permutations = perms;
  o.seed = seed;
  o.threads = threads;
  char err[256] = "";
  if (bmd_williams_run(ds, &o, stat, p, err, sizeof(err)) != 0)
    fail_msg("bmd_williams_run: %s", err);
}

static void test_options_default(void **state) {
  (void)state;
  bmd_williams_options o = bmd_williams_options_default();
  assert_int_equal(o.permutations, 10000); /* BMDExpress command-line default */
  assert_true(o.seed == 23524);            /* BMDExpress's seed */
  assert_int_equal(o.threads, 1);
}

/* The closed form used by the permutation engine reports the same T as the
 * PAVA route, for every probe (including a flat one). */
static void test_run_stat_matches_pava_route(void **state) {
  (void)state;
  bmd_dataset *ds = make_dataset(37, design12, 12, 0.7, 11);
  for (size_t s = 0; s < 12; s++)
    ds->values[5 * 12 + s] = 2.5; /* a flat probe */
  double stat[37], p[37];
  run_ok(ds, 50, 1, 1, stat, p);
  for (size_t q = 0; q < 37; q++) {
    double t;
    assert_int_equal(bmd_williams_stat(bmd_dataset_row(ds, q), ds->n_groups, ds->group_start,
                                       ds->group_size, &t),
                     0);
    assert_double_equal(stat[q], t, 1e-12 * (1.0 + t));
  }
  assert_true(stat[5] == 0.0 && p[5] == 1.0);
  bmd_dataset_destroy(ds);
}

/* 1, 2 and 3 threads give bit-identical output; the same seed reproduces
 * it; another seed changes some p-values. 101 probes: not a multiple of the
 * block size. */
static void test_run_threads_and_seed(void **state) {
  (void)state;
  enum { P = 101 };
  bmd_dataset *ds = make_dataset(P, design12, 12, 0.3, 12);
  static double s1[P], p1[P], s2[P], p2[P], s3[P], p3[P], s4[P], p4[P];
  run_ok(ds, 3000, 99, 1, s1, p1);
  run_ok(ds, 3000, 99, 2, s2, p2);
  run_ok(ds, 3000, 99, 3, s3, p3);
  assert_memory_equal(s1, s2, sizeof(s1));
  assert_memory_equal(p1, p2, sizeof(p1));
  assert_memory_equal(s1, s3, sizeof(s1));
  assert_memory_equal(p1, p3, sizeof(p1));
  run_ok(ds, 3000, 99, 1, s4, p4);
  assert_memory_equal(p1, p4, sizeof(p1));
  run_ok(ds, 3000, 100, 2, s4, p4);
  assert_memory_equal(s1, s4, sizeof(s1)); /* statistics do not depend on the seed */
  size_t differ = 0;
  for (size_t q = 0; q < P; q++) {
    differ += p1[q] != p4[q];
    assert_true(p1[q] >= 1.0 / 3001.0 && p1[q] <= 1.0);
  }
  assert_true(differ > P / 2);
  bmd_dataset_destroy(ds);
}

/* Next permutation in lexicographic order; false after the last. */
static int next_permutation(size_t *a, size_t n) {
  size_t i = n - 1;
  while (i > 0 && a[i - 1] >= a[i])
    i--;
  if (i == 0)
    return 0;
  size_t j = n - 1;
  while (a[j] <= a[i - 1])
    j--;
  size_t t = a[i - 1];
  a[i - 1] = a[j];
  a[j] = t;
  for (size_t l = i, r = n - 1; l < r; l++, r--) {
    t = a[l];
    a[l] = a[r];
    a[r] = t;
  }
  return 1;
}

/* Exact permutation p-value by enumerating all 7! = 5040 orderings of a
 * 3 + 2 + 2 design with the PAVA route, against ours with B = 20000:
 * |p - p_exact| <= 4 sqrt(p_exact (1 - p_exact) / B) + 2 / B. */
static void test_run_pvalue_exact_enumeration(void **state) {
  (void)state;
  const double doses[7] = {0, 0, 0, 1, 1, 2, 2};
  enum { P = 12, B = 20000 };
  bmd_dataset *ds = make_dataset(P, doses, 7, 0.8, 13);
  double stat[P], p[P];
  run_ok(ds, B, 7, 2, stat, p);
  for (size_t q = 0; q < P; q++) {
    const double *row = bmd_dataset_row(ds, q);
    double t_obs, t, y[7];
    assert_int_equal(bmd_williams_stat(row, 3, ds->group_start, ds->group_size, &t_obs), 0);
    size_t idx[7] = {0, 1, 2, 3, 4, 5, 6}, total = 0, hits = 0;
    do {
      for (size_t s = 0; s < 7; s++)
        y[s] = row[idx[s]];
      assert_int_equal(bmd_williams_stat(y, 3, ds->group_start, ds->group_size, &t), 0);
      hits += t >= t_obs * (1.0 - 1e-9);
      total++;
    } while (next_permutation(idx, 7));
    assert_int_equal(total, 5040);
    double pe = (double)hits / (double)total;
    double tol = 4.0 * sqrt(pe * (1.0 - pe) / B) + 2.0 / B;
    if (fabs(p[q] - pe) > tol)
      fail_msg("probe %zu: p = %.6f, exact %.6f, tol %.6f", q, p[q], pe, tol);
  }
  bmd_dataset_destroy(ds);
}

/* The published example: T = 24.47 is far beyond any relabelling (the
 * control and top groups do not overlap), so p = 1 / (B + 1). */
static void test_run_published_example_pvalue(void **state) {
  (void)state;
  design d;
  load_design(&d);
  bmd_dataset *ds = bmd_dataset_new(1, d.n);
  assert_non_null(ds);
  size_t g = 0;
  for (size_t s = 0; s < d.n; s++) {
    if (g + 1 < d.n_groups && s == d.start[g + 1])
      g++;
    ds->doses[s] = d.dose[g];
    ds->values[s] = d.y[s];
  }
  assert_int_equal(bmd_dataset_group(ds), 0);
  double stat, p;
  run_ok(ds, 999, 5, 1, &stat, &p);
  assert_double_equal(stat, 24.468, 0.0005 + 1e-9);
  assert_true(p == 1.0 / 1000.0);
  bmd_dataset_destroy(ds);
}

static void test_run_errors(void **state) {
  (void)state;
  bmd_dataset *ds = make_dataset(3, design12, 12, 0.0, 14);
  double stat[3], p[3];
  char err[256] = "";
  bmd_williams_options o = bmd_williams_options_default();
  o.permutations = 10;
  ds->values[1 * 12 + 4] = NAN;
  assert_int_equal(bmd_williams_run(ds, &o, stat, p, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "probe_1"));
  assert_non_null(strstr(err, "s4"));
  bmd_dataset_destroy(ds);
  const double one_dose[4] = {1, 1, 1, 1};
  ds = make_dataset(3, one_dose, 4, 0.0, 15);
  assert_int_equal(bmd_williams_run(ds, &o, stat, p, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "dose group"));
  bmd_dataset_destroy(ds);
  const double no_df[3] = {0, 1, 2};
  ds = make_dataset(3, no_df, 3, 0.0, 16);
  assert_int_equal(bmd_williams_run(ds, &o, stat, p, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "degrees of freedom"));
  bmd_dataset_destroy(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pava_hand_cases),
      cmocka_unit_test(test_statistic_against_pmcmrplus),
      cmocka_unit_test(test_statistic_invariances),
      cmocka_unit_test(test_statistic_degenerate),
      cmocka_unit_test(test_options_default),
      cmocka_unit_test(test_run_stat_matches_pava_route),
      cmocka_unit_test(test_run_threads_and_seed),
      cmocka_unit_test(test_run_pvalue_exact_enumeration),
      cmocka_unit_test(test_run_published_example_pvalue),
      cmocka_unit_test(test_run_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
