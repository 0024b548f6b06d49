/*
 * fit_model_power.c - Power mean function, its gradient and starting values
 * (scaled problem, see fit_internal.h).
 */
#include "fit_internal.h"

#include <math.h>

/*
 * Power: m(x) = g + v x^n;  dm/dg = 1, dm/dv = x^n, dm/dn = v x^n ln x.
 */
void bmd_power_mean(const double *th, double x, int sign, double *m, double *grad) {
  (void)sign;
  double g = th[0], v = th[1], n = th[2];
  double xn = 0.0, dn = 0.0;
  if (x > 0.0) {
    xn = pow(x, n);
    dn = v * xn * log(x);
  }
  *m = g + v * xn;
  if (grad) {
    grad[0] = 1.0;
    grad[1] = xn;
    grad[2] = dn;
  }
}

/* Grid over n, linear least squares for (g, v). */
size_t bmd_power_starts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max) {
  double scores[16];
  size_t count = 0;
  size_t G = p->n_groups > 64 ? 64 : p->n_groups;
  double f[64];
  static const double ngrid[] = {1.0, 1.2,  1.5,  2.0, 2.5, 3.0, 4.0, 6.0,
                                 9.0, 14.0, 0.15, 0.3, 0.5, 0.7, 0.85};
  for (size_t a = 0; a < sizeof(ngrid) / sizeof(ngrid[0]); a++) {
    double n = ngrid[a];
    if (n < p->lb[2] || n > p->ub[2])
      continue;
    for (size_t i = 0; i < G; i++)
      f[i] = p->x[i] > 0 ? pow(p->x[i], n) : 0.0;
    double th[BMD_MAX_PARAMS] = {0, 0, n};
    double rss;
    if (bmd_ls2(p->nn, f, p->yb, G, &th[0], &th[1], &rss) != 0)
      continue;
    double sc = bmd_start_score(p, th);
    bmd_start_keep(starts, scores, &count, max < 16 ? max : 16, th, 3, sc);
  }
  /* n on its lower bound: the Power n = 1 trap needs this start too */
  double th[BMD_MAX_PARAMS] = {0, 0, p->lb[2] > 0 ? p->lb[2] : 1e-3};
  for (size_t i = 0; i < G; i++)
    f[i] = p->x[i] > 0 ? pow(p->x[i], th[2]) : 0.0;
  double rss;
  if (bmd_ls2(p->nn, f, p->yb, G, &th[0], &th[1], &rss) == 0)
    bmd_start_keep(starts, scores, &count, max < 16 ? max : 16, th, 3, bmd_start_score(p, th));
  return count;
}
