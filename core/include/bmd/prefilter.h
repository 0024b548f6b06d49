/*
 * bmd/prefilter.h - BMDExpress's probe prefilters (notes/bmdexpress.md §2):
 * fold change per dose group, the Welch t-test and NOTEL/LOTEL, one-way
 * ANOVA, Benjamini-Hochberg adjustment, and the filter flow that combines
 * a per-probe p-value (ANOVA, Williams, or none) with the p cutoff, the
 * AFFX control-probe filter and the fold filter.
 *
 * Pure numerics: no I/O. Datasets must be grouped (bmd_dataset_group);
 * group 0 is the control (lowest dose), "levels" 1..k are the other groups.
 * GSL computes the F and t tail probabilities: every program calling these
 * must turn GSL's abort handler off (gsl_set_error_handler_off).
 */
#ifndef BMD_PREFILTER_H
#define BMD_PREFILTER_H

#include <stddef.h>

#include "bmd/dataset.h"
#include "bmd/dunnett.h"

/* Fold changes of one probe against the control, in BMDExpress's float
 * arithmetic: fc[l-1] for levels l = 1..n_groups-1 (fc may be NULL).
 * Returns the max fold change: the fc with the largest |fc| (first wins
 * ties), 0 when there is no level. */
double bmd_fold_changes(const bmd_dataset *ds, size_t probe, double *fc);

/* Two-sided Welch (unequal-variance) t-test of samples a and b, as Apache
 * Commons Math TTest.tTest(a, b). NaN t/df/p when either has fewer than 2
 * values or both variances are 0. */
typedef struct bmd_welch {
  double t, df, p;
} bmd_welch;
bmd_welch bmd_welch_test(const double *a, size_t na, const double *b, size_t nb);

/* NOTEL/LOTEL of one probe: p_out[l-1] = p of the control against level
 * l: the Welch t-test when dunnett is NULL (p_out may then be NULL), else
 * Dunnett's two-sided test of all levels against the control (dunnett: a
 * workspace for at least n_groups groups, borrowed; p_out required: NaN
 * p-values and no LOTEL without it or with a smaller workspace); fc = its
 * fold changes
 * (bmd_fold_changes). Returns the LOTEL level: the first l with |fc| >
 * fc_threshold and p < p_threshold (both strict), or 0 when none. NOTEL is
 * then group lotel - 1. */
size_t bmd_notel_lotel(const bmd_dataset *ds, size_t probe, const double *fc, double fc_threshold,
                       double p_threshold, bmd_dunnett_workspace *dunnett, double *p_out);

/* One-way ANOVA of one probe across its dose groups; groups with a single
 * replicate are skipped entirely (BMDExpress). df1 = t - 1, df2 = N - t
 * over the t remaining groups; F and p NaN when t < 2 or df2 < 1, and when
 * every value is equal. */
typedef struct bmd_anova {
  unsigned df1, df2;
  double f, p;
} bmd_anova;
bmd_anova bmd_anova_probe(const bmd_dataset *ds, size_t probe);

/* Benjamini-Hochberg step-up adjustment q[0..n) of p[0..n) (q may alias
 * p). NaN p-values stay NaN and are not counted in n. Returns 0, or -1
 * when out of memory. */
int bmd_bh_adjust(const double *p, size_t n, double *q) __attribute__((warn_unused_result));

/* ---- the filter flow ---------------------------------------------- */

/* The test of NOTEL/LOTEL (BMDExpress's lotelTest: 1 Dunnett, 2 t-test). */
typedef enum bmd_notel_test {
  BMD_NOTEL_TTEST = 0, /* Welch t-test of each level against the control */
  BMD_NOTEL_DUNNETT    /* Dunnett's two-sided many-to-one test */
} bmd_notel_test;

typedef struct bmd_prefilter_options {
  double p_cutoff;           /* keep p < p_cutoff; >= 9999 keeps every p, even NaN */
  int use_adjusted;          /* compare the BH-adjusted p, not the raw p */
  int filter_controls;       /* drop probe ids starting with "AFFX" */
  double fold_threshold;     /* drop |max FC| < |threshold|; 0 = no fold filter */
  bmd_notel_test notel_test; /* the test of NOTEL/LOTEL */
  double notel_p;            /* NOTEL/LOTEL p threshold */
  double notel_fc;           /* NOTEL/LOTEL fold-change threshold */
} bmd_prefilter_options;

/* BMDExpress's GUI defaults: p 0.05 unadjusted, controls filtered, fold
 * filter 2.0, NOTEL/LOTEL by the t-test at p 0.05 and fold change 2.0. */
bmd_prefilter_options bmd_prefilter_options_default(void);

/* Why a probe was dropped (the first filter it failed, in flow order). */
typedef enum bmd_prefilter_verdict {
  BMD_PREFILTER_PASSED = 0,
  BMD_PREFILTER_P_NAN,    /* its p is NaN */
  BMD_PREFILTER_P,        /* p >= cutoff */
  BMD_PREFILTER_CONTROL,  /* AFFX control probe */
  BMD_PREFILTER_FOLD,     /* |max FC| < |fold threshold| */
  BMD_PREFILTER_CURVE_FIT /* curve fit: no best model, or its BMD not below the highest dose */
} bmd_prefilter_verdict;

/* Short name of a verdict ("passed", "p-value", ...); static string. */
const char *bmd_prefilter_verdict_name(bmd_prefilter_verdict v);

/* Results for every probe of the dataset (all arrays owned, row-major by
 * probe; levels = n_groups - 1; the five double arrays are one block that
 * p_raw owns). Fold changes and NOTEL/LOTEL are computed for every probe,
 * not only the survivors. */
typedef struct bmd_prefilter_result {
  size_t n_probes, n_levels;
  double *p_raw;                  /* n_probes; copy of the input, NaN without a test */
  double *p_adj;                  /* n_probes; BH over all probes with a finite p */
  double *max_fc;                 /* n_probes */
  double *fc;                     /* n_probes * n_levels */
  double *notel_p;                /* n_probes * n_levels */
  size_t *lotel;                  /* n_probes; LOTEL level, 0 = none */
  bmd_prefilter_verdict *verdict; /* n_probes */
  size_t n_passed;
} bmd_prefilter_result;

/* Runs the flow over every probe: p_raw[0..n_probes) are the test's raw
 * p-values, or NULL for no test (then only the control and fold filters
 * apply). On success *out is new (bmd_prefilter_result_destroy) and 0 is
 * returned; -1 with errstr filled on bad options, an ungrouped dataset
 * or lack of memory. */
int bmd_prefilter_run(const bmd_dataset *ds, const double *p_raw, const bmd_prefilter_options *opt,
                      bmd_prefilter_result **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* NULL is safe. */
void bmd_prefilter_result_destroy(bmd_prefilter_result *res);

#endif
