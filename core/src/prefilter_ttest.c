/*
 * prefilter_ttest.c - the Welch t-test (as Apache Commons Math's
 * TTest.tTest) and BMDExpress's NOTEL/LOTEL scan by it or by Dunnett's
 * test (PrefilterService.performNoelLoel; notes/bmdexpress.md §2.2).
 */
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "bmd/prefilter.h"

/*
 * Mean and variance as Apache Commons Math (corrected two-pass):
 *   m0 = sum x / n,  m = m0 + sum (x - m0) / n,
 *   v = (sum (x - m)^2 - (sum (x - m))^2 / n) / (n - 1).
 */
static void mean_var(const double *x, size_t n, double *mean, double *var) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i];
  double m = s / (double)n, c = 0;
  for (size_t i = 0; i < n; i++)
    c += x[i] - m;
  m += c / (double)n;
  double a = 0, b = 0;
  for (size_t i = 0; i < n; i++) {
    double d = x[i] - m;
    a += d * d;
    b += d;
  }
  *mean = m;
  *var = n > 1 ? (a - b * b / (double)n) / (double)(n - 1) : NAN;
}

/*
 * Welch:  t = (m_a - m_b) / sqrt(v_a/n_a + v_b/n_b),
 *         df = (v_a/n_a + v_b/n_b)^2 /
 *              ((v_a/n_a)^2/(n_a - 1) + (v_b/n_b)^2/(n_b - 1)),
 *         p = 2 * P(T_df > |t|).
 */
bmd_welch bmd_welch_test(const double *a, size_t na, const double *b, size_t nb) {
  bmd_welch w = {NAN, NAN, NAN};
  if (na < 2 || nb < 2)
    return w;
  double ma, va, mb, vb;
  mean_var(a, na, &ma, &va);
  mean_var(b, nb, &mb, &vb);
  double ea = va / (double)na, eb = vb / (double)nb, se2 = ea + eb;
  if (!(se2 > 0))
    return w;
  w.t = (ma - mb) / sqrt(se2);
  w.df = se2 * se2 / (ea * ea / (double)(na - 1) + eb * eb / (double)(nb - 1));
  w.p = 2.0 * gsl_cdf_tdist_Q(fabs(w.t), w.df);
  if (w.p > 1.0)
    w.p = 1.0;
  return w;
}

/* BMDExpress (PrefilterService.performNoelLoel): the p-values of every
 * level first, by either test; then the first level passing both
 * thresholds. The groups of a grouped dataset are consecutive samples, as
 * bmd_dunnett_test reads them. */
size_t bmd_notel_lotel(const bmd_dataset *ds, size_t probe, const double *fc, double fc_threshold,
                       double p_threshold, bmd_dunnett_workspace *dunnett, double *p_out) {
  const double *row = bmd_dataset_row(ds, probe);
  const double *control = row + ds->group_start[0];
  size_t n0 = ds->group_size[0], lotel = 0;
  int dunnett_ok = dunnett && p_out &&
                   bmd_dunnett_test(dunnett, control, ds->group_size, ds->n_groups,
                                    BMD_DUNNETT_TWO_SIDED, NULL, p_out) == 0;
  for (size_t g = 1; g < ds->n_groups; g++) {
    double p = dunnett ? (dunnett_ok ? p_out[g - 1] : NAN)
                       : bmd_welch_test(control, n0, row + ds->group_start[g], ds->group_size[g]).p;
    if (p_out)
      p_out[g - 1] = p;
    if (lotel == 0 && fabs(fc[g - 1]) > fc_threshold && p < p_threshold)
      lotel = g;
  }
  return lotel;
}
