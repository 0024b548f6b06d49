/*
 * fit_model_poly.c - Linear and the polynomials of degree 2-4: mean function
 * and gradient, box, starting values, scaling and BMD (scaled problem, see
 * fit_internal.h), and their definitions bmd_linear_def, bmd_poly2_def ..
 * bmd_poly4_def (fit_model_def.h).
 *
 *   m(x) = g + b1 x + ... + bk x^k  (Linear: k = 1)
 *   box (scaled, pybmds defaults, numerics.md §1.3): constant variance, all
 *   in [-1e6, 1e6]; non-constant, g in [0, 1000], b1 in [-18, 18], the rest
 *   in [-1e6, 1e6]; restricted (default for Poly 2-4, not for Linear):
 *   b_j >= 0 increasing, b_j <= 0 decreasing
 *   user units: b_j D / M^j (D = response divisor, M = max dose)
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>

/*
 * Polynomial of degree k (aux = k): m(x) = b0 + b1 x + ... + bk x^k,
 * dm/db_j = x^j.
 */
void bmd_poly_mean(const double *th, double x, int aux, double *m, double *grad) {
  int k = aux;
  double s = 0.0, xp = 1.0;
  for (int j = 0; j <= k; j++) {
    s += th[j] * xp;
    if (grad)
      grad[j] = xp;
    xp *= x;
  }
  *m = s;
}

/* Solves the k x k system a z = r in place by Gaussian elimination with
 * partial pivoting; returns -1 if singular. */
static int solve_small(double a[5][5], double *r, int k) {
  for (int c = 0; c < k; c++) {
    int piv = c;
    for (int i = c + 1; i < k; i++)
      if (fabs(a[i][c]) > fabs(a[piv][c]))
        piv = i;
    if (fabs(a[piv][c]) < 1e-300)
      return -1;
    if (piv != c) {
      for (int j = 0; j < k; j++) {
        double t = a[c][j];
        a[c][j] = a[piv][j];
        a[piv][j] = t;
      }
      double t = r[c];
      r[c] = r[piv];
      r[piv] = t;
    }
    for (int i = c + 1; i < k; i++) {
      double f = a[i][c] / a[c][c];
      for (int j = c; j < k; j++)
        a[i][j] -= f * a[c][j];
      r[i] -= f * r[c];
    }
  }
  for (int c = k - 1; c >= 0; c--) {
    double s = r[c];
    for (int j = c + 1; j < k; j++)
      s -= a[c][j] * r[j];
    r[c] = s / a[c][c];
  }
  return 0;
}

/* Weighted least squares polynomial of degree deg (<= 4) into th. */
static int poly_ls(const bmd_problem *p, int deg, double *th) {
  double a[5][5] = {{0}}, r[5] = {0};
  int k = deg + 1;
  for (size_t i = 0; i < p->n_groups; i++) {
    double xp[5];
    xp[0] = 1.0;
    for (int j = 1; j < k; j++)
      xp[j] = xp[j - 1] * p->x[i];
    for (int u = 0; u < k; u++) {
      r[u] += p->nn[i] * xp[u] * p->yb[i];
      for (int v = 0; v < k; v++)
        a[u][v] += p->nn[i] * xp[u] * xp[v];
    }
  }
  if (solve_small(a, r, k) != 0)
    return -1;
  memcpy(th, r, (size_t)k * sizeof(double));
  return 0;
}

static size_t poly_starts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max) {
  double scores[8];
  size_t count = 0;
  int deg = (int)p->n_mean - 1;
  if (max > 8)
    max = 8;
  for (int d = deg; d >= 1; d--) {
    double th[BMD_MAX_PARAMS] = {0};
    if ((size_t)d + 1 > p->n_groups)
      continue;
    if (poly_ls(p, d, th) != 0)
      continue;
    bmd_start_keep(starts, scores, &count, max, th, p->n_mean, bmd_start_score(p, th));
  }
  /* a flat start with the control mean and the end-to-end slope */
  double th[BMD_MAX_PARAMS] = {0};
  size_t G = p->n_groups;
  th[0] = p->yb[0];
  th[1] = (p->yb[G - 1] - p->yb[0]) / (p->x[G - 1] - p->x[0]);
  bmd_start_keep(starts, scores, &count, max, th, p->n_mean, bmd_start_score(p, th));
  return count;
}

static void poly_bounds(bmd_problem *p, const bmd_fit_options *opt) {
  double *lb = p->lb, *ub = p->ub;
  size_t k = p->n_mean;
  for (size_t j = 0; j < k; j++) {
    lb[j] = -1e6;
    ub[j] = 1e6;
  }
  if (p->ncv) {
    lb[0] = 0;
    ub[0] = 1000;
    lb[1] = -18;
    ub[1] = 18;
  }
  /* pybmds' default: Linear free, Poly 2-4 monotone */
  int restricted = opt->poly_restricted < 0 ? (p->def->poly_degree > 1) : opt->poly_restricted;
  if (restricted)
    for (size_t j = 1; j < k; j++) {
      if (p->sign > 0)
        lb[j] = 0;
      else
        ub[j] = 0;
    }
}

static void poly_to_user(const bmd_problem *p, const double *th, double *user) {
  double D = p->scale_y, M = p->maxd;
  for (size_t j = 0; j < p->n_mean; j++)
    user[j] = D * th[j] / pow(M, (double)j);
}

static void poly_from_user(const bmd_problem *p, const double *user, double *th) {
  double D = p->scale_y, M = p->maxd;
  for (size_t j = 0; j < p->n_mean; j++)
    th[j] = user[j] / D * pow(M, (double)j);
}

/* Linear: s b1 x = Delta:  x = Delta / (s b1) */
static double linear_bmd(const bmd_problem *p, const double *th, double delta) {
  double s = p->sign, x = NAN;
  if (s * th[1] > 0)
    x = delta / (s * th[1]);
  return x;
}

/* s (m(x) - m(0)) - Delta */
static double excess(const bmd_problem *p, const double *th, double m0, double delta, double x) {
  double m;
  p->mean(th, x, p->aux, &m, NULL);
  return p->sign * (m - m0) - delta;
}

/* Poly k: the smallest positive root of s (m(x) - m(0)) = Delta, by
 * scanning then bisection */
static double poly_bmd(const bmd_problem *p, const double *th, double delta) {
  double m0;
  p->mean(th, 0.0, p->aux, &m0, NULL);
  /* grid: 400 steps on (0, 1], then geometric up to BMD_XMAX */
  double xa = 0.0, fa = -delta;
  for (int j = 1; j <= 400 + 300; j++) {
    double xb = j <= 400 ? j / 400.0 : pow(BMD_XMAX, (j - 400) / 300.0);
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

static const char *const linear_names[] = {"g", "b1", NULL};
static const char *const poly2_names[] = {"g", "b1", "b2", NULL};
static const char *const poly3_names[] = {"g", "b1", "b2", "b3", NULL};
static const char *const poly4_names[] = {"g", "b1", "b2", "b3", "b4", NULL};

/* the mean's aux is the degree (p->aux = def->poly_degree) */
const bmd_model_def bmd_linear_def = {
    .id = BMD_MODEL_LINEAR,
    .name = "linear",
    .alias = "poly1",
    .label = "Linear",
    .n_mean = 2,
    .param_names = linear_names,
    .poly_degree = 1,
    .shape = -1,
    .log_c = -1,
    .dose_scale = -1,
    .n_starts = 2,
    .bmds2_bmdu_cap = 1e10, /* Poly 2-4: none seen (docs/fitting.md) */
    .mean = bmd_poly_mean,
    .bounds = poly_bounds,
    .starts = poly_starts,
    .to_user = poly_to_user,
    .from_user = poly_from_user,
    .bmd = linear_bmd,
};

/* Poly k for k >= 2: one definition but for the degree. */
#define POLY_DEF(k, model, model_name, model_label, names)                                         \
  {                                                                                                \
    .id = model, .name = model_name, .label = model_label, .n_mean = (k) + 1,                      \
    .param_names = names, .poly_degree = k, .shape = -1, .log_c = -1, .dose_scale = -1,            \
    .n_starts = 2, .mean = bmd_poly_mean, .bounds = poly_bounds, .starts = poly_starts,            \
    .to_user = poly_to_user, .from_user = poly_from_user, .bmd = poly_bmd                          \
  }

const bmd_model_def bmd_poly2_def = POLY_DEF(2, BMD_MODEL_POLY2, "poly2", "Poly 2", poly2_names);
const bmd_model_def bmd_poly3_def = POLY_DEF(3, BMD_MODEL_POLY3, "poly3", "Poly 3", poly3_names);
const bmd_model_def bmd_poly4_def = POLY_DEF(4, BMD_MODEL_POLY4, "poly4", "Poly 4", poly4_names);
