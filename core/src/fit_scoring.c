/*
 * fit_scoring.c - bounded Fisher scoring: a Newton method whose Hessian is
 * the expected information, for the small problems of a fit (up to
 * BMD_MAX_PARAMS parameters, each in a box), with Levenberg-Marquardt
 * damping. The likelihood's expected information is positive
 * semi-definite everywhere and close to the Hessian near a good fit, so
 * the steps converge about as fast as Newton's where it matters; the
 * information comes with the gradient, from the same pass over the data
 * (the fgi callback). NLopt's SLSQP spends most of its time on its own
 * bookkeeping for problems this small.
 *
 * Iteration, from x in the box, f = f(x), g = grad f(x), F = information,
 * mu = mu0 (the options) at first:
 *   free set: j with lb_j < x_j < ub_j, or on a bound with -g_j pointing
 *             into the box, and F_jj > 0 (a parameter the data carry no
 *             information on stays where it is);
 *   step:     (F_FF + mu diag F_FF) d_F = -g_F,  d = 0 off the free set,
 *             x' = clamp(x + d), s = x' - x;
 *   accept:   when f(x') <= f - 1e-4 pred, pred = -(g's + s'F s / 2) > 0
 *             (the decrease the quadratic model promised); then mu /= 10
 *             (0 below 1e-10); else mu = max(10 mu, 1e-4) and the step is
 *             solved again, up to mu = 1e10;
 *   stop:     |f - f(x')| <= ftol_rel (|f| + ftol_rel) after a step
 *             with mu <= 1e-3, or every |s_j| <= xtol_rel (|x_j| +
 *             xtol_rel) after an undamped one (NLopt's ftol_rel and
 *             xtol_rel; a damped step is short by construction); or a step
 *             the box did not cut promising at most 1e-12 (|f| + 1) (a
 *             stationary point); or, the box cutting every step, none
 *             promising more (a point where the projected gradient
 *             vanishes); BMD_FIT_FAILED when no step up to mu = 1e10
 *             decreases f as its promise requires;
 *   max_iter  iterations: BMD_FIT_MAXEVAL, the last point kept;
 *   known:    with a minimum known already (options x_known, f_known), an
 *             iterate x with f(x) >= f_known and
 *             (x - x_known)' F (x - x_known) < 1e-2 (a tenth of a standard
 *             error away) is in its basin: the search ends there with
 *             x_known, f_known and BMD_FIT_OK.
 */
#include "fit_scoring.h"

#include "fit_internal.h"

#include <math.h>
#include <string.h>

#define ARMIJO 1e-4
/* damping below which a step is close to Newton's: its change of f
 * measures convergence */
#define MILD_DAMPING_EXP (-4)
/* the damping is 10^e, kept as the integer e so that comparisons with the
 * levels above are exact (1e3 times 0.1 six times is 1.0000000000000002e-3,
 * which "mu <= 1e-3" took for strong damping); below NO_DAMPING_EXP it is
 * 0, a Newton step */
#define NO_DAMPING_EXP (-10)
#define LEAST_DAMPING_EXP (-4) /* the first damping after a rejected Newton step */
#define MOST_DAMPING_EXP 10
/* within this squared distance of the known minimum in the information's
 * metric, (x - x_known)' F (x - x_known) (a tenth of a standard error),
 * an iteration is in that minimum's basin */
#define KNOWN_BASIN 1e-2

static double damping(int e) {
  return e < NO_DAMPING_EXP ? 0.0 : pow(10.0, e);
}

bmd_scoring_options bmd_scoring_options_default(void) {
  bmd_scoring_options o = {.ftol_rel = 1e-10, .xtol_rel = 1e-8, .max_iter = 100, .mu0 = 0.0};
  return o;
}

static void clamp_into(size_t n, const double *lb, const double *ub, double *x) {
  for (size_t j = 0; j < n; j++)
    x[j] = fmin(fmax(x[j], lb[j]), ub[j]);
}

/* Solves (F_FF + mu diag F_FF) d_F = -g_F over the free set (idx, nf);
 * -1 when that matrix is not positive definite. */
static int damped_step(const double *F, const double *g, size_t n, const size_t *idx, size_t nf,
                       double mu, double *d) {
  double A[BMD_MAX_PARAMS * BMD_MAX_PARAMS], b[BMD_MAX_PARAMS], s[BMD_MAX_PARAMS];
  memset(d, 0, n * sizeof(double));
  for (size_t a = 0; a < nf; a++) {
    for (size_t c = 0; c < nf; c++)
      A[a * nf + c] = F[idx[a] * n + idx[c]];
    A[a * nf + a] *= 1.0 + mu;
    b[a] = -g[idx[a]];
  }
  if (bmd_cholesky(A, nf) != 0)
    return -1;
  bmd_cholesky_forward(A, nf, b, s);
  bmd_cholesky_backward(A, nf, s);
  for (size_t a = 0; a < nf; a++) {
    if (!isfinite(s[a]))
      return -1;
    d[idx[a]] = s[a];
  }
  return 0;
}

/* x within KNOWN_BASIN of the known minimum, in the metric of the
 * information F at x, and not below it (a point below the known minimum
 * has found more than it) */
static int in_known_basin(const bmd_scoring_options *opt, const double *F, const double *x,
                          double f, size_t n) {
  if (f < opt->f_known)
    return 0;
  double dx[BMD_MAX_PARAMS], q = 0.0;
  for (size_t a = 0; a < n; a++)
    dx[a] = x[a] - opt->x_known[a];
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < n; b++)
      q += dx[a] * F[a * n + b] * dx[b];
  return q < KNOWN_BASIN;
}

/* -(g's + s'F s / 2): the decrease the quadratic model promises for s */
static double predicted_decrease(const double *F, const double *g, const double *s, size_t n) {
  double lin = 0.0, quad = 0.0;
  for (size_t a = 0; a < n; a++) {
    lin += g[a] * s[a];
    for (size_t b = 0; b < n; b++)
      quad += s[a] * F[a * n + b] * s[b];
  }
  return -(lin + 0.5 * quad);
}

int bmd_scoring_minimize(const bmd_scoring_problem *sp, const bmd_scoring_options *opt, double *x,
                         double *f_out, size_t *n_evals) {
  size_t n = sp->n, evals = 1;
  double g[BMD_MAX_PARAMS], F[BMD_MAX_PARAMS * BMD_MAX_PARAMS], d[BMD_MAX_PARAMS];
  double xt[BMD_MAX_PARAMS], gt[BMD_MAX_PARAMS], s[BMD_MAX_PARAMS];
  int mu_exp = opt->mu0 > 0 ? (int)lround(log10(opt->mu0)) : NO_DAMPING_EXP - 1;
  int status = BMD_FIT_MAXEVAL;
  double Ft[BMD_MAX_PARAMS * BMD_MAX_PARAMS];
  clamp_into(n, sp->lb, sp->ub, x);
  double f = sp->fgi(sp->ctx, x, g, F);
  if (!isfinite(f)) {
    *n_evals = evals;
    return BMD_FIT_FAILED;
  }
  for (int it = 0; it < opt->max_iter && status == BMD_FIT_MAXEVAL; it++) {
    size_t idx[BMD_MAX_PARAMS], nf = 0;
    for (size_t j = 0; j < n; j++) {
      int at_lb = x[j] <= sp->lb[j] && g[j] > 0, at_ub = x[j] >= sp->ub[j] && g[j] < 0;
      /* a parameter the data carry no information on (Hill n with k = 0:
       * a step at dose 0 whatever n) stays where it is */
      int no_info = !(F[j * n + j] > 0);
      if (!at_lb && !at_ub && !no_info)
        idx[nf++] = j;
    }
    if (nf == 0) {
      status = BMD_FIT_OK;
      break;
    }
    double ft = HUGE_VAL, pred = 0.0, tiny = 1e-12 * (fabs(f) + 1.0);
    int accepted = 0, stationary = 0;
    if (opt->x_known && in_known_basin(opt, F, x, f, n)) {
      memcpy(x, opt->x_known, n * sizeof(double));
      f = opt->f_known;
      status = BMD_FIT_OK;
      break;
    }
    for (int first = 1; mu_exp <= MOST_DAMPING_EXP && !accepted && !stationary; first = 0) {
      if (!first)
        mu_exp = mu_exp < LEAST_DAMPING_EXP ? LEAST_DAMPING_EXP : mu_exp + 1;
      if (damped_step(F, g, n, idx, nf, damping(mu_exp), d) != 0)
        continue;
      int clamped = 0;
      for (size_t j = 0; j < n; j++) {
        xt[j] = fmin(fmax(x[j] + d[j], sp->lb[j]), sp->ub[j]);
        s[j] = xt[j] - x[j];
        clamped = clamped || s[j] != d[j];
      }
      pred = predicted_decrease(F, g, s, n);
      /* an unclamped step promising nothing: a stationary point; a
       * clamped one that does (the box cut a Newton step into a poor
       * direction) is damped towards the projected gradient instead */
      stationary = !clamped && !(pred > tiny);
      if (stationary || !(pred > tiny))
        continue;
      ft = sp->fgi(sp->ctx, xt, gt, Ft);
      evals++;
      accepted = isfinite(ft) && ft <= f - ARMIJO * pred;
    }
    if (stationary || (!accepted && !(pred > tiny))) {
      status = BMD_FIT_OK;
      break;
    }
    if (!accepted) {
      status = BMD_FIT_FAILED;
      break;
    }
    /* small changes mean convergence only from an undamped step (a
     * damped one is short by construction) */
    int undamped = mu_exp < NO_DAMPING_EXP, mild = mu_exp <= MILD_DAMPING_EXP;
    if (!undamped)
      mu_exp--;
    int x_small = undamped;
    for (size_t j = 0; j < n; j++)
      x_small = x_small && fabs(s[j]) <= opt->xtol_rel * (fabs(xt[j]) + opt->xtol_rel);
    int f_small = mild && fabs(f - ft) <= opt->ftol_rel * (fabs(ft) + opt->ftol_rel);
    memcpy(x, xt, n * sizeof(double));
    memcpy(g, gt, n * sizeof(double));
    memcpy(F, Ft, n * n * sizeof(double));
    f = ft;
    if (f_small || x_small)
      status = BMD_FIT_OK;
  }
  *f_out = f;
  *n_evals = evals;
  return status;
}
