/*
 * category_stats.c - the statistics of a category's genes (shared/notes/
 * bmdexpress.md §4.4) and Fisher's exact test (§4.5).
 */
#include "bmd/category.h"
#include "category_stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* median = x_(n/2) for odd n, (x_(n/2 - 1) + x_(n/2)) / 2 for even n (0-based, sorted). */
double bmd_stat_median(const double *x, size_t n) {
  if (n == 0)
    return NAN;
  double *s = malloc(n * sizeof(*s));
  if (!s)
    return NAN;
  memcpy(s, x, n * sizeof(*s));
  qsort(s, n, sizeof(*s), cmp_double);
  double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  free(s);
  return m;
}

/*
 * Percentile p "of Total Genes" (BMDExpress BMDStatatistics): with A the
 * category's platform gene count, i = the first 0-based index with
 * (i + 1) / A >= p. If (i + 1) / A == p or i == 0 the value is x_i (index
 * i), otherwise (x_(i-1) + x_i) / 2 (index i - 0.5). Nothing when n / A < p.
 */
double bmd_stat_total_percentile(const double *sorted, size_t n, size_t total, double p,
                                 double *index) {
  *index = NAN;
  if (n == 0 || total == 0 || (double)n / (double)total < p)
    return NAN;
  for (size_t i = 0; i < n; i++) {
    double q = (double)(i + 1) / (double)total;
    if (q < p)
      continue;
    if (q == p || i == 0) {
      *index = (double)i;
      return sorted[i];
    }
    *index = (double)i - 0.5;
    return 0.5 * (sorted[i - 1] + sorted[i]);
  }
  return NAN;
}

/*
 * Sample statistics of x[0..n) with weights w:
 *   mean = sum x / n;  sd = sqrt( sum (x - mean)^2 / (n - 1) )   (NAN for n < 2)
 *   wmean = sum w x / sum w
 *   SS = sum w x^2 - (sum w x)^2 / sum w   (if negative: sum w (x - wmean)^2)
 *   wsd = sqrt( SS / ((n - 1) sum w / n) )
 *   ci = mean -/+ 1.96 sd / sqrt(n)
 */
void bmd_stat_summary(const double *x, const double *w, size_t n, bmd_cat_summary *out) {
  out->mean = out->median = out->min = out->sd = NAN;
  out->wmean = out->wsd = out->p5 = out->p10 = out->ci_lo = out->ci_hi = NAN;
  if (n == 0)
    return;
  double sum = 0, mn = INFINITY, sw = 0, swx = 0, swx2 = 0;
  for (size_t i = 0; i < n; i++) {
    sum += x[i];
    if (x[i] < mn)
      mn = x[i];
    sw += w[i];
    swx += w[i] * x[i];
    swx2 += w[i] * x[i] * x[i];
  }
  out->mean = sum / (double)n;
  out->min = mn;
  out->median = bmd_stat_median(x, n);
  if (n > 1) {
    double ss = 0;
    for (size_t i = 0; i < n; i++)
      ss += (x[i] - out->mean) * (x[i] - out->mean);
    out->sd = sqrt(ss / (double)(n - 1));
  }
  if (sw > 0) {
    out->wmean = swx / sw;
    double ss = swx2 - swx * swx / sw;
    if (ss < 0) {
      ss = 0;
      for (size_t i = 0; i < n; i++)
        ss += w[i] * (x[i] - out->wmean) * (x[i] - out->wmean);
    }
    if (n > 1)
      out->wsd = sqrt(ss / ((double)(n - 1) * sw / (double)n));
  }
  double half = 1.96 * out->sd / sqrt((double)n);
  out->ci_lo = out->mean - half;
  out->ci_hi = out->mean + half;
}

/* Mean, median and SD only (the UP/DOWN/CONFLICT subsets). */
void bmd_stat_mms(const double *x, size_t n, double *mean, double *median, double *sd) {
  *mean = *median = *sd = NAN;
  if (n == 0)
    return;
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += x[i];
  *mean = sum / (double)n;
  *median = bmd_stat_median(x, n);
  if (n > 1) {
    double ss = 0;
    for (size_t i = 0; i < n; i++)
      ss += (x[i] - *mean) * (x[i] - *mean);
    *sd = sqrt(ss / (double)(n - 1));
  }
}

/*
 * Fisher's exact test on [[a, b], [c, d]]: with row sums n1 = a + c
 * (category genes), n2 = b + d and draws t = a + b, X ~ Hypergeometric
 * (n1, n2, t), Pr(X = k) = C(n1, k) C(n2, t - k) / C(n1 + n2, t)
 * (GSL evaluates it through log-gamma).
 *   left = Pr(X <= a), right = Pr(X >= a),
 *   two  = sum over k with Pr(X = k) <= Pr(X = a) (1 + 1e-8), capped at 1.
 */
int bmd_fisher_exact(long a, long b, long c, long d, double *left, double *right, double *two) {
  *left = *right = *two = NAN;
  if (a < 0 || b < 0 || c < 0 || d < 0)
    return -1;
  unsigned n1 = (unsigned)(a + c), n2 = (unsigned)(b + d), t = (unsigned)(a + b);
  unsigned k = (unsigned)a;
  *left = gsl_cdf_hypergeometric_P(k, n1, n2, t);
  *right = k == 0 ? 1.0 : gsl_cdf_hypergeometric_Q(k - 1, n1, n2, t);
  double p0 = gsl_ran_hypergeometric_pdf(k, n1, n2, t) * (1.0 + 1e-8), sum = 0;
  unsigned lo = t > n2 ? t - n2 : 0, hi = t < n1 ? t : n1;
  for (unsigned j = lo; j <= hi; j++) {
    double pj = gsl_ran_hypergeometric_pdf(j, n1, n2, t);
    if (pj <= p0)
      sum += pj;
  }
  *two = sum > 1.0 ? 1.0 : sum;
  if (*left > 1.0)
    *left = 1.0;
  if (*right > 1.0)
    *right = 1.0;
  return 0;
}
