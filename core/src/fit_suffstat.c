/*
 * fit_suffstat.c - per-dose sufficient statistics (n, mean, SD with
 * divisor n - 1) and the OLS direction of a dataset.
 */
#include "bmd/fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The four arrays are one block of 4 g doubles: dose | n | mean | sd. */
bmd_suffstat *bmd_suffstat_new(size_t n_groups) {
  size_t g = n_groups ? n_groups : 1;
  bmd_suffstat *ss = calloc(1, sizeof(*ss));
  double *block = ss ? calloc(4 * g, sizeof(double)) : NULL;
  if (!block) {
    free(ss);
    return NULL;
  }
  ss->n_groups = n_groups;
  ss->dose = block;
  ss->n = block + g;
  ss->mean = block + 2 * g;
  ss->sd = block + 3 * g;
  return ss;
}

void bmd_suffstat_destroy(bmd_suffstat *ss) {
  if (ss)
    free(ss->dose); /* the block */
  free(ss);
}

typedef struct pair {
  double d, y;
} pair;

static int pair_cmp(const void *a, const void *b) {
  const pair *x = a, *y = b;
  return (x->d > y->d) - (x->d < y->d);
}

/* Two-pass mean and SD per group (n - 1 divisor; 0 for a single value). */
int bmd_suffstat_from_individual(const double *dose, const double *y, size_t n, bmd_suffstat **out,
                                 char *errstr, size_t errstr_size) {
  pair *pr = NULL;
  bmd_suffstat *ss = NULL;
  *out = NULL;
  if (n == 0) {
    snprintf(errstr, errstr_size, "no observations");
    goto fail;
  }
  pr = malloc(n * sizeof(*pr));
  if (!pr) {
    snprintf(errstr, errstr_size, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(dose[i]) || !isfinite(y[i])) {
      snprintf(errstr, errstr_size, "observation %zu is not a finite number", i + 1);
      goto fail;
    }
    pr[i].d = dose[i];
    pr[i].y = y[i];
  }
  qsort(pr, n, sizeof(*pr), pair_cmp);
  size_t groups = 1;
  for (size_t i = 1; i < n; i++)
    groups += pr[i].d != pr[i - 1].d;
  ss = bmd_suffstat_new(groups);
  if (!ss) {
    snprintf(errstr, errstr_size, "out of memory");
    goto fail;
  }
  size_t g = 0, start = 0;
  for (size_t i = 1; i <= n; i++) {
    if (i < n && pr[i].d == pr[start].d)
      continue;
    double cnt = (double)(i - start), sum = 0, sq = 0;
    for (size_t j = start; j < i; j++)
      sum += pr[j].y;
    double mean = sum / cnt;
    for (size_t j = start; j < i; j++)
      sq += (pr[j].y - mean) * (pr[j].y - mean);
    ss->dose[g] = pr[start].d;
    ss->n[g] = cnt;
    ss->mean[g] = mean;
    ss->sd[g] = cnt > 1 ? sqrt(sq / (cnt - 1.0)) : 0.0;
    g++;
    start = i;
  }
  free(pr);
  *out = ss;
  return 0;
fail:
  free(pr);
  bmd_suffstat_destroy(ss);
  return -1;
}

/* slope = sum (d_i - dbar)(y_i - ybar) / sum (d_i - dbar)^2 over group means */
int bmd_direction_ols(const bmd_suffstat *ss) {
  size_t G = ss->n_groups;
  double dbar = 0, ybar = 0;
  for (size_t i = 0; i < G; i++) {
    dbar += ss->dose[i];
    ybar += ss->mean[i];
  }
  dbar /= (double)G;
  ybar /= (double)G;
  double sxy = 0;
  for (size_t i = 0; i < G; i++)
    sxy += (ss->dose[i] - dbar) * (ss->mean[i] - ybar);
  return sxy > 0 ? 1 : 0;
}
