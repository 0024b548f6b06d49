/*
 * fit_model_hill.c - the Hill model: mean function and gradient, box,
 * starting values, scaling and BMD (scaled problem, see fit_internal.h),
 * and its definition bmd_hill_def (fit_model_def.h).
 *
 *   m(x) = g + v x^n / (k^n + x^n)
 *   box (scaled, pybmds defaults, numerics.md §1.3): g, v in [-100, 100];
 *   k in [0, 5]; n in [1, 18] restricted (default), else [1e-8, 18]
 *   user units: g D, v D, k M (D = response divisor, M = max dose); n as is
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>

/*
 * Hill: m(x) = g + v * f,  f = x^n / (k^n + x^n) = 1 / (1 + exp(n (ln k - ln x)))
 *   dm/dg = 1, dm/dv = f, dm/dk = -v f (1 - f) n / k,
 *   dm/dn = v f (1 - f) (ln x - ln k);   f = 0 at x = 0, f = 1 when k = 0.
 */
void bmd_hill_mean(const double *th, double x, int sign, double *m, double *grad) {
  double lx = x > 0.0 ? log(x) : 0.0, gm[1][BMD_MAX_PARAMS];
  bmd_hill_means(th, &x, &lx, 1, sign, m, grad ? gm : NULL);
  if (grad)
    memcpy(grad, gm[0], 4 * sizeof(double));
}

/* every group at once (bmd_means_fn; bmd_hill_mean is one dose of it): ln k
 * once a call, ln x from lx */
void bmd_hill_means(const double *th, const double *x, const double *lx, size_t count, int sign,
                    double *m, double (*gm)[BMD_MAX_PARAMS]) {
  (void)sign;
  double g = th[0], v = th[1], k = th[2], n = th[3];
  double lk = k > 0.0 ? log(k) : 0.0;
  for (size_t i = 0; i < count; i++) {
    double f, dk = 0.0, dn = 0.0;
    if (x[i] <= 0.0) {
      f = 0.0;
    } else if (k <= 0.0) {
      f = 1.0;
    } else {
      f = 1.0 / (1.0 + exp(n * (lk - lx[i])));
      double ff = f * (1.0 - f);
      dk = -v * ff * n / k;
      dn = v * ff * (lx[i] - lk);
    }
    m[i] = g + v * f;
    if (gm) {
      gm[i][0] = 1.0;
      gm[i][1] = f;
      gm[i][2] = dk;
      gm[i][3] = dn;
    }
  }
}

/* Grid over (k, n), linear least squares for (g, v) at each node. */
static size_t hill_starts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max) {
  double scores[16];
  size_t count = 0;
  size_t G = p->n_groups;
  double f[64];
  if (G > 64)
    G = 64;
  static const double ngrid[] = {1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 0.5};
  double kgrid[80];
  size_t nk = 0;
  for (size_t i = 1; i < G && nk < 60; i++) {
    kgrid[nk++] = p->x[i];
    if (i + 1 < G)
      kgrid[nk++] = sqrt(p->x[i] * p->x[i + 1]);
  }
  if (G > 1)
    kgrid[nk++] = 0.5 * p->x[1];
  kgrid[nk++] = 2.0;
  kgrid[nk++] = 4.5;
  for (size_t a = 0; a < sizeof(ngrid) / sizeof(ngrid[0]); a++) {
    double n = ngrid[a];
    if (n < p->lb[3] || n > p->ub[3])
      continue;
    for (size_t b = 0; b < nk; b++) {
      double th[BMD_MAX_PARAMS] = {0, 0, kgrid[b], n};
      for (size_t i = 0; i < G; i++) {
        double m;
        double one[4] = {0, 1, kgrid[b], n};
        bmd_hill_mean(one, p->x[i], p->sign, &m, NULL);
        f[i] = m;
      }
      double rss;
      if (bmd_ls2(p->nn, f, p->yb, G, &th[0], &th[1], &rss) != 0)
        continue;
      double sc = bmd_start_score(p, th);
      bmd_start_keep(starts, scores, &count, max < 16 ? max : 16, th, 4, sc);
    }
  }
  return count;
}

static void hill_bounds(bmd_problem *p, const bmd_fit_options *opt) {
  double *lb = p->lb, *ub = p->ub;
  lb[0] = lb[1] = -100;
  ub[0] = ub[1] = 100;
  lb[2] = 0;
  ub[2] = 5;
  lb[3] = opt->hill_restricted ? 1.0 : 1e-8;
  ub[3] = 18;
}

static void hill_to_user(const bmd_problem *p, const double *th, double *user) {
  double D = p->scale_y, M = p->maxd;
  user[0] = D * th[0];
  user[1] = D * th[1];
  user[2] = M * th[2];
}

static void hill_from_user(const bmd_problem *p, const double *user, double *th) {
  double D = p->scale_y, M = p->maxd;
  th[0] = user[0] / D;
  th[1] = user[1] / D;
  th[2] = user[2] / M;
}

/* s v f(x) = Delta:  r = Delta / (s v), 0 < r < 1:  x = k (r / (1 - r))^(1/n) */
static double hill_bmd(const bmd_problem *p, const double *th, double delta) {
  double s = p->sign, x = NAN;
  double r = delta / (s * th[1]);
  if (r > 0 && r < 1 && th[2] > 0)
    x = th[2] * pow(r / (1.0 - r), 1.0 / th[3]);
  return x;
}

static const char *const hill_names[] = {"g", "v", "k", "n", NULL};

const bmd_model_def bmd_hill_def = {
    .id = BMD_MODEL_HILL,
    .name = "hill",
    .label = "Hill",
    .n_mean = 4,
    .param_names = hill_names,
    .shape = 3,
    .log_c = -1,
    .dose_scale = 2, /* x / k */
    .dose_scale_power = 1,
    .n_starts = 5,
    .bmds2_bmdu_cap = 1e10,
    .mean = bmd_hill_mean,
    .means = bmd_hill_means,
    .bounds = hill_bounds,
    .starts = hill_starts,
    .to_user = hill_to_user,
    .from_user = hill_from_user,
    .bmd = hill_bmd,
};
