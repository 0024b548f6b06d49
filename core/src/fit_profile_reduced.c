/*
 * fit_profile_reduced.c - one profile point for a BMR in standard
 * deviations with the BMR equation solved for l = ln alpha, so that the
 * point is a bound-constrained maximum over the other parameters, without
 * the equality constraint (and the projection) of bmd_optim_profile.
 *
 * The equation at the profile dose x (fit_bmd.c), g = s (m(x) - m(0)):
 *   g = BMRF exp((l + rho lam0) / 2),  lam0 = ln|D m(0)|  (rho = 0 for CV)
 *   =>  l(theta') = 2 ln(g / BMRF) - rho lam0,  for g > 0
 * with theta' every parameter but l. The reduced objective and its
 * gradient by the chain rule:
 *   F(theta') = NLL(theta', l(theta'))
 *   dF/dtheta_j = dNLL/dtheta_j + dNLL/dl dl/dtheta_j
 *   dl/dtheta_j = 2 s (dm(x)/dtheta_j - dm(0)/dtheta_j) / g
 *                 - rho dm(0)/dtheta_j / m(0)          (mean parameters)
 *   dl/drho = -lam0
 * Where g <= 0 the equation has no solution: the objective is +inf there.
 * The result stands only when l lies in its box; otherwise (l on its bound
 * at the constrained optimum) the caller solves the point with the
 * equality constraint.
 */
#include "fit_internal.h"

#include <math.h>
#include <nlopt.h>
#include <string.h>

typedef struct reduced_ctx {
  const bmd_problem *p;
  double xb;                /* profile dose (scaled) */
  double w[BMD_MAX_PARAMS]; /* theta_j = w_j z_j, j < n_par - 1 */
} reduced_ctx;

/* l = th[n_par - 1] solved from the other entries of th, and dl/dtheta_j
 * (may be NULL); -1 when g <= 0 or a value is not finite */
static int solve_l(const reduced_ctx *c, double *th, double *dl) {
  const bmd_problem *p = c->p;
  size_t v = p->n_par - 1, k = p->n_mean;
  double mb, m0, gb[BMD_MAX_PARAMS], g0[BMD_MAX_PARAMS];
  p->mean(th, c->xb, p->aux, &mb, dl ? gb : NULL);
  p->mean(th, 0.0, p->aux, &m0, dl ? g0 : NULL);
  double g = p->sign * (mb - m0);
  if (!(g > 0) || !isfinite(g))
    return -1;
  double rho = p->ncv ? th[k] : 0.0;
  double lam0 = p->ncv ? bmd_ncv_log_abs_mean(p, m0) : 0.0;
  th[v] = 2.0 * log(g / p->bmr) - rho * lam0;
  if (!isfinite(th[v]))
    return -1;
  if (dl) {
    double mm = fabs(m0) < 1e-12 ? copysign(1e-12, m0) : m0;
    for (size_t j = 0; j < k; j++)
      dl[j] = 2.0 * p->sign * (gb[j] - g0[j]) / g - (p->ncv ? rho * g0[j] / mm : 0.0);
    if (p->ncv)
      dl[k] = -lam0;
  }
  return 0;
}

/* theta (every entry, l solved) from z */
static int theta_of(const reduced_ctx *c, const double *z, double *th, double *dl) {
  for (size_t j = 0; j + 1 < c->p->n_par; j++)
    th[j] = c->w[j] * z[j];
  return solve_l(c, th, dl);
}

static double reduced_cb(unsigned n, const double *z, double *grad, void *data) {
  const reduced_ctx *c = data;
  const bmd_problem *p = c->p;
  size_t v = p->n_par - 1;
  double th[BMD_MAX_PARAMS], dl[BMD_MAX_PARAMS], gf[BMD_MAX_PARAMS];
  if (theta_of(c, z, th, grad ? dl : NULL) != 0) {
    if (grad)
      memset(grad, 0, n * sizeof(double));
    return HUGE_VAL;
  }
  double f = bmd_nll(p, th, grad ? gf : NULL);
  if (grad)
    for (size_t j = 0; j < v; j++)
      grad[j] = (gf[j] + gf[v] * dl[j]) * c->w[j];
  return f;
}

/*
 * Diagonal preconditioning as bmd_optim's: w_j = 1 / sqrt(I_jj), the
 * expected Fisher information I_jj = sum_i n_i / sigma_i^2 (dm_i/dtheta_j)^2
 * of a mean parameter and sum_i n_i/2 (ln|m_i|)^2 of rho.
 */
static void set_scales(reduced_ctx *c, const double *th) {
  const bmd_problem *p = c->p;
  double info[BMD_MAX_PARAMS] = {0}, gm[BMD_MAX_PARAMS];
  size_t k = p->n_mean;
  double l = th[p->n_par - 1], rho = p->ncv ? th[k] : 0.0;
  for (size_t i = 0; i < p->n_groups; i++) {
    double m;
    p->mean(th, p->x[i], p->aux, &m, gm);
    double lam = bmd_ncv_log_abs_mean(p, m); /* enters only with ncv */
    double sig2 = exp(l + rho * lam);
    for (size_t j = 0; j < k; j++)
      info[j] += p->nn[i] / sig2 * gm[j] * gm[j];
    if (p->ncv)
      info[k] += 0.5 * p->nn[i] * lam * lam;
  }
  for (size_t j = 0; j + 1 < p->n_par; j++) {
    double w = info[j] > 0 && isfinite(info[j]) ? 1.0 / sqrt(info[j]) : 1.0;
    c->w[j] = w > 1e-12 && w < 1e12 ? w : 1.0;
  }
}

int bmd_optim_profile_reduced(const bmd_problem *p, double xb, double *th, double *nll) {
  if (p->bmr_type != BMD_BMR_SD || !(p->bmr > 0))
    return BMD_FIT_FAILED;
  reduced_ctx c = {.p = p, .xb = xb};
  size_t n = p->n_par - 1, v = n;
  double z[BMD_MAX_PARAMS], lb[BMD_MAX_PARAMS], ub[BMD_MAX_PARAMS], y[BMD_MAX_PARAMS];
  memcpy(y, th, p->n_par * sizeof(double));
  bmd_clamp(p, y);
  set_scales(&c, y);
  for (size_t j = 0; j < n; j++) {
    lb[j] = p->lb[j] / c.w[j];
    ub[j] = p->ub[j] / c.w[j];
    z[j] = y[j] / c.w[j];
  }
  if (theta_of(&c, z, y, NULL) != 0)
    return BMD_FIT_FAILED; /* the start cannot meet the BMR equation */
  nlopt_opt o = nlopt_create(NLOPT_LD_SLSQP, (unsigned)n);
  if (!o)
    return BMD_FIT_FAILED;
  nlopt_set_lower_bounds(o, lb);
  nlopt_set_upper_bounds(o, ub);
  nlopt_set_min_objective(o, reduced_cb, &c);
  /* as the constrained profile: 2 dLL to ~1e-6 */
  nlopt_set_ftol_rel(o, 1e-10);
  nlopt_set_xtol_rel(o, 1e-8);
  nlopt_set_maxeval(o, 300);
  double f = HUGE_VAL;
  nlopt_result r = nlopt_optimize(o, z, &f);
  nlopt_destroy(o);
  /* converged, or the constrained form takes the point over */
  if (r <= 0 || r == NLOPT_MAXEVAL_REACHED || r == NLOPT_MAXTIME_REACHED)
    return BMD_FIT_FAILED;
  for (size_t j = 0; j < n; j++) /* the box, against rounding in w z */
    y[j] = fmin(fmax(c.w[j] * z[j], p->lb[j]), p->ub[j]);
  if (solve_l(&c, y, NULL) != 0 || !(y[v] >= p->lb[v] && y[v] <= p->ub[v]))
    return BMD_FIT_FAILED;
  f = bmd_nll(p, y, NULL);
  if (!isfinite(f))
    return BMD_FIT_FAILED;
  memcpy(th, y, p->n_par * sizeof(double));
  *nll = f;
  return BMD_FIT_OK;
}
