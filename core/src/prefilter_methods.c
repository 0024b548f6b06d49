/*
 * prefilter_methods.c - the prefilter method table (bmd/prefilter_method.h):
 * one-way ANOVA, the Williams trend test, and none.
 */
#include <string.h>

#include "bmd/prefilter.h"
#include "bmd/prefilter_method.h"
#include "bmd/williams.h"

/* ANOVA: Df1, Df2 and F per probe, before the p-values (BMDExpress's
 * column order). */
static int anova_test(const bmd_dataset *ds, const bmd_prefilter_test_options *o, double *values,
                      double *p, char *errstr, size_t errstr_size) {
  (void)o;
  (void)errstr;
  (void)errstr_size;
  for (size_t i = 0; i < ds->n_probes; i++) {
    bmd_anova a = bmd_anova_probe(ds, i);
    values[3 * i] = a.df1;
    values[3 * i + 1] = a.df2;
    values[3 * i + 2] = a.f;
    p[i] = a.p;
  }
  return 0;
}

/* Williams: the statistic T per probe, after NOTEL/LOTEL. */
static int williams_test(const bmd_dataset *ds, const bmd_prefilter_test_options *o, double *values,
                         double *p, char *errstr, size_t errstr_size) {
  bmd_williams_options w = bmd_williams_options_default();
  w.permutations = o->permutations;
  w.seed = o->seed;
  w.threads = o->threads;
  return bmd_williams_run(ds, &w, values, p, errstr, errstr_size);
}

static const char *const anova_columns[] = {"Df1", "Df2", "F-Value"};
static const char *const williams_columns[] = {"Williams Statistic"};

static const bmd_prefilter_method anova = {"anova", "One-way ANOVA", 3, anova_columns, 1,
                                           2,       anova_test};
static const bmd_prefilter_method williams = {
    "williams", "Williams trend test", 1, williams_columns, 0, 0, williams_test};
static const bmd_prefilter_method none = {
    "none", "No test (control and fold filters only)", 0, NULL, 0, -1, NULL};

const bmd_prefilter_method *const bmd_prefilter_methods[] = {&anova, &williams, &none};
const size_t bmd_prefilter_methods_count =
    sizeof(bmd_prefilter_methods) / sizeof(bmd_prefilter_methods[0]);

const bmd_prefilter_method *bmd_prefilter_method_find(const char *name) {
  for (size_t i = 0; name && i < bmd_prefilter_methods_count; i++)
    if (strcmp(bmd_prefilter_methods[i]->name, name) == 0)
      return bmd_prefilter_methods[i];
  return NULL;
}
