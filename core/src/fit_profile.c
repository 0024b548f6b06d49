/*
 * fit_profile.c - BMDL and BMDU as exact roots of the profile likelihood
 * (numerics.md §1.7).
 *
 *   P(x) = min NLL(theta) subject to s (m(x) - m(0)) = Delta(theta)
 *   BMDL, BMDU solve  2 (P(x) - NLL_hat) = chi^2_1(1 - 2 alpha)  (= 2.705543 at alpha 0.05)
 * below and above the BMD. Every other free parameter is re-optimised at
 * each x: warm starts from points already solved (see prof_eval), a start
 * from the MLE, and restarts of the shape parameter (Power n, Hill n, Exp
 * d) so that a profile does not stay in a local optimum or stuck on a
 * bound (the Power n = 1 trap). The limit is the first crossing walking
 * out from the BMD, as BMDS's profile walk finds it (profiles can be
 * non-monotone): steps from x 0.85 (down to 1e-6 BMD) and x 1.2 (up to
 * 2^10 max dose), each ratio raised to the power 1.25 after every step,
 * bracket it, then Illinois regula falsi on ln x refines it (its inner
 * points from the nearest start only, the root it finds then checked with
 * every start: see refine); a bracket
 * whose ends lie on different branches (a jump) sends the walk on, and the
 * lower limit is looked at again once the upper search has run. When the
 * walk ends with the profile still below the
 * target (e.g. an Exp 5 plateau that meets the BMR only at its asymptote,
 * so every larger dose is as likely), the limit is unbounded: the farthest
 * point reached is returned as the witness, a parameter set inside the
 * confidence region whose BMD lies beyond the search range.
 */
#include "fit_model_def.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define PROFILE_CACHE 160
/* NLL below the target by more than this: clearly inside the region */
#define PROFILE_INSIDE_MARGIN 1e-3
/* NLL above the target by less than this (2 dLL within 2 of chi^2): a
 * point whose solve stopped at its iteration cap is finished (try_start) */
#define PROFILE_POLISH_BAND 1.0
/* a start's NLL on the BMR equation more than this above the target:
 * absurdly far from any optimum (a step curve restarted at a dose below
 * its step, sigma^2 ~ 0), solved with the BMR equation as a constraint,
 * not in the reduced form (bmd_optim_profile): from such a start scoring
 * ran into another basin than SLSQP (ALDOA_232 Hill BMDL 490 -> 542,
 * CENPA_1247 15.4 -> 16.1 in example data 1, where SciPy's profile finds
 * 531 and 15.8 inside the region) */
#define PROFILE_NEAR 1e9

/* the starts prof_eval spends on a point */
typedef enum prof_starts {
  PROF_QUICK,   /* the nearest solved point only */
  PROF_FULL,    /* all of them (prof_eval) */
  PROF_RECHECK, /* the nearest and the lowest point: a point solved fully
                 * before, looked at again once another search has run */
} prof_starts;

typedef struct prof_point {
  double x;
  double nll;
  int quick; /* solved from the nearest start only (PROF_QUICK) */
  double th[BMD_MAX_PARAMS];
} prof_point;

typedef struct prof_state {
  const bmd_problem *p;
  prof_point pts[PROFILE_CACHE];
  size_t n_pts;
  double target; /* NLL_hat + chi2 / 2 */
} prof_state;

/* the best solution of a point's starts so far */
typedef struct prof_best {
  double th[BMD_MAX_PARAMS];
  double nll;    /* HUGE_VAL: none yet */
  int converged; /* its solve converged (a search stopped by max_iter on a
                  * ridge may be short of the minimum) */
} prof_best;

/* One profile solve at x from th; the better solution is kept in b. A
 * start within PROFILE_NEAR of the target once on the BMR equation may be
 * solved in the reduced form (bmd_optim_profile), which stops once it
 * reaches the basin of b's solution if that search converged. */
static void try_start(const prof_state *s, double x, const double *start, prof_best *b) {
  double th[BMD_MAX_PARAMS], f;
  memcpy(th, start, sizeof(th));
  const double *known = b->nll < HUGE_VAL && b->converged ? b->th : NULL;
  int st = bmd_optim_profile(s->p, x, th, &f, s->target + PROFILE_NEAR, known, b->nll);
  /* a reduced solve stopped by its iteration cap (crawling along a ridge,
   * e.g. an Exp 5 curve saturated at the BMR, whose b and d the data no
   * longer see) where the value decides the search, from just inside the
   * region to PROFILE_POLISH_BAND outside it: finished by SLSQP with the
   * BMR equation as a constraint (TMEM5_7211 and MED21_4109 Exp 5, example
   * data 1: their BMDUs, 585 and 714, were such points; SciPy's profile is
   * flat at 2 dLL 2.24 and 1.84 beyond them, the limits unbounded) */
  if (st == BMD_FIT_MAXEVAL && f < s->target + PROFILE_POLISH_BAND &&
      f > s->target - PROFILE_INSIDE_MARGIN) {
    double th2[BMD_MAX_PARAMS], f2;
    memcpy(th2, th, sizeof(th2));
    int st2 = bmd_optim_profile_constrained(s->p, x, th2, &f2);
    if (st2 != BMD_FIT_FAILED && f2 < f) {
      memcpy(th, th2, sizeof(th));
      f = f2;
      st = st2;
    }
  }
  if (st != BMD_FIT_FAILED && f < b->nll) {
    b->nll = f;
    b->converged = st == BMD_FIT_OK;
    memcpy(b->th, th, sizeof(th));
  }
}

/*
 * Profile value at x minus the target; the solution is cached. Warm
 * starts, each a cached solution: the nearest on the log scale; the
 * nearest solved with every start (when the nearest is a quick point,
 * below); the nearest on the other side of x (between a point inside the region and
 * one outside it, the inside solution is the continuation that a jump in
 * the profile, the optimiser losing its branch, would otherwise hide); the
 * nearest inside the region (after a jump the nearest points may all lie
 * on the worse branch); the lowest one (the best branch found anywhere,
 * e.g. by the other limit's search); the MLE. Then, for a model with a
 * dose-scale parameter with the lower bound 0 (Hill k), the curve made a
 * step at dose 0; then
 * restarts of the shape parameter: profiles of Hill and Exp 5 have
 * several local optima. Each start after the first stops once it reaches
 * the basin of the best solution found so far (bmd_scoring_options.x_known).
 * PROF_QUICK stops after the nearest start (a quick value: an upper bound
 * of the profile, so a point it puts inside the region is inside); the
 * other side and the inside are taken among the points solved with every
 * start, as if the quick points were not there, so that a full solve next
 * to quick points still starts from both ends of their bracket;
 * PROF_RECHECK, for a point already solved with every start, adds only the
 * lowest point (with its amplitude re-solved), the one start another
 * search can have changed.
 */
static double prof_eval(prof_state *s, double x, prof_starts starts) {
  const bmd_problem *p = s->p;
  size_t near = 0, near_full = 0, other = SIZE_MAX, inside = SIZE_MAX, lowest = SIZE_MAX;
  double dn = HUGE_VAL, dnf = HUGE_VAL, dother = HUGE_VAL, dinside = HUGE_VAL, flow = HUGE_VAL;
  for (size_t i = 0; i < s->n_pts; i++) {
    double d = fabs(log(s->pts[i].x / x));
    if (d < dn) {
      dn = d;
      near = i;
    }
    if (!s->pts[i].quick && d < dnf) {
      dnf = d;
      near_full = i;
    }
  }
  /* the other side and the inside among the points solved with every
   * start (a quick point's solution is its neighbour's branch carried on:
   * the nearest start, tried already) */
  for (size_t i = 0; i < s->n_pts; i++) {
    double d = fabs(log(s->pts[i].x / x));
    if (!s->pts[i].quick && (s->pts[i].x < x) != (s->pts[near_full].x < x) && d < dother) {
      dother = d;
      other = i;
    }
    if (!s->pts[i].quick && s->pts[i].nll < s->target && d < dinside) {
      dinside = d;
      inside = i;
    }
    if (i > 0 && s->pts[i].nll < flow) {
      flow = s->pts[i].nll;
      lowest = i;
    }
  }
  prof_best b = {.nll = HUGE_VAL};
  size_t tried[6] = {near};
  size_t n_tried = 1;
  try_start(s, x, s->pts[near].th, &b);
  /* more starts can only lower the value: a point the nearest start
   * already proves clearly inside the region (a feasible solution below
   * the target) keeps that solution, since the search uses only the side
   * of the target a point lies on, and the value near the target */
  if (starts == PROF_QUICK || b.nll < s->target - PROFILE_INSIDE_MARGIN)
    goto done;
  size_t more[5] = {near_full, other, inside, lowest, 0};
  for (size_t m = 0; m < 5; m++) {
    int seen = more[m] == SIZE_MAX;
    for (size_t t = 0; t < n_tried && !seen; t++)
      seen = tried[t] == more[m];
    if (seen || (starts == PROF_RECHECK && m != 3))
      continue;
    tried[n_tried++] = more[m];
    try_start(s, x, s->pts[more[m]].th, &b);
    /* a far start (the lowest point, the MLE) also with its amplitude
     * (index 1) re-solved from the BMR equation at x: the usual
     * projection moves ln alpha, which can leave a curve that reaches
     * the BMR elsewhere with a variance far too small */
    double th[BMD_MAX_PARAMS];
    memcpy(th, s->pts[more[m]].th, sizeof(th));
    if (m >= 3 && p->n_mean > 1 && bmd_profile_reshape(p, x, th, 1, 1, th[1]) == 0)
      try_start(s, x, th, &b);
    /* and (Exp 4/5) with ln c re-solved instead: the curve keeps its
     * shape and its rise is scaled to the BMR, so that a curve saturated
     * below x meets it with its plateau (TMEM5_7211 Exp 5's BMDU) */
    int lcx = p->def->log_c;
    if (m >= 3 && lcx >= 0) {
      memcpy(th, s->pts[more[m]].th, sizeof(th));
      if (bmd_profile_reshape(p, x, th, (size_t)lcx, (size_t)lcx, th[lcx]) == 0)
        try_start(s, x, th, &b);
    }
  }
  if (starts == PROF_RECHECK)
    goto done;
  int ds = p->def->dose_scale;
  /* the rise moved to dose 0, where a dose-scale parameter that divides
   * the dose has the lower bound 0 (Hill k = 0: the curve is a step at
   * dose 0), the amplitude re-solved: such a step meets the BMR equation
   * alike at every x, so where it lies inside the region the profile is
   * flat and no limit exists on that side (MAPK1IP1L_28298 Hill in example
   * data 1: found before only by chance with constant variance, missed
   * for its BMDU with non-constant variance). Exp b on its upper bound is
   * only near such a step, and as a start there it lost the better branch
   * of TRUB2_16962 Exp 5's BMDU (non-constant variance) */
  if (ds >= 0 && p->def->dose_scale_power > 0 && p->lb[ds] == 0.0) {
    double th[BMD_MAX_PARAMS];
    memcpy(th, s->pts[near].th, sizeof(th));
    if (bmd_profile_reshape(p, x, th, (size_t)ds, 1, 0.0) == 0)
      try_start(s, x, th, &b);
  }
  /* the model's shape parameter (Power n, Hill n, Exp 3/5 d), if any */
  int si = p->def->shape;
  if (si >= 0) {
    static const double shapes[] = {1.0, 1.3, 2.0, 4.0, 10.0, 18.0};
    for (size_t r = 0; r < sizeof(shapes) / sizeof(shapes[0]); r++) {
      double v = shapes[r];
      if (v < p->lb[si] || v > p->ub[si] || fabs(v - s->pts[near].th[si]) < 1e-3)
        continue;
      /* the new shape with the amplitude (index 1) re-solved from the BMR
       * equation, else as it is */
      double th[BMD_MAX_PARAMS];
      memcpy(th, s->pts[near].th, sizeof(th));
      if (bmd_profile_reshape(p, x, th, (size_t)si, 1, v) != 0)
        th[si] = v;
      try_start(s, x, th, &b);
    }
  }
  /* Exp 5: a steep step (d on its upper bound) from the control's mean to
   * the highest dose's (ln c = ln(ybar_last / ybar_0) in its box), b
   * re-solved so that the step meets the BMR at x. Between two doses such
   * a step fits alike wherever it lies, so the profile is flat there; the
   * walk, warm-started from the smooth curves its first points found,
   * does not reach it (BZW2_28613 Exp 5 BMDL 695 instead of 499,
   * C1orf112_24242, TIMP1_13877, UHRF1_17708, example data 1; SciPy's
   * profile puts the old limits inside the region) */
  int lnc = p->def->log_c;
  if (lnc >= 0 && si >= 0 && p->yb[p->n_groups - 1] / p->yb[0] > 0.0) {
    double th[BMD_MAX_PARAMS];
    memcpy(th, s->pts[near].th, sizeof(th));
    th[si] = p->ub[si];
    double v = log(p->yb[p->n_groups - 1] / p->yb[0]);
    v = fmin(fmax(v, p->lb[lnc]), p->ub[lnc]);
    if (bmd_profile_reshape(p, x, th, (size_t)lnc, 1, v) == 0)
      try_start(s, x, th, &b);
  }
  /* Exp 4/5 (the models with ln c) follow a ridge (c -> e^20, b -> 0):
   * restart from moderate c with b re-solved from the BMR equation */
  int lc = p->def->log_c;
  if (lc >= 0) {
    static const double lcs[] = {0.5, 1.5, 3.0, 6.0};
    for (size_t r = 0; r < sizeof(lcs) / sizeof(lcs[0]); r++) {
      double th[BMD_MAX_PARAMS];
      memcpy(th, b.nll < HUGE_VAL ? b.th : s->pts[near].th, sizeof(th));
      if (bmd_profile_reshape(p, x, th, (size_t)lc, 1, p->sign * lcs[r]) != 0)
        continue;
      try_start(s, x, th, &b);
    }
  }
done:
  if (!(b.nll < HUGE_VAL))
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
  pt->nll = b.nll;
  pt->quick = starts == PROF_QUICK;
  memcpy(pt->th, b.th, sizeof(b.th));
  return b.nll - s->target;
}

/*
 * Root of prof_eval in the bracket from *x_in (value *f_in < 0) to x_out
 * (value f_out > 0): Illinois on ln x. Returns a point whose value is
 * within 1e-5 of 0, or, when the bracket has shrunk to 1e-6 in ln x, its
 * end nearer 0 if that is within 1e-4. Otherwise the bracket straddles a
 * jump of the profile (its ends were solved on different branches): NAN,
 * with *x_in, *f_in the inside end.
 */
static double refine_with(prof_state *s, double *x_in, double *f_in, double x_out, double f_out,
                          prof_starts starts) {
  double a = log(*x_in), fa = *f_in, b = log(x_out), fb = f_out;
  double fa_true = fa, fb_true = fb; /* Illinois halves fa, fb */
  int side = 0;
  for (int it = 0; it < 60 && fabs(b - a) >= 1e-6; it++) {
    double c = (a * fb - b * fa) / (fb - fa);
    if (!isfinite(c) || c <= fmin(a, b) || c >= fmax(a, b))
      c = 0.5 * (a + b);
    double fc = prof_eval(s, exp(c), starts);
    if (!isfinite(fc))
      fc = 1.0; /* treat failures as outside */
    if (fabs(fc) < 1e-5)
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

/*
 * Root in the bracket from *x_in to x_out (both ends solved with the full
 * starts) as refine_with, its inner points valued by the nearest start
 * alone: a quick value, an upper bound of the profile, so every point it
 * puts inside the region is inside. What is left open is the outside: the
 * quick root gets the full set of starts, and stands if they do not put it
 * inside by more than the tolerance (1e-5), the test every point of a
 * fully searched bracket passes. Otherwise the root, now known inside,
 * becomes the inside end, and the bracket is searched again with the full
 * starts at every point, as before the quick values.
 */
static double refine(prof_state *s, double *x_in, double *f_in, double x_out, double f_out) {
  double a = *x_in, fa = *f_in;
  double root = refine_with(s, &a, &fa, x_out, f_out, PROF_QUICK);
  if (isfinite(root)) {
    double f = prof_eval(s, root, PROF_FULL);
    if (f > -1e-5)
      return root;
    a = root;
    fa = f;
  }
  /* a lies between *x_in and x_out and inside (the quick search moves the
   * inside end only towards x_out) */
  if (isfinite(fa) && fa < 0 && a < fmax(*x_in, x_out) && a > fmin(*x_in, x_out)) {
    *x_in = a;
    *f_in = fa;
  }
  return refine_with(s, x_in, f_in, x_out, f_out, PROF_FULL);
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
    double f = prof_eval(s, x, PROF_FULL);
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
 * One limit: the first crossing walking out from x0 (the BMD, or a limit
 * to look beyond). A jump of the profile (the optimiser found the better
 * branch at the inside end only, after the outside end was solved on a
 * worse one) means the crossing is not there: the walk goes on from the
 * inside end with fine steps, which warm-start each point from the branch
 * just left (at most 10 times).
 */
static double find_limit(prof_state *s, double x0, double f0, double r0, double x_end,
                         double *reach, int *last_finite) {
  double x_in = x0, f_in = f0;
  int jump;
  *last_finite = 1;
  double root = walk(s, &x_in, &f_in, r0, x_end, last_finite, &jump);
  for (int again = 0; again < 10 && jump; again++)
    root = walk(s, &x_in, &f_in, r0 < 1.0 ? 0.99 : 1.01, x_end, last_finite, &jump);
  *reach = x_in;
  /* still a jump after 10 walks: the farthest point known inside */
  return jump ? x_in : root;
}

/* A limit's outputs: the root's solution, or for an unbounded one (NAN)
 * the witness at the farthest point reached inside. Returns the status
 * bits (unbounded, witness given) of this side. */
static int limit_out(const prof_state *s, double x, double reach, int last_finite, double xbmd,
                     int bit_unbounded, int bit_witness, double *th, double *x_reach) {
  *x_reach = NAN;
  if (isfinite(x)) {
    nearest_theta(s, x, th);
    return 0;
  }
  if (last_finite && (bit_unbounded == 1 ? reach < xbmd : reach > xbmd)) {
    *x_reach = reach;
    nearest_theta(s, reach, th);
    return bit_unbounded | bit_witness;
  }
  return bit_unbounded;
}

int bmd_profile_limits(const bmd_problem *p, const double *th_hat, double nll_hat, double xbmd,
                       double alpha, double *xl, double *xu, double *th_l, double *th_u,
                       double *xl_reach, double *xu_reach) {
  prof_state st;
  memset(&st, 0, sizeof(st));
  st.p = p;
  st.target = nll_hat + 0.5 * gsl_cdf_chisq_Pinv(1.0 - 2.0 * alpha, 1.0);
  st.pts[0].x = xbmd;
  st.pts[0].nll = nll_hat;
  memcpy(st.pts[0].th, th_hat, p->n_par * sizeof(double));
  st.n_pts = 1;

  /* lower limit: from x 0.85 BMD down to 1e-6 BMD; upper limit: from x
   * 1.2 BMD up to 2^10 max dose */
  double f_bmd = nll_hat - st.target, reach_l, reach_u;
  int finite_l, finite_u;
  *xl = find_limit(&st, xbmd, f_bmd, 0.85, xbmd * 1e-6, &reach_l, &finite_l);
  *xu = find_limit(&st, xbmd, f_bmd, 1.2, 1024.0 * 1.2, &reach_u, &finite_u);
  /* the lower limit looked at again with the upper search's points as
   * warm starts: if one of them puts it inside the region (a branch only
   * that search found), its walk goes on from there */
  if (isfinite(*xl)) {
    double f = prof_eval(&st, *xl, PROF_RECHECK);
    if (f < -1e-4)
      *xl = find_limit(&st, *xl, f, 0.99, xbmd * 1e-6, &reach_l, &finite_l);
  }
  return limit_out(&st, *xl, reach_l, finite_l, xbmd, 1, 8, th_l, xl_reach) |
         limit_out(&st, *xu, reach_u, finite_u, xbmd, 2, 16, th_u, xu_reach);
}
