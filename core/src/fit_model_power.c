/*
 * fit_model_power.c - the Power model: mean function and gradient, box,
 * starting values, scaling and BMD (scaled problem, see fit_internal.h),
 * and its definition bmd_power_def (fit_model_def.h).
 *
 *   m(x) = g + v x^n
 *   box (scaled, pybmds defaults, numerics.md §1.3): g in [-100, 100];
 *   v in [-100, 100] constant variance, [-1e4, 1e4] non-constant;
 *   n in [1, 18] restricted (default), else [0, 18]
 *   user units: g D, v D M^-n (D = response divisor, M = max dose); n as is
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>

/*
 * Power: m(x) = g + v x^n;  dm/dg = 1, dm/dv = x^n, dm/dn = v x^n ln x.
 */
void bmd_power_mean(const double *th, double x, int sign, double *m, double *grad) {
  double lx = x > 0.0 ? log(x) : 0.0, gm[1][BMD_MAX_PARAMS];
  bmd_power_means(th, &x, &lx, 1, sign, m, grad ? gm : NULL);
  if (grad)
    memcpy(grad, gm[0], 3 * sizeof(double));
}

/* every group at once (bmd_means_fn; bmd_power_mean is one dose of it):
 * ln x from lx */
void bmd_power_means(const double *th, const double *x, const double *lx, size_t count, int sign,
                     double *m, double (*gm)[BMD_MAX_PARAMS]) {
  (void)sign;
  double g = th[0], v = th[1], n = th[2];
  for (size_t i = 0; i < count; i++) {
    double xn = 0.0, dn = 0.0;
    if (x[i] > 0.0) {
      xn = pow(x[i], n);
      dn = v * xn * lx[i];
    }
    m[i] = g + v * xn;
    if (gm) {
      gm[i][0] = 1.0;
      gm[i][1] = xn;
      gm[i][2] = dn;
    }
  }
}

/* Grid over n, linear least squares for (g, v). */
static size_t power_starts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max) {
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

static void power_bounds(bmd_problem *p, const bmd_fit_options *opt) {
  double *lb = p->lb, *ub = p->ub;
  lb[0] = -100;
  ub[0] = 100;
  lb[1] = p->ncv ? -1e4 : -100;
  ub[1] = p->ncv ? 1e4 : 100;
  lb[2] = opt->power_restricted ? 1.0 : 0.0;
  ub[2] = 18;
}

static void power_to_user(const bmd_problem *p, const double *th, double *user) {
  double D = p->scale_y, M = p->maxd;
  user[0] = D * th[0];
  user[1] = D * th[1] * pow(M, -th[2]);
}

static void power_from_user(const bmd_problem *p, const double *user, double *th) {
  double D = p->scale_y, M = p->maxd;
  th[0] = user[0] / D;
  th[1] = user[1] / D * pow(M, user[2]);
}

/* s v x^n = Delta:  x = (Delta / (s v))^(1/n) */
static double power_bmd(const bmd_problem *p, const double *th, double delta) {
  double s = p->sign, x = NAN;
  if (s * th[1] > 0 && th[2] > 0)
    x = pow(delta / (s * th[1]), 1.0 / th[2]);
  return x;
}

static const char *const power_names[] = {"g", "v", "n", NULL};

const bmd_model_def bmd_power_def = {
    .id = BMD_MODEL_POWER,
    .name = "power",
    .label = "Power",
    .n_mean = 3,
    .param_names = power_names,
    .shape = 2,
    .log_c = -1,
    .dose_scale = -1, /* a stretch of x^n is a change of v */
    .n_starts = 3,
    .bmds2_bmdu_cap = 1e7,
    .mean = bmd_power_mean,
    .means = bmd_power_means,
    .bounds = power_bounds,
    .starts = power_starts,
    .to_user = power_to_user,
    .from_user = power_from_user,
    .bmd = power_bmd,
};
