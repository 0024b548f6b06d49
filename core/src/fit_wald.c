/*
 * fit_wald.c - BMDL/BMDU by the Wald interval on ln BMD: the delta method
 * at the maximum, as ToxicR's bmd_fast_BMD_cont (src/include/bmd_calculate.h)
 * computes them for BMDExpress 3's "Wald" limits (bmdUBmdLEstimationMethod
 * 2; docs/fitting.md):
 *
 *   se(BMD)^2 = g' H^-1 g,   g = dBMD/dtheta,   H the observed information
 *     (fit_information.c: bounded parameters held fixed);
 *   se(ln BMD) = se(BMD) / BMD;
 *   BMDL = BMD exp(-z se(ln BMD)),  BMDU = BMD exp(+z se(ln BMD)),
 *   z = Phi^-1(1 - alpha), one-sided each (alpha 0.05: z = 1.6449).
 *
 * The BMD x solves F(x, theta) = s (m(x) - m(0)) - Delta(theta) = 0
 * (fit_bmd.c), so by the implicit function theorem
 *
 *   g = dx/dtheta = -(dF/dtheta) / (dF/dx)
 *     = -(s (dm(x)/dtheta - dm(0)/dtheta) - dDelta/dtheta) / (s m'(x)),
 *
 * from the models' analytic mean and Delta gradients, m'(x) by a central
 * difference, h = 1e-6 max(x, 1e-3) (ToxicR differentiates the BMD itself
 * numerically). All in the scaled units of the fit: se(ln BMD) does not
 * depend on the dose unit, and the limits scale with the BMD.
 */
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "fit_internal.h"

int bmd_wald_limits(const bmd_problem *p, const double *th, const int *at_bound, double xbmd,
                    double alpha, double *xl, double *xu) {
  *xl = *xu = NAN;
  bmd_information info;
  if (!(xbmd > 0) || bmd_information_factor(p, th, at_bound, &info) != 0)
    return -1;
  double m, m0, gx[BMD_MAX_PARAMS] = {0}, g0[BMD_MAX_PARAMS] = {0}, gd[BMD_MAX_PARAMS];
  double mp, mm, h = 1e-6 * fmax(xbmd, 1e-3);
  p->mean(th, xbmd, p->aux, &m, gx);
  p->mean(th, 0.0, p->aux, &m0, g0);
  p->mean(th, xbmd + h, p->aux, &mp, NULL);
  p->mean(th, xbmd - h, p->aux, &mm, NULL);
  bmd_bmr_delta(p, th, gd);
  double s = p->sign, dfdx = s * (mp - mm) / (2 * h);
  double g[BMD_MAX_PARAMS];
  for (size_t j = 0; j < p->n_par; j++)
    g[j] = -(s * (gx[j] - g0[j]) - gd[j]) / dfdx;
  double se_log = sqrt(bmd_information_variance(&info, g)) / xbmd;
  if (!isfinite(se_log))
    return -1;
  double z = gsl_cdf_ugaussian_Pinv(1.0 - alpha);
  *xl = xbmd * exp(-z * se_log);
  *xu = xbmd * exp(z * se_log);
  return 0;
}
