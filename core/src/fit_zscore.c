/*
 * fit_zscore.c - the Z-score of a fitted curve, as BMDExpress 3 defines it
 * (BMDStatisticsService.calculateZScore): the modelled change between two
 * doses over its standard error,
 *
 *   Z = (m(top) - m(bottom)) / sqrt( g_b' S g_b + g_t' S g_t ),
 *
 * g_x = dm(x)/dtheta, the gradient of the mean at dose x, and S the
 * covariance of the maximum-likelihood estimate, the inverse of the
 * observed information (fit_information.c: bounded parameters held fixed,
 * computed in the scaled theta, where g comes from the models' analytic
 * mean gradients, times D). As in BMDExpress the covariance of m(bottom)
 * with m(top) is left out: the denominator is the trace of G S G', not the
 * variance of the difference. The variance parameters take part in S (they
 * are estimated jointly) but m does not depend on them, so their gradient
 * is 0. Z is NAN when the information is not positive definite (the fit is
 * not a strict maximum, e.g. on a ridge) or anything is not finite;
 * BMDExpress leaves 0 there.
 */
#include <math.h>
#include <stdlib.h>

#include "bmd/metrics.h"
#include "fit_internal.h"

/* var m(x) in scaled units: g' H^-1 g with g = dm(x)/dtheta. */
static double mean_variance(const bmd_problem *p, const double *th, const bmd_information *info,
                            double x) {
  double m, g[BMD_MAX_PARAMS] = {0};
  p->mean(th, x, p->aux, &m, g); /* fills the n_mean entries; variance ones stay 0 */
  return bmd_information_variance(info, g);
}

double bmd_fit_zscore(const bmd_fit_result *r, const bmd_suffstat *ss, double bottom, double top) {
  if (!isfinite(r->loglik) || !isfinite(bottom) || !isfinite(top) || ss->n_groups == 0)
    return NAN;
  double *buf = malloc(BMD_PROBLEM_BUF(ss->n_groups) * sizeof(double));
  bmd_problem p;
  double z = NAN;
  if (!buf || bmd_problem_of_fit(&p, ss, r->model, r->variance, r->increasing, buf) != 0)
    goto done;
  double th[BMD_MAX_PARAMS];
  bmd_information info;
  bmd_user_to_theta(&p, r->params, th);
  if (bmd_information_factor(&p, th, r->at_bound, &info) != 0)
    goto done;
  double vb = mean_variance(&p, th, &info, bottom / p.maxd);
  double vt = mean_variance(&p, th, &info, top / p.maxd);
  /* m = D m_scaled(d / M): var m = D^2 var m_scaled */
  double diff = bmd_fit_mean(r, top) - bmd_fit_mean(r, bottom), se = p.scale_y * sqrt(vb + vt);
  if (isfinite(diff) && se > 0 && isfinite(se))
    z = diff / se;
done:
  free(buf);
  return z;
}
