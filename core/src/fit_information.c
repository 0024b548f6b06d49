/*
 * fit_information.c - the observed information of a fit and the variance
 * of a function of its parameters by the delta method (fit_internal.h),
 * shared by the Z-score (fit_zscore.c) and the Wald BMD limits
 * (fit_wald.c):
 *
 *   var f(theta_hat) = g' H^-1 g,   g = df/dtheta,
 *   H = d^2 NLL / dtheta dtheta'  at the maximum (ToxicR's covariance).
 *
 * Parameters on a bound of their box (bmd_fit_result.at_bound) are held
 * fixed: H is that of the free parameters, and a bounded parameter
 * contributes no variance (the MLE is a boundary point, where the full
 * Hessian need not be definite; ToxicR inverts the full one regardless).
 *
 * Computed in the theta the fit was solved in (doses over the highest
 * dose, responses over D, ln alpha, ln c: bmd_problem_of_fit), where every
 * parameter is of order 1, by central differences of the analytic NLL
 * gradient,
 *
 *   H_ij = (grad_j(theta + h_i e_i) - grad_j(theta - h_i e_i)) / (2 h_i),
 *   h_i = 1e-5 max(|theta_i|, 1e-3),   then symmetrised (H + H') / 2,
 *
 * and g' H^-1 g = |L^-1 g|^2 with H = L L' (Cholesky, fit_cholesky.c:
 * GSL's would call its error handler on every indefinite H, and core must
 * not depend on how a program set that handler).
 */
#include <math.h>

#include "fit_internal.h"

/* H (n x n, row-major) of the NLL at th over the n free parameters
 * free_idx[0..n); -1 if a value is not finite. */
static int nll_hessian(const bmd_problem *p, const double *th, const size_t *free_idx, size_t n,
                       double *H) {
  double t[BMD_MAX_PARAMS], gp[BMD_MAX_PARAMS], gm[BMD_MAX_PARAMS];
  for (size_t a = 0; a < n; a++) {
    size_t i = free_idx[a];
    double h = 1e-5 * fmax(fabs(th[i]), 1e-3);
    for (size_t j = 0; j < p->n_par; j++)
      t[j] = th[j];
    t[i] = th[i] + h;
    double fp = bmd_nll(p, t, gp);
    t[i] = th[i] - h;
    double fm = bmd_nll(p, t, gm);
    if (!isfinite(fp) || !isfinite(fm))
      return -1;
    for (size_t b = 0; b < n; b++)
      H[a * n + b] = (gp[free_idx[b]] - gm[free_idx[b]]) / (2.0 * h);
  }
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < a; b++) {
      double v = 0.5 * (H[a * n + b] + H[b * n + a]);
      if (!isfinite(v))
        return -1;
      H[a * n + b] = H[b * n + a] = v;
    }
  return 0;
}

int bmd_information_factor(const bmd_problem *p, const double *th, const int *at_bound,
                           bmd_information *info) {
  info->n = 0;
  for (size_t i = 0; i < p->n_par; i++)
    if (!at_bound[i])
      info->free_idx[info->n++] = i;
  if (info->n == 0 || nll_hessian(p, th, info->free_idx, info->n, info->L) != 0 ||
      bmd_cholesky(info->L, info->n) != 0)
    return -1;
  return 0;
}

/* y = L^-1 g over the free entries by forward substitution, then y'y. */
double bmd_information_variance(const bmd_information *info, const double *g) {
  size_t n = info->n;
  double b[BMD_MAX_PARAMS] = {0}, y[BMD_MAX_PARAMS], v = 0;
  for (size_t a = 0; a < n; a++)
    b[a] = g[info->free_idx[a]];
  bmd_cholesky_forward(info->L, n, b, y);
  for (size_t a = 0; a < n; a++)
    v += y[a] * y[a];
  return v;
}
