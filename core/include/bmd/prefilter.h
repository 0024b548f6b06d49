/*
 * bmd/prefilter.h - BMDExpress's prefilter statistics and filter flow
 * (notes/bmdexpress.md §2): fold change per dose group (§2.1), NOTEL/LOTEL
 * with the Welch t-test (§2.2), one-way ANOVA skipping singleton groups
 * (§2.3), Benjamini-Hochberg (§2.4) and the flow that combines them:
 *
 *   1. a per-probe p (ANOVA, Williams, or none) and its BH adjustment over
 *      every probe tested;
 *   2. drop a probe whose p used (adjusted with --mtc, else raw) is NaN or
 *      >= the cutoff; drop ids starting with "AFFX" when control removal
 *      is on;
 *   3. drop a probe with |max FC| < |fold threshold| when the fold filter
 *      is on;
 *   4. NOTEL/LOTEL.
 *
 * Pure: no I/O, no globals. The dataset must be grouped (bmd_dataset_group).
 * Group 0 is the control (lowest dose).
 */
#ifndef BMD_PREFILTER_H
#define BMD_PREFILTER_H

#include <stddef.h>

#include "bmd/dataset.h"

/* Signed fold change of each non-control group against the control, with
 * the log base's meaning (§2.1): fc[g - 1] for g = 1..n_groups-1. Returns
 * the max fold change (largest |FC|, first wins ties; 0 when none). */
double bmd_prefilter_fold_change(const bmd_dataset *ds, size_t probe, double *fc);

/* Fold change of one group mean against the control mean (§2.1). */
double bmd_prefilter_fold(double control_mean, double group_mean, bmd_log_base base);

/* Two-sided Welch (unequal-variance) t-test of a against b: t statistic,
 * Welch-Satterthwaite df and p. NaN t, df and p when either sample has
 * fewer than two values. */
void bmd_prefilter_welch(const double *a, size_t na, const double *b, size_t nb, double *t,
                         double *df, double *p);

typedef struct bmd_anova_result {
  double df1; /* groups used - 1 */
  double df2; /* samples used - groups used */
  double f;
  double p; /* upper tail of F(df1, df2) */
} bmd_anova_result;

/* One-way ANOVA of one probe over its dose groups, groups of one sample
 * skipped. NaN F and p when fewer than two groups remain or df2 = 0. */
void bmd_prefilter_anova(const bmd_dataset *ds, size_t probe, bmd_anova_result *out);

/* Benjamini-Hochberg step-up: q[i] = min over ranks r >= rank(p[i]) of
 * p_(r) * N / r, with N the number of non-NaN p; NaN p gives NaN q.
 * work: scratch of n size_t. */
void bmd_prefilter_bh(const double *p, size_t n, double *q, size_t *work);

/* NOTEL/LOTEL (§2.2) from the per-group fold changes fc[0..n_groups-1):
 * fills tp[g - 1] with the Welch p of control vs group g and returns the
 * index of the LOTEL group (its NOTEL is the group before), or 0 when no
 * group has |FC| > fc_threshold and p < p_threshold. */
size_t bmd_prefilter_notel(const bmd_dataset *ds, size_t probe, const double *fc,
                           double p_threshold, double fc_threshold, double *tp);

typedef struct bmd_prefilter_options {
  double p_cutoff;           /* 0.05; >= 9999 means no p cutoff */
  int use_adjusted;          /* --mtc: filter on the BH-adjusted p */
  int remove_controls;       /* drop ids starting with "AFFX" (on) */
  int fold_filter;           /* on */
  double fold_threshold;     /* 2.0 */
  double notel_p_threshold;  /* 0.05 */
  double notel_fc_threshold; /* 1.5 (BMDExpress command line) */
} bmd_prefilter_options;

bmd_prefilter_options bmd_prefilter_options_default(void);

/* Per-probe outcome of the flow; arrays of ds->n_groups - 1 entries. */
typedef struct bmd_prefilter_row {
  double p, p_adj; /* NaN when no test ran */
  double max_fc;
  double *fc;      /* fold change per non-control group */
  double *notel_p; /* Welch p per non-control group */
  double notel;    /* dose, NaN when none */
  double lotel;    /* dose, NaN when none */
  int passed;
} bmd_prefilter_row;

typedef struct bmd_prefilter_result {
  size_t n_probes;
  size_t n_levels; /* non-control groups */
  bmd_prefilter_row *rows;
  double *storage; /* owned, backs the rows' arrays */
  size_t n_passed;
} bmd_prefilter_result;

/* Runs the flow. p_raw[0..n_probes) holds the test's raw p per probe, or
 * NULL for no test (every probe then passes step 2 except controls).
 * Returns a new result (free with bmd_prefilter_result_destroy), or NULL
 * with errstr filled. */
bmd_prefilter_result *bmd_prefilter_run(const bmd_dataset *ds, const double *p_raw,
                                        const bmd_prefilter_options *opt, char *errstr,
                                        size_t errstr_size) __attribute__((warn_unused_result));

void bmd_prefilter_result_destroy(bmd_prefilter_result *res);

#endif
