/*
 * fit_zscore.c - the Z-score of a fitted curve, as BMDExpress 3 defines it
 * (BMDStatisticsService.calculateZScore): the modelled change between two
 * doses over its standard error,
 *
 *   Z = (m(top) - m(bottom)) / sqrt( g_b' S g_b + g_t' S g_t ),
 *
 * g_x = dm(x)/dtheta, the gradient of the mean at dose x, and S the
 * covariance of the maximum-likelihood estimate, the inverse of the
 * observed information H = d^2 NLL / dtheta dtheta' at the fit (ToxicR's
 * covariance). As in BMDExpress the covariance of m(bottom) with m(top) is
 * left out: the denominator is the trace of G S G', not the variance of the
 * difference. The variance parameters take part in S (they are estimated
 * jointly) but m does not depend on them, so their gradient is 0.
 * Parameters on a bound of their box (r->at_bound) are held fixed: the
 * information is that of the free parameters, the covariance of a bounded
 * one is 0 (the MLE is a boundary point, where the full Hessian need not be
 * definite; ToxicR inverts the full one regardless).
 *
 * It is computed in the theta the fit was solved in (doses over the
 * highest dose, responses over D, ln alpha, ln c: bmd_problem_of_fit), where
 * every parameter is of order 1: g from the models' analytic mean
 * gradients (times D), H by central differences of the analytic NLL
 * gradient,
 *
 *   H_ij = (grad_j(theta + h_i e_i) - grad_j(theta - h_i e_i)) / (2 h_i),
 *   h_i = 1e-5 max(|theta_i|, 1e-3),   then symmetrised (H + H') / 2,
 *
 * and g' H^-1 g = |L^-1 g|^2 with H = L L' (Cholesky, written out below:
 * GSL's would call its error handler on every indefinite H, and core must
 * not depend on how a program set that handler). Z is NAN when H is
 * not positive definite (the fit is not a strict maximum, e.g. on a ridge)
 * or anything is not finite; BMDExpress leaves 0 there.
 */
#include <math.h>
#include <stdlib.h>

#include "bmd/metrics.h"
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

/*
 * Cholesky factor of the n x n matrix H in place (lower triangle):
 *   L_jj = sqrt(H_jj - sum_{k<j} L_jk^2),
 *   L_ij = (H_ij - sum_{k<j} L_ik L_jk) / L_jj   (i > j).
 * -1 when H is not positive definite.
 */
static int cholesky(double *H, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double d = H[j * n + j];
    for (size_t k = 0; k < j; k++)
      d -= H[j * n + k] * H[j * n + k];
    if (!(d > 0))
      return -1;
    d = sqrt(d);
    H[j * n + j] = d;
    for (size_t i = j + 1; i < n; i++) {
      double v = H[i * n + j];
      for (size_t k = 0; k < j; k++)
        v -= H[i * n + k] * H[j * n + k];
      H[i * n + j] = v / d;
    }
  }
  return 0;
}

/* g' H^-1 g for the mean gradient g (free parameters) at dose x, with
 * L (H = L L'): y = L^-1 g by forward substitution, then y'y. */
static double mean_variance(const bmd_problem *p, const double *th, const size_t *free_idx,
                            size_t n, const double *L, double x) {
  double m, g[BMD_MAX_PARAMS] = {0}, y[BMD_MAX_PARAMS], v = 0;
  p->mean(th, x, p->aux, &m, g); /* fills the n_mean entries; variance ones stay 0 */
  for (size_t a = 0; a < n; a++) {
    double s = g[free_idx[a]];
    for (size_t k = 0; k < a; k++)
      s -= L[a * n + k] * y[k];
    y[a] = s / L[a * n + a];
    v += y[a] * y[a];
  }
  return v;
}

double bmd_fit_zscore(const bmd_fit_result *r, const bmd_suffstat *ss, double bottom, double top) {
  if (!isfinite(r->loglik) || !isfinite(bottom) || !isfinite(top) || ss->n_groups == 0)
    return NAN;
  double *buf = malloc(3 * ss->n_groups * sizeof(double));
  bmd_problem p;
  double z = NAN;
  if (!buf || bmd_problem_of_fit(&p, ss, r->model, r->variance, r->increasing, buf) != 0)
    goto done;
  double th[BMD_MAX_PARAMS], H[BMD_MAX_PARAMS * BMD_MAX_PARAMS];
  size_t free_idx[BMD_MAX_PARAMS], n = 0;
  for (size_t i = 0; i < p.n_par; i++)
    if (!r->at_bound[i])
      free_idx[n++] = i;
  bmd_user_to_theta(&p, r->params, th);
  if (n == 0 || nll_hessian(&p, th, free_idx, n, H) != 0 || cholesky(H, n) != 0)
    goto done;
  double vb = mean_variance(&p, th, free_idx, n, H, bottom / p.maxd);
  double vt = mean_variance(&p, th, free_idx, n, H, top / p.maxd);
  /* m = D m_scaled(d / M): var m = D^2 var m_scaled */
  double diff = bmd_fit_mean(r, top) - bmd_fit_mean(r, bottom), se = p.scale_y * sqrt(vb + vt);
  if (isfinite(diff) && se > 0 && isfinite(se))
    z = diff / se;
done:
  free(buf);
  return z;
}
