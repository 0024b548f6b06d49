/*
 * bmd/prefilter_method.h - the table of prefilter methods: one const
 * struct of facts and one test function per method (GSL's way of naming
 * a method), read by the settings (which names are valid), the prefilter
 * step (which test to run, which columns prefilter.tsv gets) and the
 * stores (the per-probe statistic). An unknown name is an error, never
 * another method.
 *
 * Adding a method: a core/src/prefilter_<name>.c with its test, an entry
 * in core/src/prefilter_methods.c, its name in the schema
 * (schemas/envelope.schema.json, prefilter_settings.method) and any
 * setting of its own in the settings table (docs/architecture.md).
 */
#ifndef BMD_PREFILTER_METHOD_H
#define BMD_PREFILTER_METHOD_H

#include <stddef.h>
#include <stdint.h>

#include "bmd/dataset.h"
#include "bmd/prefilter_curvefit.h"

/* What a test may read besides the data. */
typedef struct bmd_prefilter_test_options {
  unsigned permutations;         /* Williams */
  uint64_t seed;                 /* Williams */
  unsigned threads;              /* 0 is taken as 1 */
  bmd_curvefit_options curvefit; /* curve fit (its threads are the field above) */
} bmd_prefilter_test_options;

/* values[probe * n_columns + c] for every probe and column, p[probe] the
 * raw p-value. 0, -1 on bad input, -2 when out of memory (retriable);
 * errstr filled on failure. */
typedef int (*bmd_prefilter_test_fn)(const bmd_dataset *ds, const bmd_prefilter_test_options *o,
                                     double *values, double *p, char *errstr, size_t errstr_size);

/* A test run after the filter flow on the rows[0..n) it passed (the
 * curve fit): fills values[row * n_columns + c] of those rows and pass[j]
 * for rows[j] (0: the probe fails it, verdict BMD_PREFILTER_CURVE_FIT).
 * Returns as bmd_prefilter_test_fn. */
typedef int (*bmd_prefilter_after_fn)(const bmd_dataset *ds, const bmd_prefilter_test_options *o,
                                      const size_t *rows, size_t n, double *values,
                                      unsigned char *pass, char *errstr, size_t errstr_size);

/* The text of a column's value (a model's name), or NULL: a number. */
typedef const char *(*bmd_prefilter_label_fn)(size_t column, double value);

typedef struct bmd_prefilter_method {
  const char *name;             /* as settings and events name it: "anova" */
  const char *title;            /* for people: "One-way ANOVA" */
  size_t n_columns;             /* per-probe values besides p (0 without a test) */
  const char *const *columns;   /* their column titles in prefilter.tsv */
  int columns_first;            /* 1: before the p-value columns, 0: after NOTEL/LOTEL */
  int stat_column;              /* the column stored as the probe's statistic; -1 none */
  bmd_prefilter_test_fn test;   /* NULL: no test, no p-value (every probe goes on) */
  bmd_prefilter_after_fn after; /* NULL: none; its columns are empty for other rows */
  bmd_prefilter_label_fn label; /* NULL: every column is a number */
} bmd_prefilter_method;

/* Every method, in the order help texts list them. */
extern const bmd_prefilter_method *const bmd_prefilter_methods[];
extern const size_t bmd_prefilter_methods_count;

/* The method called name; NULL when there is none. */
const bmd_prefilter_method *bmd_prefilter_method_find(const char *name);

#endif
