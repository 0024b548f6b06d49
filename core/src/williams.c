/*
 * williams.c - Williams' statistic by the textbook route: weighted
 * pool-adjacent-violators amalgamation of the treated group means, pooled
 * within-group variance, t_i for every treated dose, and the two-sided T.
 * The permutation engine (williams_perm.c) uses an equivalent closed form
 * for the top dose only; this file is the reference for it.
 */
#include "bmd/williams.h"

#include <math.h>
#include <stdlib.h>

bmd_williams_options bmd_williams_options_default(void) {
  bmd_williams_options o = {.permutations = 10000, .seed = BMD_WILLIAMS_DEFAULT_SEED, .threads = 1};
  return o;
}

/*
 * PAVA (non-decreasing, weights w): scan left to right keeping a stack of
 * blocks (weighted mean m_b, weight W_b, length L_b); push each value as its
 * own block, then while the top block's mean is below the one under it,
 * merge them:
 *   m = (W_a m_a + W_b m_b) / (W_a + W_b),  W = W_a + W_b,  L = L_a + L_b.
 * At the end every member of a block takes the block's mean.
 */
int bmd_williams_pava(const double *y, const double *w, size_t k, double *fit) {
  if (k == 0)
    return 0;
  double *bm = malloc(2 * k * sizeof(double));
  size_t *bl = malloc(k * sizeof(size_t));
  if (!bm || !bl) {
    free(bm);
    free(bl);
    return -1;
  }
  double *bw = bm + k;
  size_t top = 0; /* number of blocks on the stack */
  for (size_t i = 0; i < k; i++) {
    bm[top] = y[i];
    bw[top] = w[i];
    bl[top] = 1;
    top++;
    while (top > 1 && bm[top - 2] > bm[top - 1]) {
      double wsum = bw[top - 2] + bw[top - 1];
      bm[top - 2] = (bw[top - 2] * bm[top - 2] + bw[top - 1] * bm[top - 1]) / wsum;
      bw[top - 2] = wsum;
      bl[top - 2] += bl[top - 1];
      top--;
    }
  }
  size_t i = 0;
  for (size_t b = 0; b < top; b++)
    for (size_t j = 0; j < bl[b]; j++)
      fit[i++] = bm[b];
  free(bm);
  free(bl);
  return 0;
}

/*
 * Group means and pooled variance, two-pass:
 *   ybar_g = sum_{j in g} y_j / n_g,
 *   s^2 = sum_g sum_{j in g} (y_j - ybar_g)^2 / nu,  nu = N - G.
 * Then M = PAVA of (ybar_1..ybar_k) with weights n_1..n_k, non-decreasing
 * for up; for down, PAVA of the negated means, negated back. Finally
 *   t_i = sign * (M_i - ybar_0) / (s * sqrt(1/n_i + 1/n_0)),
 * sign = +1 (up) or -1 (down).
 */
int bmd_williams_tbar(const double *row, size_t n_groups, const size_t *group_start,
                      const size_t *group_size, bmd_williams_direction dir, double *iso,
                      double *tbar, double *s2) {
  if (n_groups < 2)
    return -1;
  size_t n_total = 0;
  for (size_t g = 0; g < n_groups; g++) {
    if (group_size[g] == 0)
      return -1;
    n_total += group_size[g];
  }
  if (n_total <= n_groups)
    return -1;
  size_t k = n_groups - 1;
  double *mean = malloc((n_groups + 2 * k) * sizeof(double));
  if (!mean)
    return -1;
  double *w = mean + n_groups, *fit = w + k;
  double ss = 0.0;
  for (size_t g = 0; g < n_groups; g++) {
    const double *y = row + group_start[g];
    double sum = 0.0;
    for (size_t j = 0; j < group_size[g]; j++)
      sum += y[j];
    double m = sum / (double)group_size[g];
    for (size_t j = 0; j < group_size[g]; j++)
      ss += (y[j] - m) * (y[j] - m);
    mean[g] = m;
  }
  double sign = dir == BMD_WILLIAMS_DOWN ? -1.0 : 1.0;
  double var = ss / (double)(n_total - n_groups);
  for (size_t i = 0; i < k; i++) {
    w[i] = (double)group_size[i + 1];
    fit[i] = sign * mean[i + 1];
  }
  /* In place is fine: PAVA reads all of y before writing fit. */
  if (bmd_williams_pava(fit, w, k, fit) != 0) {
    free(mean);
    return -1;
  }
  for (size_t i = 0; i < k; i++) {
    double m_iso = sign * fit[i];
    double se = sqrt(var * (1.0 / (double)group_size[i + 1] + 1.0 / (double)group_size[0]));
    if (iso)
      iso[i] = m_iso;
    if (tbar)
      tbar[i] = sign * (m_iso - mean[0]) / se;
  }
  if (s2)
    *s2 = var;
  free(mean);
  return 0;
}

/*
 * T = max(t_k(up), t_k(down)). Since M_k(up) >= M_k(down), T >= 0. When
 * s = 0 the ratio is replaced by +inf if the numerator is positive and by 0
 * otherwise (all values equal, or the top amalgamated mean equal to the
 * control mean).
 */
int bmd_williams_stat(const double *row, size_t n_groups, const size_t *group_start,
                      const size_t *group_size, double *stat) {
  if (n_groups < 2)
    return -1;
  size_t k = n_groups - 1;
  double *buf = malloc(4 * k * sizeof(double));
  if (!buf)
    return -1;
  double *iso_up = buf, *iso_dn = buf + k, *t_up = buf + 2 * k, *t_dn = buf + 3 * k;
  double s2 = 0.0;
  if (bmd_williams_tbar(row, n_groups, group_start, group_size, BMD_WILLIAMS_UP, iso_up, t_up,
                        &s2) != 0 ||
      bmd_williams_tbar(row, n_groups, group_start, group_size, BMD_WILLIAMS_DOWN, iso_dn, t_dn,
                        NULL) != 0) {
    free(buf);
    return -1;
  }
  if (s2 > 0.0) {
    *stat = t_up[k - 1] > t_dn[k - 1] ? t_up[k - 1] : t_dn[k - 1];
  } else {
    double ctrl = row[group_start[0]];
    for (size_t j = 1; j < group_size[0]; j++)
      ctrl += row[group_start[0] + j];
    ctrl /= (double)group_size[0];
    double d =
        iso_up[k - 1] - ctrl > ctrl - iso_dn[k - 1] ? iso_up[k - 1] - ctrl : ctrl - iso_dn[k - 1];
    *stat = d > 0.0 ? INFINITY : 0.0;
  }
  free(buf);
  return 0;
}
