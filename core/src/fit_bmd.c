/*
 * fit_bmd.c - the benchmark response and the BMD of a parameter vector
 * (numerics.md §1.5), in scaled units.
 *
 * The BMD x solves s (m(x) - m(0)) = Delta, s = +1 increasing, -1 decreasing:
 *   SD:       Delta = BMRF sigma(0) = BMRF exp((l + rho ln|m(0)|) / 2)
 *   relative: Delta = BMRF |m(0)|
 *   absolute: Delta = BMRF / D  (scaled response units)
 * Each model solves it for Delta > 0 (its definition's bmd function, next
 * to its mean: closed forms for Linear, Power, Hill and Exp 2-5, a scan
 * and bisection for Poly 2-4); a BMD that is not finite and positive is
 * "no BMD" (NAN).
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>

double bmd_bmr_delta(const bmd_problem *p, const double *th, double *grad) {
  size_t k = p->n_mean;
  double m0, g0[BMD_MAX_PARAMS];
  if (grad)
    memset(grad, 0, p->n_par * sizeof(double));
  switch (p->bmr_type) {
  case BMD_BMR_ABS:
    return p->bmr;
  case BMD_BMR_REL: {
    p->mean(th, 0.0, p->aux, &m0, grad ? g0 : NULL);
    double sg = m0 < 0 ? -1.0 : 1.0;
    if (grad)
      for (size_t j = 0; j < k; j++)
        grad[j] = p->bmr * sg * g0[j];
    return p->bmr * fabs(m0);
  }
  default: {
    double l = th[p->n_par - 1], lsig = l, rho = 0.0, lam = 0.0;
    p->mean(th, 0.0, p->aux, &m0, grad ? g0 : NULL);
    if (p->ncv) {
      rho = th[k];
      lam = bmd_ncv_log_abs_mean(p, m0);
      lsig += rho * lam;
    }
    double delta = p->bmr * exp(0.5 * lsig);
    if (grad) {
      grad[p->n_par - 1] = 0.5 * delta;
      if (p->ncv) {
        grad[k] = 0.5 * delta * lam;
        double mm = fabs(m0) < 1e-12 ? copysign(1e-12, m0) : m0;
        for (size_t j = 0; j < k; j++)
          grad[j] = 0.5 * delta * rho / mm * g0[j];
      }
    }
    return delta;
  }
  }
}

double bmd_bmd_scaled(const bmd_problem *p, const double *th) {
  double delta = bmd_bmr_delta(p, th, NULL);
  if (!(delta > 0) || !isfinite(delta))
    return NAN;
  double x = p->def->bmd(p, th, delta);
  return isfinite(x) && x > 0 ? x : NAN;
}
