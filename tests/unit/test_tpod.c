/*
 * test_tpod.c - transcriptomic points of departure on hand-built cases:
 * the rank-th gene, the percentile (linear between order statistics, as
 * numpy.percentile's default), the most sensitive active gene set, and the
 * reasons given when a value cannot be computed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/tpod.h"

#define assert_near(got, want, tol) check_near((got), (want), (tol), __FILE__, __LINE__)
static void check_near(double got, double want, double tol, const char *file, int line) {
  if (!(fabs(got - want) <= tol)) {
    print_error("got %.17g want %.17g (tol %g)\n", got, want, tol);
    _fail(file, line);
  }
}

static void test_quantile(void **state) {
  (void)state;
  double x[20];
  for (int i = 0; i < 20; i++)
    x[i] = i + 1;
  /* n = 20, p = 0.1: h = 1.9 -> 2 + 0.9 (3 - 2) = 2.9 */
  assert_near(bmd_quantile_sorted(x, 20, 0.10), 2.9, 1e-12);
  /* n = 11: h = 1 exactly -> x_1 = 2 */
  assert_near(bmd_quantile_sorted(x, 11, 0.10), 2.0, 1e-12);
  assert_near(bmd_quantile_sorted(x, 20, 1.0), 20.0, 1e-12);
  assert_true(isnan(bmd_quantile_sorted(x, 0, 0.1)));
}

static void test_rank_and_percentile(void **state) {
  (void)state;
  double bmd[30], bmdl[30];
  const char *ids[30];
  char names[30][8];
  /* BMD 1..30 in a scrambled order: 7i mod 30 + 1 (gcd(7, 30) = 1) */
  for (int i = 0; i < 30; i++) {
    bmd[i] = (7 * i) % 30 + 1;
    bmdl[i] = bmd[i] / 2;
    snprintf(names[i], sizeof(names[i]), "g%02.0f", bmd[i]);
    ids[i] = names[i];
  }
  bmd_tpod_value v;
  bmd_tpod_rank(bmd, bmdl, ids, 30, 25, &v);
  assert_true(v.available);
  assert_near(v.bmd, 25.0, 0);
  assert_near(v.bmdl, 12.5, 0);
  assert_string_equal(v.gene_id, "g25");
  assert_int_equal(v.n_genes, 30);
  bmd_tpod_rank(bmd, bmdl, ids, 24, 25, &v);
  assert_false(v.available);
  assert_true(isnan(v.bmd));
  assert_non_null(strstr(v.reason, "only 24 genes"));

  /* BMDs 1..30: h = 2.9 -> 3.9; BMDLs 0.5..15: 1.95 */
  bmd_tpod_percentile(bmd, bmdl, 30, 0.10, &v);
  assert_true(v.available);
  assert_near(v.bmd, 3.9, 1e-12);
  assert_near(v.bmdl, 1.95, 1e-12);
  bmd_tpod_percentile(bmd, bmdl, 9, 0.10, &v);
  assert_false(v.available);
  assert_non_null(strstr(v.reason, "at least 10"));
  bmd_tpod_percentile(bmd, bmdl, 10, 0.10, &v);
  assert_true(v.available);
}

/*
 * Sets (platform genes / genes passing, BMDs):
 *   S1: 100 / 3 (1, 1, 1)  -> 3% of the set: not active
 *   S2: 10 / 3 (5, 6, 7)   -> active, median 6
 *   S3: 2 / 2 (0.5, 0.5)   -> fewer than 3 genes: not active
 *   S4: 20 / 4 (8, 9, 10, 11) -> active, median 9.5
 * Most sensitive active set: S2 (median BMD 6, median BMDL 3), 2 active sets.
 */
static void test_gene_set(void **state) {
  (void)state;
  bmd_annotation *a = bmd_annotation_new();
  bmd_cat_probe *p = calloc(200, sizeof(*p));
  char(*pid)[32] = calloc(200, 32), gid[32];
  size_t np = 0;
  struct {
    const char *id;
    size_t platform;
    double bmds[4];
    size_t n;
  } sets[] = {{"S1", 100, {1, 1, 1}, 3},
              {"S2", 10, {5, 6, 7}, 3},
              {"S3", 2, {0.5, 0.5}, 2},
              {"S4", 20, {8, 9, 10, 11}, 4}};
  for (size_t s = 0; s < 4; s++)
    for (size_t j = 0; j < sets[s].platform; j++) {
      snprintf(pid[np], 32, "%s_p%zu", sets[s].id, j);
      snprintf(gid, sizeof(gid), "%s_g%zu", sets[s].id, j);
      assert_int_equal(bmd_annotation_add_probe_gene(a, pid[np], gid), 0);
      assert_int_equal(bmd_annotation_add_category_gene(a, sets[s].id, sets[s].id, gid), 0);
      if (j < sets[s].n) {
        double b = sets[s].bmds[j];
        p[np] = (bmd_cat_probe){pid[np], b, b / 2, b * 2, 0.5, 0.9, 2.0, 1, "Hill", 0, 0};
      } else {
        p[np] = (bmd_cat_probe){pid[np], 500, 250, 1000, 0.5, 0.9, 2.0, 1, "Hill", 0, 0};
      }
      np++;
    }
  bmd_category_options o = bmd_category_options_default();
  char err[128];
  bmd_category_analysis *ca = bmd_category_run(a, p, np, NULL, 0, 100, 1, &o, err, sizeof(err));
  assert_non_null(ca);
  bmd_tpod t;
  bmd_tpod_compute(ca, NULL, &t);
  assert_true(t.gene_set.available);
  assert_string_equal(t.gene_set.set_id, "S2");
  assert_near(t.gene_set.bmd, 6.0, 1e-12);
  assert_near(t.gene_set.bmdl, 3.0, 1e-12);
  assert_int_equal(t.gene_set.n_genes, 3);
  assert_int_equal(t.gene_set.n_sets, 2);
  /* 12 genes passed (BMD 500 > highest dose 100 removes the rest) */
  assert_false(t.rank.available);
  assert_int_equal(t.rank.n_genes, 12);
  assert_true(t.percentile.available);
  /* sorted BMDs 0.5 0.5 1 1 1 5 6 7 8 9 10 11; h = 1.1 -> 0.5 + 0.1 (1 - 0.5) = 0.55 */
  assert_near(t.percentile.bmd, 0.55, 1e-12);
  bmd_category_analysis_destroy(ca);

  /* with the fraction raised to 50% no set is active */
  bmd_tpod_options to = bmd_tpod_options_default();
  to.min_set_fraction = 0.5;
  ca = bmd_category_run(a, p, np, NULL, 0, 100, 1, &o, err, sizeof(err));
  bmd_tpod_compute(ca, &to, &t);
  assert_false(t.gene_set.available);
  assert_non_null(strstr(t.gene_set.reason, "none of 4 gene sets"));
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(a);
  free(p);
  free(pid);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quantile),
      cmocka_unit_test(test_rank_and_percentile),
      cmocka_unit_test(test_gene_set),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
