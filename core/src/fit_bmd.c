/*
 * fit_bmd.c - the benchmark response and the BMD of a parameter vector
 * (numerics.md §1.5), in scaled units.
 *
 * The BMD x solves s (m(x) - m(0)) = Delta, s = +1 increasing, -1 decreasing:
 *   SD:       Delta = BMRF sigma(0) = BMRF exp((l + rho ln|m(0)|) / 2)
 *   relative: Delta = BMRF |m(0)|
 *   absolute: Delta = BMRF / D  (scaled response units)
 * Closed forms (Delta > 0):
 *   Linear   x = Delta / (s b1)
 *   Power    x = (Delta / (s v))^(1/n)
 *   Hill     r = Delta / (s v), 0 < r < 1:  x = k (r / (1 - r))^(1/n)
 *   Exp 2/3  t = s ln(1 + s Delta / a) > 0:  x = t^(1/d) / b
 *   Exp 4/5  r = Delta / (s a (c - 1)), 0 < r < 1: t = -ln(1 - r), x = t^(1/d) / b
 *   Poly k   smallest positive root, by scanning then bisection.
 * Exponential BMDs beyond 2^10 x max dose are "no BMD", as in bmdscore.
 */
#include "fit_internal.h"

#include <math.h>
#include <string.h>

#define XMAX 1024.0

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

/* s (m(x) - m(0)) - Delta */
static double excess(const bmd_problem *p, const double *th, double m0, double delta, double x) {
  double m;
  p->mean(th, x, p->aux, &m, NULL);
  return p->sign * (m - m0) - delta;
}

static double poly_bmd(const bmd_problem *p, const double *th, double delta) {
  double m0;
  p->mean(th, 0.0, p->aux, &m0, NULL);
  /* grid: 400 steps on (0, 1], then geometric up to XMAX */
  double xa = 0.0, fa = -delta;
  for (int j = 1; j <= 400 + 300; j++) {
    double xb = j <= 400 ? j / 400.0 : pow(XMAX, (j - 400) / 300.0);
    double fb = excess(p, th, m0, delta, xb);
    if (fb >= 0) {
      for (int it = 0; it < 100 && xb - xa > 1e-14 * xb; it++) {
        double xm = 0.5 * (xa + xb);
        double fm = excess(p, th, m0, delta, xm);
        if (fm >= 0)
          xb = xm;
        else
          xa = xm;
      }
      (void)fa;
      return 0.5 * (xa + xb);
    }
    xa = xb;
    fa = fb;
  }
  return NAN;
}

double bmd_bmd_scaled(const bmd_problem *p, const double *th) {
  double delta = bmd_bmr_delta(p, th, NULL);
  double s = p->sign;
  if (!(delta > 0) || !isfinite(delta))
    return NAN;
  double x = NAN;
  switch (p->model) {
  case BMD_MODEL_LINEAR:
    if (s * th[1] > 0)
      x = delta / (s * th[1]);
    break;
  case BMD_MODEL_POWER:
    if (s * th[1] > 0 && th[2] > 0)
      x = pow(delta / (s * th[1]), 1.0 / th[2]);
    break;
  case BMD_MODEL_HILL: {
    double r = delta / (s * th[1]);
    if (r > 0 && r < 1 && th[2] > 0)
      x = th[2] * pow(r / (1.0 - r), 1.0 / th[3]);
    break;
  }
  case BMD_MODEL_EXP2:
  case BMD_MODEL_EXP3: {
    double a = th[0], b = th[1], d = p->model == BMD_MODEL_EXP3 ? th[2] : 1.0;
    double u = 1.0 + s * delta / a;
    if (a > 0 && b > 0 && u > 0) {
      double t = s * log(u);
      if (t > 0)
        x = pow(t, 1.0 / d) / b;
    }
    if (x > XMAX)
      x = NAN;
    break;
  }
  case BMD_MODEL_EXP4:
  case BMD_MODEL_EXP5: {
    double a = th[0], b = th[1], c = exp(th[2]), d = p->model == BMD_MODEL_EXP5 ? th[3] : 1.0;
    double r = delta / (s * a * (c - 1.0));
    if (a > 0 && b > 0 && r > 0 && r < 1)
      x = pow(-log1p(-r), 1.0 / d) / b;
    if (x > XMAX)
      x = NAN;
    break;
  }
  default:
    x = poly_bmd(p, th, delta);
  }
  return isfinite(x) && x > 0 ? x : NAN;
}
