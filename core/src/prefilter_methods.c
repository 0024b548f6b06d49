/*
 * prefilter_methods.c - the prefilter method table (bmd/prefilter_method.h):
 * one-way ANOVA, the Williams trend test, the curve fit, and none.
 */
#include <math.h>
#include <string.h>

#include "bmd/fit.h"

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

/* Curve fit: the flow's survivors fitted (bmd/prefilter_curvefit.h). */
static int curvefit_after(const bmd_dataset *ds, const bmd_prefilter_test_options *o,
                          const size_t *rows, size_t n, double *values, unsigned char *pass,
                          char *errstr, size_t errstr_size) {
  bmd_curvefit_options c = o->curvefit;
  c.threads = o->threads;
  return bmd_curvefit_run(ds, rows, n, &c, values, pass, errstr, errstr_size);
}

/* Its best model column holds a model id: BMDExpress's label ("Hill"). */
static const char *curvefit_label(size_t column, double value) {
  if (column != BMD_CURVEFIT_MODEL || !(value >= 0))
    return NULL;
  return bmd_model_label((bmd_model)value);
}

static const char *const anova_columns[] = {"Df1", "Df2", "F-Value"};
static const char *const williams_columns[] = {"Williams Statistic"};
/* CurveFitPrefilterResults' columns (BMDExpress-3 mvp/model/prefilter/
 * CurveFitPrefilterResults.java, fillColumnHeader), and the Wald BMDU */
static const char *const curvefit_columns[BMD_CURVEFIT_COLUMNS] = {
    [BMD_CURVEFIT_MODEL] = "Best Model",
    [BMD_CURVEFIT_BMD] = "Best BMD",
    [BMD_CURVEFIT_BMDL] = "Best BMDL",
    [BMD_CURVEFIT_BMDU] = "Best BMDU",
    [BMD_CURVEFIT_FIT_P] = "Goodness of Fit"};

static const bmd_prefilter_method anova = {.name = "anova",
                                           .title = "One-way ANOVA",
                                           .n_columns = 3,
                                           .columns = anova_columns,
                                           .columns_first = 1,
                                           .stat_column = 2,
                                           .test = anova_test};
static const bmd_prefilter_method williams = {.name = "williams",
                                              .title = "Williams trend test",
                                              .n_columns = 1,
                                              .columns = williams_columns,
                                              .columns_first = 0,
                                              .stat_column = 0,
                                              .test = williams_test};
/* no p-value: the fold filter, NOTEL/LOTEL, then the fits of the survivors */
static const bmd_prefilter_method curvefit = {
    .name = "curvefit",
    .title = "Curve fit (the best model's BMD below the highest dose)",
    .n_columns = BMD_CURVEFIT_COLUMNS,
    .columns = curvefit_columns,
    .columns_first = 1,
    .stat_column = BMD_CURVEFIT_BMD,
    .after = curvefit_after,
    .label = curvefit_label};
static const bmd_prefilter_method none = {
    .name = "none", .title = "No test (control and fold filters only)", .stat_column = -1};

const bmd_prefilter_method *const bmd_prefilter_methods[] = {&anova, &williams, &curvefit, &none};
const size_t bmd_prefilter_methods_count =
    sizeof(bmd_prefilter_methods) / sizeof(bmd_prefilter_methods[0]);

const bmd_prefilter_method *bmd_prefilter_method_find(const char *name) {
  for (size_t i = 0; name && i < bmd_prefilter_methods_count; i++)
    if (strcmp(bmd_prefilter_methods[i]->name, name) == 0)
      return bmd_prefilter_methods[i];
  return NULL;
}
