/*
 * fit_wauc.c - BMDExpress's weighted area under a fitted curve, the wAUC
 * (BMDExpress 2/3 util/curvep/CurvePProcessor.logBaseDoses, intg_log_AUC,
 * calc_AUC, calc_wAUC; called from BMDAnalysisService.bmdAnalysis).
 *
 * On log10 dose, with the control placed at U = -24 (a first dose <= 0;
 * otherwise log10 of it), L = log10 d_1 and H = log10 d_{G-1}:
 *
 *   points (U, m(0)), then (x_p, m(10^x_p)) for x_p = L + p s,
 *     p = -1, 0, ..., 997, s = (H - L) / 997        (1,000 points)
 *   AUC  = sum_i (R_i + R_{i-1}) (x_i - x_{i-1}) / 2 - (x_last - x_0) R_0,
 *          the signed area between the curve and the control response R_0
 *   wAUC = AUC / (H - U) x (L - U) / (P - U),  P = log10 BMD,
 *          and 0 when P > H or P < U.
 *
 * Defined for three or more dose groups and a finite BMD (NAN otherwise).
 * BMDExpress computes it in float (32-bit); this is the same sum in double,
 * so values agree to about 1e-6 relative. BMDExpress exports it for the
 * best model only ("wAUC"); we give it for every model.
 */
#include <math.h>

#include "bmd/metrics.h"

#define WAUC_CONTROL_LOG_DOSE (-24.0)
#define WAUC_SCAN 997

double bmd_fit_wauc(const bmd_fit_result *r, const bmd_suffstat *ss) {
  size_t G = ss->n_groups;
  if (G < 3 || !isfinite(r->loglik) || !isfinite(r->bmd))
    return NAN;
  double u = ss->dose[0] > 0 ? log10(ss->dose[0]) : WAUC_CONTROL_LOG_DOSE;
  double lo = log10(ss->dose[1]), hi = log10(ss->dose[G - 1]), step = (hi - lo) / WAUC_SCAN;
  double r0 = bmd_fit_mean(r, 0.0), x_prev = u, r_prev = r0, area = 0, x = u;
  for (int p = -1; p <= WAUC_SCAN; p++) {
    x = lo + p * step;
    double y = bmd_fit_mean(r, pow(10.0, x));
    area += (y + r_prev) * (x - x_prev) / 2.0;
    x_prev = x, r_prev = y;
  }
  double auc = area - (x - u) * r0;
  double pod = log10(r->bmd);
  if (!isfinite(auc))
    return NAN;
  if (pod > hi || pod < u)
    return 0.0;
  return auc / (hi - u) * (lo - u) / (pod - u);
}
