/*
 * fit_profile_reduced.c - one point of the BMD profile with a BMR in
 * standard deviations, as a bound-constrained problem.
 *
 * The profile at scaled dose xb minimises the NLL subject to the BMR
 * equation (fit_profile.c). With an SD BMR the equation
 *   s (m(xb) - m(0)) = BMRF exp((l + rho lam0) / 2),  lam0 = ln|D m(0)|
 * (rho = 0 with constant variance) is solved for ln alpha:
 *   l(phi) = 2 ln(s (m(xb) - m(0)) / BMRF) - rho lam0,
 * which leaves a problem in phi, the mean parameters and rho, with bounds
 * only:
 *   min F(phi) = NLL(phi, l(phi)),
 *   dF/dphi_j = dNLL/dphi_j + dNLL/dl dl/dphi_j,
 *   dl/dtheta_j = 2 (dm(xb)/dtheta_j - dm(0)/dtheta_j) / (m(xb) - m(0))
 *                 - rho (dm(0)/dtheta_j) / m(0),
 *   dl/drho = -lam0,
 * solved by Fisher scoring (fit_scoring.c). Every point it visits meets
 * the constraint exactly, so there is no equality constraint to keep and
 * no projection to finish with (fit_optim.c's general profile). Where
 * s (m(xb) - m(0)) <= 0 no variance meets the equation: F = +inf there (F
 * grows without bound as that difference goes to 0, sigma^2 with it).
 */
#include "fit_internal.h"
#include "fit_scoring.h"

#include <math.h>
#include <string.h>

/*
 * The first steps' damping: mu = 1e3 makes them short, about the scaled
 * gradient's (F_jj (1 + mu) on the diagonal), as SLSQP's first steps are.
 * Undamped, scoring's first Newton step from a poor start can cross into
 * another basin than SLSQP reaches: ZFP354A_10203 Exp 5 BMDL (DEHP) went
 * from 10.1 to 115, the Exp 5 step branch (d = 18) that the upper limit's
 * search had found lost at the lower limit's second look. The damping
 * falls tenfold with every accepted step.
 */
#define REDUCED_MU0 1e3

typedef struct reduced_ctx {
  const bmd_problem *p;
  double xb; /* profile dose (scaled) */
} reduced_ctx;

/* Sets th[l] = l(phi) and, if dl is given, dl/dphi (n_par - 1 entries);
 * -1 where l is not defined. */
static int reduced_l(const reduced_ctx *c, double *th, double *dl) {
  const bmd_problem *p = c->p;
  size_t k = p->n_mean, v = p->n_par - 1;
  double mb, m0, gb[BMD_MAX_PARAMS], g0[BMD_MAX_PARAMS];
  p->mean(th, c->xb, p->aux, &mb, dl ? gb : NULL);
  p->mean(th, 0.0, p->aux, &m0, dl ? g0 : NULL);
  double diff = p->sign * (mb - m0);
  if (!(diff > 0) || !isfinite(diff))
    return -1;
  double rho = p->ncv ? th[k] : 0.0, lam0 = p->ncv ? bmd_ncv_log_abs_mean(p, m0) : 0.0;
  th[v] = 2.0 * log(diff / p->bmr) - rho * lam0;
  if (!isfinite(th[v]))
    return -1;
  if (dl) {
    double mm = fabs(m0) < 1e-12 ? copysign(1e-12, m0) : m0;
    for (size_t j = 0; j < k; j++)
      dl[j] = 2.0 * (gb[j] - g0[j]) / (mb - m0) - (p->ncv ? rho * g0[j] / mm : 0.0);
    if (p->ncv)
      dl[k] = -lam0;
  }
  return 0;
}

/*
 * F(phi), its gradient and the expected information of the reduced
 * problem (n = n_par - 1 parameters phi, F n x n row-major), all from one
 * pass of bmd_nll_info over the groups. theta = (phi, l(phi)) has the
 * Jacobian J = dtheta/dphi = [identity; dl/dphi'], so
 *   grad F = J' grad NLL:   dF/dphi_a = dNLL/dphi_a + dNLL/dl dl/dphi_a,
 *   F_ab = (J' I J)_ab = I_ab + I_al dl_b + dl_a I_lb + dl_a dl_b I_ll,
 * with I the information of theta. l moves with every mean parameter that
 * moves m(xb) - m(0), and its share of the information can exceed the
 * mean's by orders of magnitude. HUGE_VAL where l(phi) is not defined or
 * a value is not finite.
 */
static double reduced_fgi(const reduced_ctx *c, const double *phi, double *grad, double *F) {
  const bmd_problem *p = c->p;
  size_t n = p->n_par - 1, np = p->n_par, v = n;
  double th[BMD_MAX_PARAMS], dl[BMD_MAX_PARAMS], g[BMD_MAX_PARAMS];
  double I[BMD_MAX_PARAMS * BMD_MAX_PARAMS];
  memcpy(th, phi, n * sizeof(double));
  if (reduced_l(c, th, dl) != 0)
    return HUGE_VAL;
  double f = bmd_nll_info(p, th, g, I);
  if (!(f < HUGE_VAL))
    return HUGE_VAL;
  for (size_t a = 0; a < n; a++) {
    grad[a] = g[a] + g[v] * dl[a];
    for (size_t b = 0; b < n; b++)
      F[a * n + b] = I[a * np + b] + I[a * np + v] * dl[b] + dl[a] * I[v * np + b] +
                     dl[a] * dl[b] * I[v * np + v];
  }
  return f;
}

static double scoring_fgi_cb(void *ctx, const double *x, double *grad, double *F) {
  return reduced_fgi(ctx, x, grad, F);
}

/* x with l(phi) set, if that l lies in its box and the NLL is finite:
 * 0 and *nll, else -1 */
static int reduced_accept(const reduced_ctx *c, double *x, double *nll) {
  const bmd_problem *p = c->p;
  size_t v = p->n_par - 1;
  bmd_clamp(p, x);
  if (reduced_l(c, x, NULL) != 0 || !(x[v] >= p->lb[v]) || !(x[v] <= p->ub[v]))
    return -1;
  double f = bmd_nll(p, x, NULL);
  if (!(f < HUGE_VAL))
    return -1;
  *nll = f;
  return 0;
}

int bmd_profile_reduced(const bmd_problem *p, double xb, double *th, double *nll, double nll_near,
                        const double *th_known, double nll_known) {
  reduced_ctx c = {.p = p, .xb = xb};
  size_t n = p->n_par - 1;
  double x[BMD_MAX_PARAMS], f;
  memcpy(x, th, sizeof(x));
  bmd_clamp(p, x);
  if (reduced_l(&c, x, NULL) != 0)
    return BMD_FIT_FAILED;
  double f_start = bmd_nll(p, x, NULL);
  if (!(f_start < HUGE_VAL))
    return BMD_PROFILE_START_INFINITE;
  if (f_start > nll_near)
    return BMD_PROFILE_START_FAR;
  bmd_scoring_problem sp = {.n = n, .lb = p->lb, .ub = p->ub, .ctx = &c, .fgi = scoring_fgi_cb};
  bmd_scoring_options so = bmd_scoring_options_default();
  so.mu0 = REDUCED_MU0;
  so.x_known = th_known; /* its first n entries are its phi */
  so.f_known = nll_known;
  size_t evals;
  int st = bmd_scoring_minimize(&sp, &so, x, &f, &evals);
  if (st == BMD_FIT_FAILED || reduced_accept(&c, x, nll) != 0)
    return BMD_FIT_FAILED;
  memcpy(th, x, sizeof(x));
  return st;
}
