/*
 * test_prefilter_methods.c - the prefilter method table
 * (bmd/prefilter_method.h): every method found by its name and only by
 * it, its facts consistent (columns and statistic for a test, none
 * without), and its test giving the same numbers as the function it
 * wraps (ANOVA: bmd_anova_probe, probe by probe).
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
#include "bmd/prefilter.h"
#include "bmd/prefilter_method.h"

static void test_table(void **state) {
  (void)state;
  assert_true(bmd_prefilter_methods_count >= 3);
  for (size_t i = 0; i < bmd_prefilter_methods_count; i++) {
    const bmd_prefilter_method *m = bmd_prefilter_methods[i];
    assert_ptr_equal(bmd_prefilter_method_find(m->name), m);
    assert_non_null(m->title);
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(bmd_prefilter_methods[j]->name, m->name);
    assert_false(m->test && m->after); /* one test: before the flow or after it */
    if (m->test || m->after) {
      assert_true(m->n_columns > 0);
      assert_true(m->stat_column >= 0 && (size_t)m->stat_column < m->n_columns);
      for (size_t c = 0; c < m->n_columns; c++)
        assert_non_null(m->columns[c]);
    } else {
      assert_int_equal(m->n_columns, 0);
      assert_int_equal(m->stat_column, -1);
    }
  }
  const bmd_prefilter_method *cf = bmd_prefilter_method_find("curvefit");
  assert_non_null(cf);
  assert_non_null(cf->after);
  assert_string_equal(cf->label(0, (double)BMD_MODEL_EXP5), "Exp 5");
  assert_null(cf->label(1, 3.0)); /* the BMD is a number */
  assert_null(bmd_prefilter_method_find("dunnett"));
  assert_null(bmd_prefilter_method_find(NULL));
  assert_null(bmd_prefilter_method_find("ANOVA")); /* names are exact */
}

static void test_anova_test_wraps_anova(void **state) {
  (void)state;
  /* 2 probes, 3 groups of 2 */
  const double dose[] = {0, 0, 1, 1, 10, 10};
  const double values[] = {1.0, 1.2, 1.9, 2.2, 3.1, 2.8, 5.0, 5.0, 5.1, 4.9, 5.0, 5.2};
  const char *ids[] = {"a", "b"};
  char err[256];
  bmd_dataset *ds = bmd_dataset_new(2, 6);
  assert_non_null(ds);
  memcpy(ds->doses, dose, sizeof(dose));
  memcpy(ds->values, values, sizeof(values));
  for (size_t i = 0; i < 2; i++)
    ds->probe_ids[i] = strdup(ids[i]);
  for (size_t s = 0; s < 6; s++)
    ds->sample_ids[s] = strdup("s");
  assert_int_equal(bmd_dataset_group(ds), 0);
  const bmd_prefilter_method *m = bmd_prefilter_method_find("anova");
  double v[6], p[2];
  bmd_prefilter_test_options o = {.permutations = 0, .seed = 0, .threads = 1};
  assert_int_equal(m->test(ds, &o, v, p, err, sizeof(err)), 0);
  for (size_t i = 0; i < 2; i++) {
    bmd_anova a = bmd_anova_probe(ds, i);
    assert_true(v[3 * i] == a.df1 && v[3 * i + 1] == a.df2);
    assert_true(v[3 * i + 2] == a.f && p[i] == a.p);
  }
  assert_true(p[0] < 0.05 && p[1] > 0.5);
  bmd_dataset_destroy(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_anova_test_wraps_anova),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
