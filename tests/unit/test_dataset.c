/*
 * test_dataset.c - stable sort by dose and dose grouping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/dataset.h"

static void test_sort_is_stable_and_groups(void **state) {
  (void)state;
  bmd_dataset *ds = bmd_dataset_new(1, 5);
  assert_non_null(ds);
  double doses[5] = {10, 0, 10, 0, 1};
  double vals[5] = {1, 2, 3, 4, 5};
  const char *ids[5] = {"a", "b", "c", "d", "e"};
  for (int s = 0; s < 5; s++) {
    ds->doses[s] = doses[s];
    ds->values[s] = vals[s];
    ds->sample_ids[s] = strdup(ids[s]);
  }
  assert_int_equal(bmd_dataset_group(ds), 0);
  const char *want_ids[5] = {"b", "d", "e", "a", "c"};
  double want_vals[5] = {2, 4, 5, 1, 3};
  for (int s = 0; s < 5; s++) {
    assert_string_equal(ds->sample_ids[s], want_ids[s]);
    assert_true(ds->values[s] == want_vals[s]);
  }
  assert_int_equal(ds->n_groups, 3);
  assert_int_equal(ds->group_size[0], 2);
  assert_int_equal(ds->group_size[1], 1);
  assert_int_equal(ds->group_size[2], 2);
  assert_int_equal(ds->group_start[2], 3);
  assert_true(ds->group_dose[2] == 10.0);
  bmd_dataset_destroy(ds);
  bmd_dataset_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sort_is_stable_and_groups)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
