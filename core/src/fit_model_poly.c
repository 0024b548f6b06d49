/*
 * fit_model_poly.c - Linear and polynomial (degree 2-4) mean functions and
 * starting values (scaled problem, see fit_internal.h).
 */
#include "fit_internal.h"

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

size_t bmd_poly_starts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max) {
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
