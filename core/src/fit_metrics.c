/*
 * fit_metrics.c - BMDExpress's derived per-model metrics (bmdexpress.md §3.7).
 *
 *   R^2 = 1 - sum_g (ybar_g - m(d_g))^2 / sum_g (ybar_g - mean of ybar)^2 (group means)
 *   BMR multiples = (m(top) - m(0)) / |m(BMD) - m(0)|, top = highest dose
 *     (Poly 2: the vertex -b1 / (2 b2) when it lies inside the dose range)
 *   fold change between m(top) and m(0): hi = max, lo = min, s = -1 if m(0) > m(top):
 *     log data FC = s b^(hi - lo); otherwise FC = s hi / lo
 *   step function: first i with |m(d_i) - m(d_{i-1})| / |m(d_last) - m(d_0)| >= threshold
 * The Z-score needs the parameter covariance and is not computed here.
 */
#include "bmd/select.h"

#include <math.h>

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

void bmd_fit_metrics_compute(const bmd_fit_result *r, const bmd_suffstat *ss, bmd_log_base log_base,
                             double step_threshold, bmd_fit_metrics *out) {
  size_t G = ss->n_groups;
  out->r_squared = out->bmr_multiples = out->fold_change = NAN;
  out->bmd_low_dose = out->bmd_high_dose = out->bmd_resp_low_dose = out->bmd_resp_high_dose = NAN;
  out->step_function = out->step_below_low_dose = 0;
  if (G == 0 || !isfinite(r->loglik))
    return;
  double ym = 0, sst = 0, sse = 0;
  for (size_t i = 0; i < G; i++)
    ym += ss->mean[i];
  ym /= (double)G;
  for (size_t i = 0; i < G; i++) {
    double e = ss->mean[i] - bmd_fit_mean(r, ss->dose[i]);
    sse += e * e;
    sst += (ss->mean[i] - ym) * (ss->mean[i] - ym);
  }
  out->r_squared = sst > 0 ? 1.0 - sse / sst : NAN;
  double d0 = ss->dose[0], dmax = ss->dose[G - 1], top = dmax;
  if (r->model == BMD_MODEL_POLY2 && r->params[2] != 0) {
    double v = -r->params[1] / (2.0 * r->params[2]);
    if (v > d0 && v < dmax)
      top = v;
  }
  double m0 = bmd_fit_mean(r, d0), mt = bmd_fit_mean(r, top);
  out->fold_change = fold(m0, mt, log_base);
  double low = NAN;
  for (size_t i = 0; i < G; i++)
    if (ss->dose[i] > 0) {
      low = ss->dose[i];
      break;
    }
  if (isfinite(r->bmd)) {
    double mb = bmd_fit_mean(r, r->bmd);
    if (mb != m0)
      out->bmr_multiples = (mt - m0) / fabs(mb - m0);
    if (isfinite(low) && low > 0)
      out->bmd_low_dose = r->bmd / low;
    if (dmax > 0)
      out->bmd_high_dose = r->bmd / dmax;
    double ml = isfinite(low) ? bmd_fit_mean(r, low) : NAN, mh = bmd_fit_mean(r, dmax);
    if (ml != 0)
      out->bmd_resp_low_dose = mb / ml;
    if (mh != 0)
      out->bmd_resp_high_dose = mb / mh;
  }
  double total = fabs(bmd_fit_mean(r, dmax) - m0);
  if (total > 0 && G > 1) {
    for (size_t i = 1; i < G; i++) {
      double step = fabs(bmd_fit_mean(r, ss->dose[i]) - bmd_fit_mean(r, ss->dose[i - 1])) / total;
      if (step >= step_threshold) {
        out->step_function = 1;
        out->step_below_low_dose = i == 1 && isfinite(r->bmd) && isfinite(low) && r->bmd < low;
        break;
      }
    }
  }
}
