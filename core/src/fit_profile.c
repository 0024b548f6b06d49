/*
 * fit_profile.c - BMDL and BMDU as exact roots of the profile likelihood
 * (numerics.md §1.7).
 *
 *   P(x) = min NLL(theta) subject to s (m(x) - m(0)) = Delta(theta)
 *   BMDL, BMDU solve  2 (P(x) - NLL_hat) = chi^2_1(1 - 2 alpha)  (= 2.705543 at alpha 0.05)
 * below and above the BMD. Every other free parameter is re-optimised at
 * each x: warm start from the nearest point already solved, a start from
 * the MLE, and restarts of the shape parameter (Power n, Hill n, Exp d) so
 * that a profile does not stay in a local optimum or stuck on a bound (the
 * Power n = 1 trap). The limit is the
 * first crossing walking out from the BMD, as BMDS's profile walk finds it
 * (profiles can be non-monotone): steps from x 0.85 (down to 1e-6 BMD)
 * and x 1.2 (up to 2^10 max dose), each ratio raised to the power 1.25
 * after every step, bracket it, then Illinois regula falsi on
 * ln x refines it. When the walk ends with the profile still below the
 * target (e.g. an Exp 5 plateau that meets the BMR only at its asymptote,
 * so every larger dose is as likely), the limit is unbounded: the farthest
 * point reached is returned as the witness, a parameter set inside the
 * confidence region whose BMD lies beyond the search range.
 */
#include "fit_internal.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define PROFILE_CACHE 160

typedef struct prof_point {
  double x;
  double nll;
  double th[BMD_MAX_PARAMS];
} prof_point;

typedef struct prof_state {
  const bmd_problem *p;
  prof_point pts[PROFILE_CACHE];
  size_t n_pts;
  double target; /* NLL_hat + chi2 / 2 */
} prof_state;

/* Index of the shape parameter restarted at each point, or -1. */
static int shape_index(const bmd_problem *p) {
  switch (p->model) {
  case BMD_MODEL_POWER:
    return 2;
  case BMD_MODEL_HILL:
    return 3;
  case BMD_MODEL_EXP3:
    return 2;
  case BMD_MODEL_EXP5:
    return 3;
  default:
    return -1;
  }
}

/* Profile value at x minus the target; the solution is cached. */
static double prof_eval(prof_state *s, double x) {
  const bmd_problem *p = s->p;
  /* nearest cached point on the log scale, and the nearest on the other
   * side of x: between a point inside the region and one outside it, the
   * inside solution is the continuation that a jump in the profile (the
   * optimiser losing its branch) would otherwise hide */
  size_t near = 0, other = SIZE_MAX;
  double dn = HUGE_VAL, dother = HUGE_VAL;
  for (size_t i = 0; i < s->n_pts; i++) {
    double d = fabs(log(s->pts[i].x / x));
    if (d < dn) {
      dn = d;
      near = i;
    }
  }
  /* and the nearest point inside the region: after a jump the nearest
   * points may all lie on the worse branch */
  size_t inside = SIZE_MAX;
  double dinside = HUGE_VAL;
  for (size_t i = 0; i < s->n_pts; i++) {
    double d = fabs(log(s->pts[i].x / x));
    if ((s->pts[i].x < x) != (s->pts[near].x < x) && d < dother) {
      dother = d;
      other = i;
    }
    if (s->pts[i].nll < s->target && d < dinside) {
      dinside = d;
      inside = i;
    }
  }
  double best[BMD_MAX_PARAMS], fbest = HUGE_VAL;
  double th[BMD_MAX_PARAMS], f;
  memcpy(th, s->pts[near].th, sizeof(th));
  if (bmd_optim_profile(p, x, th, &f) != BMD_FIT_FAILED && f < fbest) {
    fbest = f;
    memcpy(best, th, sizeof(th));
  }
  if (other != SIZE_MAX && other != 0) {
    memcpy(th, s->pts[other].th, sizeof(th));
    if (bmd_optim_profile(p, x, th, &f) != BMD_FIT_FAILED && f < fbest) {
      fbest = f;
      memcpy(best, th, sizeof(th));
    }
  }
  if (inside != SIZE_MAX && inside != near && inside != other && inside != 0) {
    memcpy(th, s->pts[inside].th, sizeof(th));
    if (bmd_optim_profile(p, x, th, &f) != BMD_FIT_FAILED && f < fbest) {
      fbest = f;
      memcpy(best, th, sizeof(th));
    }
  }
  /* a second start from the MLE, and restarts of the shape parameter at
   * every point: profiles of Hill and Exp 5 have several local optima */
  if (near != 0) {
    memcpy(th, s->pts[0].th, sizeof(th));
    if (bmd_optim_profile(p, x, th, &f) != BMD_FIT_FAILED && f < fbest) {
      fbest = f;
      memcpy(best, th, sizeof(th));
    }
  }
  int si = shape_index(p);
  int restart = si >= 0;
  if (restart) {
    static const double shapes[] = {1.0, 1.3, 2.0, 4.0, 10.0};
    for (size_t r = 0; r < sizeof(shapes) / sizeof(shapes[0]); r++) {
      double v = shapes[r];
      if (v < p->lb[si] || v > p->ub[si] || fabs(v - s->pts[near].th[si]) < 1e-3)
        continue;
      /* the new shape with the amplitude (index 1) re-solved from the BMR
       * equation, else as it is */
      memcpy(th, s->pts[near].th, sizeof(th));
      if (bmd_profile_reshape(p, x, th, (size_t)si, 1, v) != 0)
        th[si] = v;
      if (bmd_optim_profile(p, x, th, &f) != BMD_FIT_FAILED && f < fbest) {
        fbest = f;
        memcpy(best, th, sizeof(th));
      }
    }
  }
  /* Exp 4/5 follow a ridge (c -> e^20, b -> 0): restart from moderate c
   * with b re-solved from the BMR equation */
  if (p->model == BMD_MODEL_EXP4 || p->model == BMD_MODEL_EXP5) {
    static const double lcs[] = {0.5, 1.5, 3.0, 6.0};
    for (size_t r = 0; r < sizeof(lcs) / sizeof(lcs[0]); r++) {
      memcpy(th, fbest < HUGE_VAL ? best : s->pts[near].th, sizeof(th));
      if (bmd_profile_reshape(p, x, th, 2, 1, p->sign * lcs[r]) != 0)
        continue;
      if (bmd_optim_profile(p, x, th, &f) != BMD_FIT_FAILED && f < fbest) {
        fbest = f;
        memcpy(best, th, sizeof(th));
      }
    }
  }
  if (!(fbest < HUGE_VAL))
    return NAN;
  /* cached; when the cache is full the point farthest from x (never the
   * MLE, entry 0) makes room, so that a root's solution is always there */
  size_t slot = s->n_pts;
  if (slot == PROFILE_CACHE) {
    double dmax = -1.0;
    for (size_t i = 1; i < s->n_pts; i++) {
      double d = fabs(log(s->pts[i].x / x));
      if (d > dmax) {
        dmax = d;
        slot = i;
      }
    }
  } else {
    s->n_pts++;
  }
  prof_point *pt = &s->pts[slot];
  pt->x = x;
  pt->nll = fbest;
  memcpy(pt->th, best, sizeof(best));
  return fbest - s->target;
}

/*
 * Root of prof_eval in the bracket from *x_in (value *f_in < 0) to x_out
 * (value f_out > 0): Illinois on ln x. Returns a point whose value is
 * within 1e-6 of 0, or, when the bracket has shrunk to 1e-7 in ln x, its
 * end nearer 0 if that is within 1e-4. Otherwise the bracket straddles a
 * jump of the profile (its ends were solved on different branches): NAN,
 * with *x_in, *f_in the inside end.
 */
static double refine(prof_state *s, double *x_in, double *f_in, double x_out, double f_out) {
  double a = log(*x_in), fa = *f_in, b = log(x_out), fb = f_out;
  double fa_true = fa, fb_true = fb; /* Illinois halves fa, fb */
  int side = 0;
  for (int it = 0; it < 60 && fabs(b - a) >= 1e-7; it++) {
    double c = (a * fb - b * fa) / (fb - fa);
    if (!isfinite(c) || c <= fmin(a, b) || c >= fmax(a, b))
      c = 0.5 * (a + b);
    double fc = prof_eval(s, exp(c));
    if (!isfinite(fc))
      fc = 1.0; /* treat failures as outside */
    if (fabs(fc) < 1e-6)
      return exp(c);
    if (fc < 0) {
      a = c;
      fa = fa_true = fc;
      if (side == -1)
        fb *= 0.5;
      side = -1;
    } else {
      b = c;
      fb = fb_true = fc;
      if (side == 1)
        fa *= 0.5;
      side = 1;
    }
  }
  if (fmin(-fa_true, fb_true) < 1e-4)
    return -fa_true < fb_true ? exp(a) : exp(b);
  *x_in = exp(a);
  *f_in = fa_true;
  return NAN;
}

/* the cached point closest to x */
static const prof_point *nearest_point(const prof_state *s, double x) {
  size_t best = 0;
  double dn = HUGE_VAL;
  for (size_t i = 0; i < s->n_pts; i++) {
    double d = fabs(log(s->pts[i].x / x));
    if (d < dn) {
      dn = d;
      best = i;
    }
  }
  return &s->pts[best];
}

/* theta of the cached point closest to x */
static void nearest_theta(const prof_state *s, double x, double *th) {
  memcpy(th, nearest_point(s, x)->th, s->p->n_par * sizeof(double));
}

/*
 * Walk from *x_in (inside the region, value *f_in) by the ratio r0, then
 * r0^1.25, r0^1.25^2, ... until the profile exceeds the target (the
 * crossing, refined and returned) or x passes x_end (NAN; *x_in is then
 * the farthest point inside). A crossing that is a jump of the profile
 * also gives NAN, with *jump set and *x_in the inside end of the jump.
 */
static double walk(prof_state *s, double *x_in, double *f_in, double r0, double x_end,
                   int *last_finite, int *jump) {
  int down = r0 < 1.0;
  *jump = 0;
  for (double r = r0, x = *x_in * r0; down ? x > x_end : x < x_end; r = pow(r, 1.25), x *= r) {
    double f = prof_eval(s, x);
    *last_finite = isfinite(f);
    if (!*last_finite)
      continue;
    if (f > 0) {
      double root = refine(s, x_in, f_in, x, f);
      *jump = isnan(root);
      return root;
    }
    *x_in = x;
    *f_in = f;
  }
  return NAN;
}

/*
 * One limit: the first crossing walking out from the BMD. A jump of the
 * profile (the optimiser found the better branch at the inside end only,
 * after the outside end was solved on a worse one) means the crossing is
 * not there: the walk goes on from the inside end with fine steps, which
 * warm-start each point from the branch just left (at most 10 times).
 */
static double find_limit(prof_state *s, double xbmd, double f_bmd, double r0, double x_end,
                         double *reach, int *last_finite) {
  double x_in = xbmd, f_in = f_bmd;
  int jump;
  *last_finite = 1;
  double root = walk(s, &x_in, &f_in, r0, x_end, last_finite, &jump);
  for (int again = 0; again < 10 && jump; again++)
    root = walk(s, &x_in, &f_in, r0 < 1.0 ? 0.99 : 1.01, x_end, last_finite, &jump);
  *reach = x_in;
  /* still a jump after 10 walks: the farthest point known inside */
  return jump ? x_in : root;
}

int bmd_profile_limits(const bmd_problem *p, const double *th_hat, double nll_hat, double xbmd,
                       double alpha, double *xl, double *xu, double *th_l, double *th_u,
                       double *xl_reach, double *xu_reach) {
  int status = 0;
  prof_state st;
  memset(&st, 0, sizeof(st));
  st.p = p;
  st.target = nll_hat + 0.5 * gsl_cdf_chisq_Pinv(1.0 - 2.0 * alpha, 1.0);
  st.pts[0].x = xbmd;
  st.pts[0].nll = nll_hat;
  memcpy(st.pts[0].th, th_hat, p->n_par * sizeof(double));
  st.n_pts = 1;

  /* lower limit: from x 0.85 BMD down to 1e-6 BMD */
  double f_bmd = nll_hat - st.target, reach;
  int last_finite;
  *xl = find_limit(&st, xbmd, f_bmd, 0.85, xbmd * 1e-6, &reach, &last_finite);
  *xl_reach = NAN;
  if (isnan(*xl)) {
    status |= 1;
    if (last_finite && reach < xbmd) {
      status |= 8;
      *xl_reach = reach;
      nearest_theta(&st, reach, th_l);
    }
  } else {
    nearest_theta(&st, *xl, th_l);
  }

  /* upper limit: from x 1.2 BMD up to 2^10 max dose */
  *xu = find_limit(&st, xbmd, f_bmd, 1.2, 1024.0 * 1.2, &reach, &last_finite);
  *xu_reach = NAN;
  if (isnan(*xu)) {
    status |= 2;
    if (last_finite && reach > xbmd) {
      status |= 16;
      *xu_reach = reach;
      nearest_theta(&st, reach, th_u);
    }
  } else {
    nearest_theta(&st, *xu, th_u);
  }
  return status;
}
