/*
 * prefilter_bh.c - Benjamini-Hochberg adjusted p-values
 * (util/stat/FalseDiscoveryRate.java; notes/bmdexpress.md §2.4).
 */
#include <math.h>
#include <stdlib.h>

#include "bmd/prefilter.h"

typedef struct ranked {
  double p;
  size_t index;
} ranked;

/* Ascending p; ties keep input order, so the result is deterministic. */
static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->p < y->p)
    return -1;
  if (x->p > y->p)
    return 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * With the m finite p-values sorted ascending, p_(1) <= ... <= p_(m):
 *   q_(m) = p_(m),   q_(i) = min(q_(i+1), p_(i) * m / i)  for i = m-1 .. 1,
 * capped at 1. NaN p-values are left out of m and get q = NaN.
 */
int bmd_bh_adjust(const double *p, size_t n, double *q) {
  ranked *r = malloc((n ? n : 1) * sizeof(*r));
  if (!r)
    return -1;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(p[i]))
      r[m++] = (ranked){p[i], i};
  for (size_t i = 0; i < n; i++)
    if (isnan(p[i]))
      q[i] = NAN;
  qsort(r, m, sizeof(*r), cmp_ranked);
  double prev = 1.0;
  for (size_t k = m; k-- > 0;) {
    double v = r[k].p * (double)m / (double)(k + 1);
    if (v > prev)
      v = prev;
    prev = v;
    q[r[k].index] = v;
  }
  free(r);
  return 0;
}
