/*
 * prefilter_anova.c - one-way ANOVA across dose groups
 * (util/prefilter/OneWayANOVAAnalysis.java; notes/bmdexpress.md §2.3).
 */
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "bmd/prefilter.h"

/*
 * Over the t groups with n_g >= 2 (singletons are skipped, as BMDExpress),
 * N = sum n_g, group means m_g, grand mean m:
 *   SS_treat = sum_g n_g (m_g - m)^2,   SS_err = sum_g sum_j (y_gj - m_g)^2
 *   (the centred form of BMDExpress's sum-of-squares formulas),
 *   df1 = t - 1,  df2 = N - t,  F = (SS_treat/df1) / (SS_err/df2),
 *   p = P(F(df1, df2) > F)   (GSL's upper tail; BMDExpress's own series
 *   returns 1 for F < 1e-6, a difference only for tiny F).
 */
bmd_anova bmd_anova_probe(const bmd_dataset *ds, size_t probe) {
  bmd_anova a = {0, 0, NAN, NAN};
  const double *row = bmd_dataset_row(ds, probe);
  size_t t = 0, N = 0;
  double total = 0;
  for (size_t g = 0; g < ds->n_groups; g++) {
    size_t n = ds->group_size[g];
    if (n < 2)
      continue;
    const double *y = row + ds->group_start[g];
    for (size_t j = 0; j < n; j++)
      total += y[j];
    t++;
    N += n;
  }
  if (t < 2 || N <= t)
    return a;
  a.df1 = (unsigned)(t - 1);
  a.df2 = (unsigned)(N - t);
  double grand = total / (double)N, ss_treat = 0, ss_err = 0;
  for (size_t g = 0; g < ds->n_groups; g++) {
    size_t n = ds->group_size[g];
    if (n < 2)
      continue;
    const double *y = row + ds->group_start[g];
    double s = 0;
    for (size_t j = 0; j < n; j++)
      s += y[j];
    double m = s / (double)n;
    for (size_t j = 0; j < n; j++)
      ss_err += (y[j] - m) * (y[j] - m);
    ss_treat += (double)n * (m - grand) * (m - grand);
  }
  if (ss_err == 0 && ss_treat == 0)
    return a;
  a.f = (ss_treat / a.df1) / (ss_err / a.df2);
  a.p = isinf(a.f) ? 0.0 : gsl_cdf_fdist_Q(a.f, a.df1, a.df2);
  return a;
}
