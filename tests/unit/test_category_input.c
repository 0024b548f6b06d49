/*
 * test_category_input.c - the category step's per-probe inputs: read from
 * a bmd.tsv (columns by name in any order, "none" models, CRLF, errors
 * naming file, line and column) and adapted from bmd_probes_fit results.
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
#include <unistd.h>

#include "bs/bmd_export.h"
#include "bs/category_input.h"

static char dir[] = "/tmp/bs_catin_XXXXXX";

static const char *write_file(const char *name, const char *text) {
  static char path[256];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_read(void **state) {
  (void)state;
  char err[256];
  /* columns in another order, an extra one, a probe without best model */
  const char *path = write_file("ok.tsv", "Extra\tBest BMD\tProbe ID\tBest BMDL\tBest BMDU\t"
                                          "Best fitPValue\tBest RSquared\tBest adverseDirection\t"
                                          "Max Fold Change\tBest Model\r\n"
                                          "x\t12.5\tp1\t6\t30\t0.4\t0.9\t-1\t-2.5\tHill\r\n"
                                          "x\t\tp2\t\t\t\t\t\t1.5\tnone\r\n");
  bs_cat_probes *p = bs_cat_probes_read_tsv(path, err, sizeof(err));
  if (!p)
    fail_msg("%s", err);
  assert_int_equal(p->n, 2);
  assert_string_equal(p->probes[0].id, "p1");
  assert_true(p->probes[0].bmd == 12.5 && p->probes[0].bmdl == 6 && p->probes[0].bmdu == 30);
  assert_true(p->probes[0].fit_p == 0.4 && p->probes[0].r_squared == 0.9);
  assert_int_equal(p->probes[0].direction, -1);
  assert_true(p->probes[0].max_fold_change == -2.5);
  assert_string_equal(p->probes[0].model, "Hill");
  assert_true(isnan(p->probes[1].bmd));
  assert_null(p->probes[1].model);
  /* no step-function columns: the flags are unknown */
  assert_int_equal(p->probes[0].step_function, -1);
  assert_int_equal(p->probes[0].step_below_low_dose, -1);
  bs_cat_probes_destroy(p);
  bs_cat_probes_destroy(NULL);
  /* with them: true 1, false 0, empty -1 */
  path = write_file("step.tsv", "Probe ID\tBest Model\tBest BMD\tBest BMDL\tBest BMDU\t"
                                "Best fitPValue\tBest RSquared\tBest adverseDirection\t"
                                "Max Fold Change\tBest Is Step Function\t"
                                "Best Is Step Function Less Than Lowest Dose\n"
                                "p1\tHill\t1\t0.5\t2\t0.3\t0.9\t1\t2\ttrue\tfalse\n"
                                "p2\tnone\t\t\t\t\t\t\t2\t\t\n");
  p = bs_cat_probes_read_tsv(path, err, sizeof(err));
  if (!p)
    fail_msg("%s", err);
  assert_int_equal(p->probes[0].step_function, 1);
  assert_int_equal(p->probes[0].step_below_low_dose, 0);
  assert_int_equal(p->probes[1].step_function, -1);
  bs_cat_probes_destroy(p);
}

static void expect_error(const char *name, const char *text, const char *want) {
  char err[256] = "";
  const char *path = write_file(name, text);
  bs_cat_probes *p = bs_cat_probes_read_tsv(path, err, sizeof(err));
  if (p || !strstr(err, want))
    fail_msg("%s: got \"%s\", wanted \"%s\"", name, err, want);
}

static void test_errors(void **state) {
  (void)state;
  const char *head = "Probe ID\tBest Model\tBest BMD\tBest BMDL\tBest BMDU\tBest fitPValue\t"
                     "Best RSquared\tBest adverseDirection\tMax Fold Change\n";
  char text[1024];
  expect_error("empty.tsv", "", "empty.tsv: empty file");
  expect_error("nocol.tsv", "Probe ID\tBest BMD\n", "nocol.tsv:1: no column \"Best Model\"");
  snprintf(text, sizeof(text), "%sp1\tHill\t1\t2\n", head);
  expect_error("short.tsv", text, "short.tsv:2: 4 fields, the header has 9");
  snprintf(text, sizeof(text), "%sp1\tHill\t1\t0.5\t2\t0.3\t0.9\tup\t2\n", head);
  expect_error("dir.tsv", text, "dir.tsv:2: column \"Best adverseDirection\": not a number");
  snprintf(text, sizeof(text), "%s\tHill\t1\t0.5\t2\t0.3\t0.9\t1\t2\n", head);
  expect_error("noid.tsv", text, "noid.tsv:2: empty \"Probe ID\"");
  expect_error("step.tsv",
               "Probe ID\tBest Model\tBest BMD\tBest BMDL\tBest BMDU\tBest fitPValue\t"
               "Best RSquared\tBest adverseDirection\tMax Fold Change\tBest Is Step Function\n"
               "p1\tHill\t1\t0.5\t2\t0.3\t0.9\t1\t2\tyes\n",
               "step.tsv:2: column \"Best Is Step Function\": expected true, false or empty");
}

/* bmd.tsv written by bs_bmd_tsv_write reads back as the adapter gives it. */
static void test_roundtrip_from_fits(void **state) {
  (void)state;
  static const double doses[] = {0, 1, 3, 10, 30};
  bmd_dataset *ds = bmd_dataset_new(3, 15);
  for (size_t s = 0; s < 15; s++)
    ds->doses[s] = doses[s / 3];
  for (size_t p = 0; p < 3; p++) {
    char id[16];
    snprintf(id, sizeof(id), "probe%zu", p);
    ds->probe_ids[p] = strdup(id);
    for (size_t s = 0; s < 15; s++) {
      double d = ds->doses[s];
      ds->values[p * 15 + s] = 8 + (p == 2 ? -1.0 : 1.0) * (p + 1) * 0.1 * d / (1 + d / 10) +
                               0.05 * (double)((s * 7 + p) % 5) - 0.1;
    }
  }
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  bmd_probes_options opt = bmd_probes_options_default();
  opt.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_LINEAR) | (1u << BMD_MODEL_EXP3);
  bmd_probe_fit fits[3];
  memset(fits, 0, sizeof(fits));
  char err[256];
  assert_int_equal(bmd_probes_fit(ds, NULL, 3, &opt, fits, err, sizeof(err)), 0);
  bs_cat_probes *a = bs_cat_probes_from_fits(ds, fits, 3);
  assert_non_null(a);
  char path[256];
  snprintf(path, sizeof(path), "%s/bmd.tsv", dir);
  FILE *f = fopen(path, "w");
  assert_int_equal(bs_bmd_tsv_write(f, ds, fits, 3, opt.model_mask, opt.fit.variance), 0);
  fclose(f);
  bs_cat_probes *b = bs_cat_probes_read_tsv(path, err, sizeof(err));
  if (!b)
    fail_msg("%s", err);
  assert_int_equal(b->n, 3);
  for (size_t i = 0; i < 3; i++) {
    const bmd_cat_probe *x = &a->probes[i], *y = &b->probes[i];
    assert_string_equal(x->id, y->id);
    assert_true((isnan(x->bmd) && isnan(y->bmd)) || x->bmd == y->bmd);
    assert_true((isnan(x->bmdl) && isnan(y->bmdl)) || x->bmdl == y->bmdl);
    assert_true((isnan(x->bmdu) && isnan(y->bmdu)) || x->bmdu == y->bmdu);
    assert_true((isnan(x->fit_p) && isnan(y->fit_p)) || x->fit_p == y->fit_p);
    assert_true(x->max_fold_change == y->max_fold_change);
    assert_int_equal(x->direction, y->direction);
    assert_int_equal(x->step_function, y->step_function);
    assert_int_equal(x->step_below_low_dose, y->step_below_low_dose);
    if (x->model)
      assert_string_equal(x->model, y->model);
  }
  assert_int_equal(a->probes[0].direction, 1);
  assert_int_equal(a->probes[2].direction, -1);
  bs_cat_probes_destroy(a);
  bs_cat_probes_destroy(b);
  bmd_dataset_destroy(ds);
}

static int setup(void **state) {
  (void)state;
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_roundtrip_from_fits),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
