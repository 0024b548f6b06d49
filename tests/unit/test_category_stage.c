/*
 * test_category_stage.c - the in-memory category step of `bmdstream
 * analyze`: 40 probes of BMDExpress's `example data 1.txt` fitted with
 * Linear, Poly 2 and Power, then categories with the Hallmark map. Checks
 * the plumbing: every output file is written, the curve plots are the
 * probes with the smallest best BMDs, in order, and bad arguments are
 * refused with a reason. (The numbers are checked against numpy and SciPy
 * in tests/reference/test_categories.py and test_curve_plots.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/category_stage.h"
#include "bs/matrix_import.h"

#define DATA BS_TEST_DATA "/bmdexpress/"
#define N_FIT 40

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  char *buf = calloc(1, 1 << 20);
  size_t n = fread(buf, 1, (1 << 20) - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

static void test_stage(void **state) {
  (void)state;
  char err[1024];
  bmd_dataset *ds = NULL;
  bs_import_limits lim = bs_import_limits_default();
  assert_int_equal(
      bs_matrix_import_file(DATA "example data 1.txt", &lim, BMD_LOG_BASE2, &ds, err, sizeof err),
      0);
  if (ds->n_groups == 0)
    assert_int_equal(bmd_dataset_group(ds), 0);
  bmd_probes_options po = bmd_probes_options_default();
  po.model_mask = (1u << BMD_MODEL_LINEAR) | (1u << BMD_MODEL_POLY2) | (1u << BMD_MODEL_POWER);
  bmd_probe_fit *fits = calloc(N_FIT, sizeof *fits);
  size_t rows[N_FIT];
  for (size_t i = 0; i < N_FIT; i++)
    rows[i] = i * 7;
  assert_int_equal(bmd_probes_fit(ds, rows, N_FIT, &po, fits, err, sizeof err), 0);

  char dir[] = "/tmp/category_stage_XXXXXX";
  assert_non_null(mkdtemp(dir));
  bs_category_stage_args a = bs_category_stage_defaults();
  a.probe_map = DATA "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt";
  a.category_map = DATA "Category Map File_ MsigDB Hallmark Gene Sets.txt";
  a.n_curves = 4;
  FILE *report = tmpfile();
  if (bs_category_stage_run(dir, ds, fits, N_FIT, &a, report, err, sizeof err) != 0)
    fail_msg("%s", err);
  fclose(report);

  char path[4096];
  snprintf(path, sizeof path, "%s/categories.tsv", dir);
  char *tsv = slurp(path);
  assert_non_null(tsv);
  assert_true(strncmp(tsv, "GO/Pathway/Gene Set/Gene ID\t", 28) == 0);
  free(tsv);
  snprintf(path, sizeof path, "%s/tpod.json", dir);
  json_error_t je;
  json_t *tj = json_load_file(path, 0, &je);
  assert_non_null(tj);
  json_decref(tj);

  /* the probes with a best model, BMD > 0 and <= highest dose, by BMD */
  double highest = ds->group_dose[ds->n_groups - 1], bmds[N_FIT];
  size_t m = 0;
  for (size_t i = 0; i < N_FIT; i++)
    if (fits[i].best.best >= 0 && fits[i].best.bmd > 0 && fits[i].best.bmd <= highest)
      bmds[m++] = fits[i].best.bmd;
  qsort(bmds, m, sizeof *bmds, cmp_double);
  size_t expect = m < 4 ? m : 4;
  for (size_t r = 0; r < expect; r++) {
    /* find curve_NN_*.svg and its BMD marker */
    char prefix[32];
    snprintf(prefix, sizeof prefix, "curve_%02zu_", r + 1);
    snprintf(path, sizeof path, "%s/plots", dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    char *svg = NULL;
    while ((e = readdir(d)))
      if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
        snprintf(path, sizeof path, "%s/plots/%s", dir, e->d_name);
        svg = slurp(path);
      }
    closedir(d);
    assert_non_null(svg);
    const char *mk = strstr(svg, "data-kind=\"BMD\" data-value=\"");
    assert_non_null(mk);
    assert_true(strtod(mk + strlen("data-kind=\"BMD\" data-value=\""), NULL) == bmds[r]);
    assert_non_null(strstr(svg, "class=\"curve\""));
    free(svg);
  }
  /* refusals */
  a.gmt = "x.gmt";
  assert_int_equal(bs_category_stage_run(dir, ds, fits, N_FIT, &a, NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "one of a category map"));
  a.gmt = NULL;
  a.category_map = "/nonexistent/categories.txt";
  assert_int_equal(bs_category_stage_run(dir, ds, fits, N_FIT, &a, NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "/nonexistent/categories.txt"));

  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(fits);
  bmd_dataset_destroy(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_stage)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
