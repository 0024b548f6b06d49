/*
 * fit_optim.c - the optimiser driver: bounded maximum likelihood and the
 * equality-constrained maximum used by the BMD profile, both with NLopt.
 *
 * MLE: SLSQP with analytic gradients; if it fails, L-BFGS and then the
 * derivative-free BOBYQA from the best point so far. Profile with a BMR in
 * standard deviations and constant variance: the BMR equation solved for
 * ln alpha and the bound-constrained rest by Fisher scoring
 * (fit_profile_reduced.c).
 * Otherwise, and where that reduced problem fails: SLSQP with
 * the BMR equation as an equality constraint, started from a projection of
 * the warm start onto the constraint and finished by the same projection
 * (one parameter moved by Newton steps), since SLSQP may stop with the
 * constraint met only to ~1e-5. Parameters are preconditioned by the
 * expected Fisher information. The returned status is the best reached.
 */
#include "fit_internal.h"

#include <math.h>
#include <nlopt.h>
#include <string.h>

typedef struct opt_ctx {
  const bmd_problem *p;
  double xb;                   /* profile dose (scaled) */
  double w[BMD_MAX_PARAMS];    /* theta = w * z: the optimiser sees z */
  double last[BMD_MAX_PARAMS]; /* theta of the last evaluation */
} opt_ctx;

/*
 * Diagonal preconditioning: w_j = 1 / sqrt(I_jj) with the expected Fisher
 * information at theta, I_jj = sum_i n_i / sigma_i^2 (dm_i/dtheta_j)^2 for
 * mean parameters, N/2 for l and sum_i n_i/2 (ln|m_i|)^2 for rho, so that
 * the optimiser works on parameters of unit curvature.
 */
static void set_scales(opt_ctx *c, const double *th) {
  const bmd_problem *p = c->p;
  double info[BMD_MAX_PARAMS] = {0}, gm[BMD_MAX_PARAMS];
  size_t k = p->n_mean;
  double l = th[p->n_par - 1], rho = p->ncv ? th[k] : 0.0;
  for (size_t i = 0; i < p->n_groups; i++) {
    double m;
    p->mean(th, p->x[i], p->aux, &m, gm);
    double lam = bmd_ncv_log_abs_mean(p, m); /* enters only with ncv (rho = 0 else) */
    double sig2 = exp(l + rho * lam);
    for (size_t j = 0; j < k; j++)
      info[j] += p->nn[i] / sig2 * gm[j] * gm[j];
    if (p->ncv)
      info[k] += 0.5 * p->nn[i] * lam * lam;
  }
  info[p->n_par - 1] = 0.5 * p->n_total;
  for (size_t j = 0; j < p->n_par; j++) {
    double w = info[j] > 0 && isfinite(info[j]) ? 1.0 / sqrt(info[j]) : 1.0;
    c->w[j] = w > 1e-12 && w < 1e12 ? w : 1.0;
  }
}

static void unscale(const opt_ctx *c, const double *z, double *th) {
  for (size_t j = 0; j < c->p->n_par; j++)
    th[j] = c->w[j] * z[j];
}

static double obj_cb(unsigned n, const double *z, double *grad, void *data) {
  (void)n;
  opt_ctx *c = data;
  double th[BMD_MAX_PARAMS];
  unscale(c, z, th);
  double f = bmd_nll(c->p, th, grad);
  memcpy(c->last, th, sizeof(th));
  if (grad)
    for (size_t j = 0; j < c->p->n_par; j++)
      grad[j] *= c->w[j];
  return f;
}

/*
 * Profile constraint h(theta) = s (m(xb) - m(0)) - Delta(theta) = 0,
 * grad h = s (grad m(xb) - grad m(0)) - grad Delta.
 */
static double constraint_th(const opt_ctx *c, const double *x, double *grad) {
  const bmd_problem *p = c->p;
  double mb, m0, gb[BMD_MAX_PARAMS], g0[BMD_MAX_PARAMS], gd[BMD_MAX_PARAMS];
  p->mean(x, c->xb, p->aux, &mb, grad ? gb : NULL);
  p->mean(x, 0.0, p->aux, &m0, grad ? g0 : NULL);
  double delta = bmd_bmr_delta(p, x, grad ? gd : NULL);
  if (grad) {
    for (size_t j = 0; j < p->n_par; j++)
      grad[j] = -gd[j];
    for (size_t j = 0; j < p->n_mean; j++)
      grad[j] += p->sign * (gb[j] - g0[j]);
  }
  return p->sign * (mb - m0) - delta;
}

static double constraint_cb(unsigned n, const double *z, double *grad, void *data) {
  (void)n;
  opt_ctx *c = data;
  double th[BMD_MAX_PARAMS];
  unscale(c, z, th);
  double h = constraint_th(c, th, grad);
  if (!isfinite(h))
    h = 1e10;
  if (grad)
    for (size_t j = 0; j < c->p->n_par; j++)
      grad[j] *= c->w[j];
  return h;
}

static int status_of(nlopt_result r) {
  if (r == NLOPT_MAXEVAL_REACHED || r == NLOPT_MAXTIME_REACHED)
    return BMD_FIT_MAXEVAL;
  if (r > 0 || r == NLOPT_ROUNDOFF_LIMITED)
    return BMD_FIT_OK;
  return BMD_FIT_FAILED;
}

static nlopt_result run_one(nlopt_algorithm alg, const bmd_problem *p, opt_ctx *ctx, double *x,
                            double *fx, int constrained) {
  nlopt_opt o = nlopt_create(alg, (unsigned)p->n_par);
  if (!o)
    return NLOPT_OUT_OF_MEMORY;
  set_scales(ctx, x);
  double lb[BMD_MAX_PARAMS], ub[BMD_MAX_PARAMS], z[BMD_MAX_PARAMS];
  for (size_t j = 0; j < p->n_par; j++) {
    lb[j] = p->lb[j] / ctx->w[j];
    ub[j] = p->ub[j] / ctx->w[j];
    z[j] = x[j] / ctx->w[j];
  }
  nlopt_set_lower_bounds(o, lb);
  nlopt_set_upper_bounds(o, ub);
  nlopt_set_min_objective(o, obj_cb, ctx);
  /* the profile needs 2 dLL to ~1e-6, not the last digits of theta */
  nlopt_set_ftol_rel(o, constrained ? 1e-10 : 1e-12);
  nlopt_set_xtol_rel(o, constrained ? 1e-8 : 1e-10);
  nlopt_set_maxeval(o, alg == NLOPT_LN_COBYLA || constrained ? 300 : 2000);
  /* NLopt returns the best point meeting the constraint to this
   * tolerance; the projection finishes it to ~1e-13 afterwards. A tighter
   * one (1e-10) left NLopt returning the start whenever SLSQP's iterates
   * came close to the constraint only at ~1e-8 */
  if (constrained)
    nlopt_add_equality_constraint(o, constraint_cb, ctx, 1e-7);
  if (alg == NLOPT_LN_BOBYQA || alg == NLOPT_LN_COBYLA) {
    double step[BMD_MAX_PARAMS];
    for (size_t j = 0; j < p->n_par; j++) {
      double w = ub[j] - lb[j];
      step[j] = fmin(0.1 * (fabs(z[j]) + 1.0), 0.25 * w);
    }
    nlopt_set_initial_step(o, step);
  }
  double f = HUGE_VAL;
  nlopt_result r = nlopt_optimize(o, z, &f);
  nlopt_destroy(o);
  unscale(ctx, z, x);
  bmd_clamp(p, x);
  *fx = f;
  return r;
}

int bmd_optim_mle(const bmd_problem *p, double *th, double *nll) {
  opt_ctx ctx = {.p = p, .xb = 0.0};
  static const nlopt_algorithm algs[] = {NLOPT_LD_SLSQP, NLOPT_LD_LBFGS, NLOPT_LN_BOBYQA};
  double start[BMD_MAX_PARAMS], best[BMD_MAX_PARAMS];
  double fbest = HUGE_VAL;
  int sbest = BMD_FIT_FAILED;
  bmd_clamp(p, th);
  memcpy(start, th, p->n_par * sizeof(double));
  for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
    double x[BMD_MAX_PARAMS], f;
    memcpy(x, a == 0 ? start : (fbest < HUGE_VAL ? best : start), p->n_par * sizeof(double));
    nlopt_result r = run_one(algs[a], p, &ctx, x, &f, 0);
    int st = status_of(r);
    if (isfinite(f) && st != BMD_FIT_FAILED && f <= fbest) {
      fbest = f;
      memcpy(best, x, p->n_par * sizeof(double));
      sbest = st;
    }
    if (sbest == BMD_FIT_OK)
      break;
  }
  if (fbest < HUGE_VAL) {
    memcpy(th, best, p->n_par * sizeof(double));
    *nll = fbest;
  } else {
    *nll = HUGE_VAL;
  }
  return sbest;
}

/* The parameter moved to restore feasibility: ln alpha for an SD BMR (it
 * enters only Delta), else the amplitude-like v / b1 / b. */
static size_t project_index(const bmd_problem *p) {
  return p->bmr_type == BMD_BMR_SD ? p->n_par - 1 : 1;
}

/* Newton steps on h along one parameter; returns |h| afterwards (HUGE_VAL
 * if that parameter leaves its box). */
static double project_along(const opt_ctx *c, double *x, size_t j) {
  double g[BMD_MAX_PARAMS], h = HUGE_VAL;
  for (int it = 0; it < 30; it++) {
    h = constraint_th(c, x, g);
    if (!isfinite(h) || fabs(h) < 1e-13 || g[j] == 0.0)
      break;
    x[j] -= h / g[j];
  }
  h = constraint_th(c, x, NULL);
  if (!(x[j] >= c->p->lb[j] && x[j] <= c->p->ub[j]))
    return HUGE_VAL;
  return isfinite(h) ? fabs(h) : HUGE_VAL;
}

/* Projection along the usual parameter; if that would leave its box (ln
 * alpha on its bound, as non-constant variance often puts it), along rho,
 * then along the amplitude-like parameter. */
static double project(const opt_ctx *c, double *x) {
  const bmd_problem *p = c->p;
  size_t order[3] = {project_index(p), p->n_mean, 1}; /* p->n_mean is rho's index */
  double y[BMD_MAX_PARAMS], h = HUGE_VAL;
  for (size_t t = 0; t < 3; t++) {
    if ((t == 1 && !p->ncv) || (t > 0 && order[t] == order[0]))
      continue;
    memcpy(y, x, p->n_par * sizeof(double));
    h = project_along(c, y, order[t]);
    if (h < 1e-9) {
      memcpy(x, y, p->n_par * sizeof(double));
      return h;
    }
  }
  return h;
}

/* h with theta_k set from t (t = ln |theta_k| on the log scale) */
static double h_at(const opt_ctx *c, double *x, size_t k, int logscale, double sgn, double t) {
  x[k] = logscale ? sgn * exp(t) : t;
  return constraint_th(c, x, NULL);
}

/*
 * h = 0 along parameter k by bisection over its box, where Newton fails
 * (a steep shape makes h flat, then a step, in the amplitude): on
 * t = ln |theta_k| when the box lies on one side of 0, else on theta_k.
 * Returns 0 when |h| ends below 1e-9, -1 when h has one sign at both ends
 * of the box.
 */
static int bisect_along(const opt_ctx *c, double *x, size_t k) {
  double lo = c->p->lb[k], hi = c->p->ub[k], sgn = hi > 0.0 ? 1.0 : -1.0;
  int logscale = lo >= 0.0 || hi <= 0.0;
  if (logscale) {
    double a = fabs(lo), b = fabs(hi);
    lo = log(fmax(fmin(a, b), 1e-12 * fmax(a, b)));
    hi = log(fmax(a, b));
  }
  double h_lo = h_at(c, x, k, logscale, sgn, lo), h_hi = h_at(c, x, k, logscale, sgn, hi);
  if (!(h_lo * h_hi < 0))
    return -1;
  for (int it = 0; it < 200; it++) {
    double mid = 0.5 * (lo + hi), h = h_at(c, x, k, logscale, sgn, mid);
    if (fabs(h) < 1e-13)
      break;
    if ((h < 0) == (h_lo < 0))
      lo = mid;
    else
      hi = mid;
  }
  double h = constraint_th(c, x, NULL);
  return isfinite(h) && fabs(h) < 1e-9 ? 0 : -1;
}

int bmd_profile_reshape(const bmd_problem *p, double xb, double *th, size_t j, size_t k,
                        double value) {
  opt_ctx ctx = {.p = p, .xb = xb};
  double y[BMD_MAX_PARAMS];
  memcpy(y, th, sizeof(y));
  y[j] = value;
  if (project_along(&ctx, y, k) < 1e-9 || bisect_along(&ctx, y, k) == 0) {
    memcpy(th, y, sizeof(y));
    return 0;
  }
  return -1;
}

/* The profile point as SLSQP with the BMR equation as an equality
 * constraint (see the file's comment). */
static int constrained_profile(const bmd_problem *p, double xb, double *th, double *nll) {
  opt_ctx ctx = {.p = p, .xb = xb};
  /* SLSQP only: COBYLA as a fallback was slow and could spin on NaN; the
   * caller restarts from other shapes instead */
  double start[BMD_MAX_PARAMS];
  memcpy(start, th, p->n_par * sizeof(double));
  {
    double y[BMD_MAX_PARAMS];
    memcpy(y, start, sizeof(y));
    if (project(&ctx, y) < 1e-9)
      memcpy(start, y, sizeof(y));
  }
  double x[BMD_MAX_PARAMS], f;
  memcpy(x, start, p->n_par * sizeof(double));
  nlopt_result r = run_one(NLOPT_LD_SLSQP, p, &ctx, x, &f, 1);
  int st = status_of(r);
  /*
   * Two candidates, each finished by the projection (SLSQP may stop with
   * the constraint met only to ~1e-5): the point NLopt returns, which is
   * the best one meeting the constraint to its tolerance, and SLSQP's last
   * iterate. Along a ridge (Hill's v and k growing together) no iterate
   * may meet the tolerance, and NLopt then returns the start however far
   * SLSQP went.
   */
  double cand[2][BMD_MAX_PARAMS], best = HUGE_VAL;
  memcpy(cand[0], x, sizeof(x));
  memcpy(cand[1], ctx.last, sizeof(x));
  bmd_clamp(p, cand[1]);
  for (int i = 0; i < 2 && st != BMD_FIT_FAILED; i++) {
    if (project(&ctx, cand[i]) >= 1e-9)
      continue;
    double fi = bmd_nll(p, cand[i], NULL);
    if (isfinite(fi) && fi < best) {
      best = fi;
      memcpy(th, cand[i], p->n_par * sizeof(double));
    }
  }
  if (best < HUGE_VAL) {
    *nll = best;
    return st;
  }
  *nll = HUGE_VAL;
  return BMD_FIT_FAILED;
}

int bmd_optim_profile_constrained(const bmd_problem *p, double xb, double *th, double *nll) {
  bmd_clamp(p, th);
  return constrained_profile(p, xb, th, nll);
}

int bmd_optim_profile(const bmd_problem *p, double xb, double *th, double *nll, double nll_near,
                      const double *th_known, double nll_known) {
  bmd_clamp(p, th);
  /* the reduced problem with constant variance only: with non-constant
   * variance its scoring converged more slowly than the constrained SLSQP
   * (the profile's share of bench_fit nonconstant grew from 0.67 to 0.95
   * CPU seconds on 20 probes) */
  if (p->bmr_type == BMD_BMR_SD && !p->ncv) {
    double red[BMD_MAX_PARAMS];
    memcpy(red, th, sizeof(red));
    int st = bmd_profile_reduced(p, xb, red, nll, nll_near, th_known, nll_known);
    if (st == BMD_PROFILE_START_INFINITE) {
      *nll = HUGE_VAL;
      return BMD_FIT_FAILED;
    }
    if (st != BMD_FIT_FAILED && st != BMD_PROFILE_START_FAR) {
      memcpy(th, red, p->n_par * sizeof(double));
      return st;
    }
  }
  return constrained_profile(p, xb, th, nll);
}
