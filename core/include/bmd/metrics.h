/*
 * bmd/metrics.h - the per-model metrics BMDExpress 3 derives from a fitted
 * curve (BMDAnalysisService.calculateExtraStatistics, BMDStatisticsService,
 * CurvePProcessor; docs/fitting.md "Per-model metrics"): residuals, R^2,
 * Z-score, BMR multiples, model fold change, BMD over the lowest and the
 * highest dose, BMD ratios, the step-function flags and the wAUC.
 *
 * Pure functions of a fit (borrowed) and its dose-group statistics; nothing
 * is allocated but a small workspace inside bmd_fit_zscore.
 */
#ifndef BMD_METRICS_H
#define BMD_METRICS_H

#include <stddef.h>

#include "bmd/fit.h"

typedef struct bmd_metrics_options {
  bmd_log_base log_base; /* of the data, for the model fold change */
  double step_threshold; /* a step is a jump >= threshold x total change; 0.75 */
} bmd_metrics_options;

/* NAN where undefined (never a sentinel); the flags are -1 when unknown. */
typedef struct bmd_fit_metrics {
  double r_squared;          /* 1 - SS(residuals) / SS(group means about their mean) */
  double z_score;            /* (m(top) - m(bottom)) / sqrt(var m(bottom) + var m(top)) */
  double bmr_multiples;      /* (m(top) - m(bottom)) / |m(BMD) - m(bottom)| */
  double fold_change;        /* signed fold change from m(bottom) to m(top) */
  double bmd_low_dose;       /* BMD / lowest positive dose */
  double bmd_high_dose;      /* BMD / highest dose */
  double bmd_resp_low_dose;  /* m(BMD) / m(lowest positive dose) */
  double bmd_resp_high_dose; /* m(BMD) / m(highest dose) */
  double bmd_bmdl, bmdu_bmdl, bmdu_bmd;
  double wauc;             /* weighted area under the curve on log10 dose */
  double log_wauc;         /* sign(wAUC) log2 |wAUC|, 0 when |wAUC| < 1 */
  int step_function;       /* 1 if one dose interval holds >= threshold of the change */
  int step_below_low_dose; /* 1 if that interval is the first and BMD < the second dose */
} bmd_fit_metrics;

/* Every metric of fit r on the data ss; all NAN (flags -1) for a fit
 * without a finite likelihood. */
void bmd_fit_metrics_compute(const bmd_fit_result *r, const bmd_suffstat *ss,
                             const bmd_metrics_options *opt, bmd_fit_metrics *out);

/* residuals[g] = mean_g - m(dose_g), one per dose group (NAN if the fit
 * has no finite likelihood). */
void bmd_fit_residuals(const bmd_fit_result *r, const bmd_suffstat *ss, double *residuals);

/* The Z-score between doses bottom and top (NAN when the observed
 * information is not positive definite). */
double bmd_fit_zscore(const bmd_fit_result *r, const bmd_suffstat *ss, double bottom, double top);

/* BMDExpress's wAUC of the curve (CurvePProcessor.intg_log_AUC and
 * calc_wAUC); NAN with fewer than three dose groups or no BMD. */
double bmd_fit_wauc(const bmd_fit_result *r, const bmd_suffstat *ss);

#endif
