/*
 * fit_metrics.c - BMDExpress 3's derived metrics of one fitted curve m(d)
 * (BMDAnalysisService.calculateExtraStatistics, isStepFunction,
 * isStepFunctionWithBMDLessThanLowest; BMDStatisticsService.calculateResiduals,
 * calculateRSquared, calculateSDBeyond, calculateFCToTop,
 * performFoldCalculation; StatResult.getBMDdiffBMDL and siblings), with
 * the dose groups d_0 < ... < d_{G-1} and their means ybar_g:
 *
 *   residual_g = ybar_g - m(d_g);   R^2 = 1 - sum_g residual_g^2 / sum_g (ybar_g - ybar)^2
 *     (group means, each counted once, ybar their plain average)
 *   window [bottom, top] = [d_0, d_{G-1}]; for Poly 2 with its vertex
 *     v = -b1 / (2 b2) inside (d_0, d_{G-1}): top = v, and when BMD > v the
 *     window moves past the vertex: [v, d_{G-1}]
 *   Z-score = (m(top) - m(bottom)) / sqrt(var m(bottom) + var m(top))   (fit_zscore.c)
 *   BMR multiples = (m(top) - m(bottom)) / |m(BMD) - m(bottom)|
 *   model fold change, lo = min(m(bottom), m(top)), hi = max, s = -1 when
 *     m(bottom) > m(top), else +1: log data with base b: s b^(hi - lo);
 *     unlogged: s hi / lo
 *   BMD/Low Dose = BMD / low, BMD/High Dose = BMD / high, and the responses
 *     m(BMD) / m(low), m(BMD) / m(high), with low = d_1 (the lowest positive
 *     dose after a control), high = d_{G-1}; for Poly 2 (v as above, or
 *     v in (d_0, d_{G-1}]) high = v, and when BMD > v: low = max(v, d_1),
 *     high = d_{G-1}, low = d_1 if then low = high
 *   BMD/BMDL, BMDU/BMDL, BMDU/BMD: undefined when a term is not finite or
 *     the denominator is 0
 *   step function: with T = |m(d_{G-1}) - m(d_0)|, the first i >= 1 with
 *     |m(d_i) - m(d_{i-1})| >= threshold x T (when T = 0: any change);
 *     "less than lowest dose" = that i is 1 and BMD < d_1
 *   wAUC: fit_wauc.c.
 *
 * Where BMDExpress differs on purpose (docs/fitting.md): its Poly 2 window
 * past the vertex ends at the *number* of dose groups minus one used as a
 * dose (a slip in calculateZScore, calculateSDBeyond, calculateFCToTop), we
 * end it at the highest dose; a vertex at or below d_0 (or not finite) is
 * ignored where BMDExpress would evaluate the curve at a negative dose; a
 * value that cannot be computed is NAN, where BMDExpress leaves 0.
 */
#include "bmd/metrics.h"

#include <math.h>
#include <string.h>

static double fold(double a0, double a1, bmd_log_base lb) {
  double hi = fmax(a0, a1), lo = fmin(a0, a1), s = a0 > a1 ? -1.0 : 1.0;
  switch (lb) {
  case BMD_LOG_BASE2:
    return s * pow(2.0, hi - lo);
  case BMD_LOG_BASE10:
    return s * pow(10.0, hi - lo);
  case BMD_LOG_NATURAL:
    return s * exp(hi - lo);
  default:
    return lo != 0 ? s * hi / lo : NAN;
  }
}

/* a / b; NAN when either is not finite or b is 0. */
static double ratio(double a, double b) {
  return (isfinite(a) && isfinite(b) && b != 0) ? a / b : NAN;
}

/* Poly 2's vertex -b1 / (2 b2), NAN for any other model. */
static double poly2_vertex(const bmd_fit_result *r) {
  if (r->model != BMD_MODEL_POLY2 || r->params[2] == 0)
    return NAN;
  return -r->params[1] / (2.0 * r->params[2]);
}

void bmd_fit_residuals(const bmd_fit_result *r, const bmd_suffstat *ss, double *residuals) {
  int ok = isfinite(r->loglik);
  for (size_t g = 0; g < ss->n_groups; g++)
    residuals[g] = ok ? ss->mean[g] - bmd_fit_mean(r, ss->dose[g]) : NAN;
}

static double r_squared(const bmd_fit_result *r, const bmd_suffstat *ss) {
  size_t G = ss->n_groups;
  double ym = 0, sst = 0, sse = 0;
  for (size_t g = 0; g < G; g++)
    ym += ss->mean[g];
  ym /= (double)G;
  for (size_t g = 0; g < G; g++) {
    double e = ss->mean[g] - bmd_fit_mean(r, ss->dose[g]);
    sse += e * e;
    sst += (ss->mean[g] - ym) * (ss->mean[g] - ym);
  }
  return sst > 0 ? 1.0 - sse / sst : NAN;
}

/* The first dose interval i holding a step, 0 if none. */
static size_t step_interval(const bmd_fit_result *r, const bmd_suffstat *ss, double threshold) {
  size_t G = ss->n_groups;
  double total = fabs(bmd_fit_mean(r, ss->dose[G - 1]) - bmd_fit_mean(r, ss->dose[0]));
  for (size_t i = 1; i < G; i++) {
    double change = fabs(bmd_fit_mean(r, ss->dose[i]) - bmd_fit_mean(r, ss->dose[i - 1]));
    if (total > 0 ? change >= threshold * total : change > 0)
      return i;
  }
  return 0;
}

static void set_undefined(bmd_fit_metrics *out) {
  out->r_squared = out->z_score = out->bmr_multiples = out->fold_change = NAN;
  out->bmd_low_dose = out->bmd_high_dose = out->bmd_resp_low_dose = out->bmd_resp_high_dose = NAN;
  out->bmd_bmdl = out->bmdu_bmdl = out->bmdu_bmd = out->wauc = out->log_wauc = NAN;
  out->step_function = out->step_below_low_dose = -1;
}

void bmd_fit_metrics_compute(const bmd_fit_result *r, const bmd_suffstat *ss,
                             const bmd_metrics_options *opt, bmd_fit_metrics *out) {
  set_undefined(out);
  size_t G = ss->n_groups;
  if (G < 2 || !isfinite(r->loglik))
    return;
  double bmd = r->bmd, d0 = ss->dose[0], d1 = ss->dose[1], dlast = ss->dose[G - 1];
  double v = poly2_vertex(r);
  int vertex_inside = isfinite(v) && v > d0 && v < dlast;

  out->r_squared = r_squared(r, ss);

  double bottom = d0, top = dlast;
  if (vertex_inside) {
    top = v;
    if (bmd > v)
      bottom = v, top = dlast;
  }
  double mb = bmd_fit_mean(r, bottom), mt = bmd_fit_mean(r, top), mbmd = bmd_fit_mean(r, bmd);
  out->z_score = bmd_fit_zscore(r, ss, bottom, top);
  out->bmr_multiples = isfinite(bmd) ? ratio(mt - mb, fabs(mbmd - mb)) : NAN;
  out->fold_change = fold(mb, mt, opt->log_base);

  double low = d1, high = dlast;
  if (isfinite(v) && v > d0 && v <= dlast) {
    high = v;
    if (bmd > v) {
      low = fmax(v, d1), high = dlast;
      if (low == high)
        low = d1;
    }
  }
  out->bmd_low_dose = ratio(bmd, low);
  out->bmd_high_dose = ratio(bmd, high);
  out->bmd_resp_low_dose = isfinite(bmd) ? ratio(mbmd, bmd_fit_mean(r, low)) : NAN;
  out->bmd_resp_high_dose = isfinite(bmd) ? ratio(mbmd, bmd_fit_mean(r, high)) : NAN;

  out->bmd_bmdl = ratio(bmd, r->bmdl);
  out->bmdu_bmdl = ratio(r->bmdu, r->bmdl);
  out->bmdu_bmd = ratio(r->bmdu, bmd);

  size_t step = step_interval(r, ss, opt->step_threshold);
  out->step_function = step > 0;
  out->step_below_low_dose = step == 1 && isfinite(bmd) && bmd < d1;

  out->wauc = bmd_fit_wauc(r, ss);
  if (isfinite(out->wauc))
    out->log_wauc = fabs(out->wauc) < 1 ? 0.0 : copysign(log2(fabs(out->wauc)), out->wauc);
}
