/*
 * prefilter.c - the per-probe prefilter statistics of BMDExpress
 * (notes/bmdexpress.md §2.1-2.4): fold change, Welch t-test, one-way
 * ANOVA without singleton groups, Benjamini-Hochberg.
 *
 * Sums are taken in double over the stored (float-rounded) values, with
 * two-pass (centred) sums of squares so that F agrees with reference
 * implementations to ~1e-12 instead of losing digits to cancellation.
 */
#include "bmd/prefilter.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

static double mean_of(const double *y, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += y[i];
  return s / (double)n;
}

/* Unbiased variance with the given mean: sum (y - m)^2 / (n - 1). */
static double var_of(const double *y, size_t n, double m) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (y[i] - m) * (y[i] - m);
  return s / (double)(n - 1);
}

/*
 * §2.1, with a0 the control mean and ag the group mean,
 *   hi = max(ag, a0), lo = min(ag, a0), s = -1 if a0 > ag else +1;
 *   log data, base b:  FC = s * b^(hi - lo);
 *   unlogged data:     FC = s * hi / lo.
 */
double bmd_prefilter_fold(double a0, double ag, bmd_log_base base) {
  double hi = ag > a0 ? ag : a0;
  double lo = ag > a0 ? a0 : ag;
  double s = a0 > ag ? -1.0 : 1.0;
  switch (base) {
  case BMD_LOG_BASE2:
    return s * exp2(hi - lo);
  case BMD_LOG_BASE10:
    return s * pow(10.0, hi - lo);
  case BMD_LOG_NATURAL:
    return s * exp(hi - lo);
  case BMD_LOG_NONE:
  default:
    return s * hi / lo;
  }
}

double bmd_prefilter_fold_change(const bmd_dataset *ds, size_t probe, double *fc) {
  const double *row = bmd_dataset_row(ds, probe);
  double max_fc = 0.0;
  if (ds->n_groups < 1)
    return 0.0;
  double a0 = mean_of(row + ds->group_start[0], ds->group_size[0]);
  for (size_t g = 1; g < ds->n_groups; g++) {
    double ag = mean_of(row + ds->group_start[g], ds->group_size[g]);
    double f = bmd_prefilter_fold(a0, ag, ds->log_base);
    fc[g - 1] = f;
    if (fabs(f) > fabs(max_fc))
      max_fc = f;
  }
  return max_fc;
}

/*
 * Welch: t = (ma - mb) / sqrt(va/na + vb/nb),
 *   df = (va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1)),
 *   p = 2 * P(T_df > |t|).
 * Zero variance in both samples: t = +-inf and p = 0 when the means
 * differ, NaN when they are equal.
 */
void bmd_prefilter_welch(const double *a, size_t na, const double *b, size_t nb, double *t,
                         double *df, double *p) {
  *t = *df = *p = NAN;
  if (na < 2 || nb < 2)
    return;
  double ma = mean_of(a, na), mb = mean_of(b, nb);
  double ua = var_of(a, na, ma) / (double)na;
  double ub = var_of(b, nb, mb) / (double)nb;
  double se2 = ua + ub;
  if (se2 == 0.0) {
    if (ma != mb) {
      *t = ma > mb ? INFINITY : -INFINITY;
      *p = 0.0;
    }
    return;
  }
  *t = (ma - mb) / sqrt(se2);
  *df = se2 * se2 / (ua * ua / (double)(na - 1) + ub * ub / (double)(nb - 1));
  *p = 2.0 * gsl_cdf_tdist_Q(fabs(*t), *df);
  if (*p > 1.0)
    *p = 1.0;
}

/*
 * One-way ANOVA over the groups with n_g >= 2 (§2.3): with N samples and
 * t groups used, grand mean m, group means m_g,
 *   SS_treat = sum_g n_g (m_g - m)^2,  SS_err = sum_g sum_i (y_gi - m_g)^2,
 *   df1 = t - 1, df2 = N - t, F = (SS_treat/df1) / (SS_err/df2),
 *   p = Q_F(F; df1, df2).
 */
void bmd_prefilter_anova(const bmd_dataset *ds, size_t probe, bmd_anova_result *out) {
  const double *row = bmd_dataset_row(ds, probe);
  size_t t = 0, n = 0;
  double sum = 0.0;
  out->df1 = out->df2 = out->f = out->p = NAN;
  for (size_t g = 0; g < ds->n_groups; g++) {
    if (ds->group_size[g] < 2)
      continue;
    t++;
    n += ds->group_size[g];
    for (size_t i = 0; i < ds->group_size[g]; i++)
      sum += row[ds->group_start[g] + i];
  }
  if (t < 2 || n <= t)
    return;
  double m = sum / (double)n;
  double ss_treat = 0.0, ss_err = 0.0;
  for (size_t g = 0; g < ds->n_groups; g++) {
    size_t ng = ds->group_size[g];
    if (ng < 2)
      continue;
    const double *y = row + ds->group_start[g];
    double mg = mean_of(y, ng);
    ss_treat += (double)ng * (mg - m) * (mg - m);
    for (size_t i = 0; i < ng; i++)
      ss_err += (y[i] - mg) * (y[i] - mg);
  }
  out->df1 = (double)(t - 1);
  out->df2 = (double)(n - t);
  double msw = ss_err / out->df2;
  double msb = ss_treat / out->df1;
  if (msw == 0.0) {
    if (msb > 0.0) {
      out->f = INFINITY;
      out->p = 0.0;
    }
    return;
  }
  out->f = msb / msw;
  out->p = gsl_cdf_fdist_Q(out->f, out->df1, out->df2);
}

/* Heap sort of idx[0..n) by p ascending. Order among equal p does not
 * matter: BH gives tied p-values the same q. */
static void sift_down(size_t *idx, const double *p, size_t root, size_t n) {
  for (;;) {
    size_t c = 2 * root + 1;
    if (c >= n)
      return;
    if (c + 1 < n && p[idx[c + 1]] > p[idx[c]])
      c++;
    if (p[idx[c]] <= p[idx[root]])
      return;
    size_t tmp = idx[c];
    idx[c] = idx[root];
    idx[root] = tmp;
    root = c;
  }
}

static void sort_by_p(size_t *idx, const double *p, size_t n) {
  for (size_t i = n / 2; i-- > 0;)
    sift_down(idx, p, i, n);
  for (size_t end = n; end-- > 1;) {
    size_t tmp = idx[0];
    idx[0] = idx[end];
    idx[end] = tmp;
    sift_down(idx, p, 0, end);
  }
}

/*
 * Benjamini-Hochberg (§2.4): with the N non-NaN p sorted ascending,
 * p_(1) <= ... <= p_(N),
 *   q_(N) = p_(N),  q_(r) = min(q_(r+1), p_(r) * N / r),
 * capped at 1.
 */
void bmd_prefilter_bh(const double *p, size_t n, double *q, size_t *work) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(p[i]))
      q[i] = NAN;
    else
      work[m++] = i;
  }
  sort_by_p(work, p, m);
  double run = 1.0;
  for (size_t r = m; r-- > 0;) {
    double v = p[work[r]] * (double)m / (double)(r + 1);
    if (v < run)
      run = v;
    q[work[r]] = run;
  }
}

/* §2.2: first group (by dose) with |FC| > fc_threshold and Welch p <
 * p_threshold is the LOTEL; both comparisons strict. */
size_t bmd_prefilter_notel(const bmd_dataset *ds, size_t probe, const double *fc,
                           double p_threshold, double fc_threshold, double *tp) {
  const double *row = bmd_dataset_row(ds, probe);
  const double *ctl = row + ds->group_start[0];
  size_t lotel = 0;
  for (size_t g = 1; g < ds->n_groups; g++) {
    double t, df;
    bmd_prefilter_welch(ctl, ds->group_size[0], row + ds->group_start[g], ds->group_size[g], &t,
                        &df, &tp[g - 1]);
    if (lotel == 0 && fabs(fc[g - 1]) > fc_threshold && tp[g - 1] < p_threshold)
      lotel = g;
  }
  return lotel;
}
