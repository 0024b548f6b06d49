/*
 * bmd/select.h - BMDExpress's best-model selection among the fits of one
 * probe (shared/notes/bmdexpress.md §3.6); the metrics of a fit are in
 * bmd/metrics.h.
 *
 * Results are borrowed; nothing here allocates.
 */
#ifndef BMD_SELECT_H
#define BMD_SELECT_H

#include <stddef.h>

#include "bmd/fit.h"

typedef enum bmd_poly_test { BMD_POLY_NESTED_CHI2 = 0, BMD_POLY_LOWEST_AIC } bmd_poly_test;

/* Which of BMD, BMDL, BMDU must be valid (BMDExpress bestModelSelectionBMDLandBMDU). */
typedef enum bmd_limit_use {
  BMD_USE_BMD_BMDL_BMDU = 1, /* compute and utilise all three */
  BMD_USE_IGNORE_LIMITS = 2, /* compute but ignore BMDL/BMDU */
  BMD_USE_NO_LIMITS = 3,     /* do not compute (callers skip the profile) */
  BMD_USE_BMD_BMDL = 4
} bmd_limit_use;

/* What to do with a Hill fit whose k is below the flag threshold. */
typedef enum bmd_flagged_hill {
  BMD_HILL_INCLUDE = 1,
  BMD_HILL_EXCLUDE_FLAGGED = 2,
  BMD_HILL_EXCLUDE_ALL = 3,
  BMD_HILL_MODIFY_BMD = 4,
  BMD_HILL_NEXT_BEST = 5
} bmd_flagged_hill;

typedef struct bmd_select_options {
  bmd_poly_test poly_test;       /* default nested chi-square */
  double poly_p;                 /* nested test cut-off, 0.05 */
  bmd_limit_use limit_use;       /* default BMD+BMDL+BMDU (CLI default) */
  int flag_hill;                 /* 1 (default) */
  double hill_k_fraction;        /* flag when k < fraction * lowest positive dose; 0.5 (CLI) */
  bmd_flagged_hill flagged_hill; /* default 5 */
  double flagged_hill_fraction;  /* option 4 fraction of the minimum BMD, 0.5 */
  double next_best_p;            /* option 5 fit p-value cut-off, 0.05 */
} bmd_select_options;

bmd_select_options bmd_select_options_default(void);

typedef struct bmd_select_result {
  int best;      /* index into the results, -1 when none is valid */
  int best_poly; /* index of the best polynomial, -1 if none */
  bmd_model best_model;
  double chi2[3];     /* nested test statistics between consecutive polynomials */
  double chi2_p[3];   /* and their p-values (NAN where not run) */
  int hill_flag;      /* 0; 1 best is a flagged Hill; 3 option 4; 4 option 5 fallback */
  int needs_hill_fix; /* 1: BMD values await bmd_select_fix_flagged_hill */
  double bmd, bmdl, bmdu;
} bmd_select_result;

/* BMDExpress's NumberManager.numberFormat: x rounded half-even to
 * `decimals` places, plus one per zero after the point when |x| < 0.1. */
double bmd_bmdx_round(double x, int decimals);

/* 1 if a Hill result's k is below fraction * lowest positive dose. */
int bmd_hill_flagged(const bmd_fit_result *r, const bmd_suffstat *ss, double fraction);

/* Selects the best model among res[0..n) (fits of one probe, run order). */
void bmd_select_best(const bmd_fit_result *res, size_t n, const bmd_suffstat *ss,
                     const bmd_select_options *opt, bmd_select_result *out);

/* Options 4/5 across probes: every selection with needs_hill_fix gets
 * fraction x (BMD, BMDL, BMDU) of the probe with the minimum BMD among
 * those whose best model is an unflagged Hill; NAN if there is none. */
void bmd_select_fix_flagged_hill(bmd_select_result *sel, size_t n_probes, double fraction);

#endif
