/*
 * tpod.c - transcriptomic points of departure from a category analysis
 * (see bmd/tpod.h).
 */
#include "bmd/tpod.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bmd_tpod_options bmd_tpod_options_default(void) {
  bmd_tpod_options o = {
      .min_set_genes = 3, .min_set_fraction = 0.05, .rank = 25, .percentile = 0.10};
  return o;
}

static void value_init(bmd_tpod_value *v) {
  memset(v, 0, sizeof(*v));
  v->bmd = v->bmdl = NAN;
}

typedef struct ranked {
  double bmd, bmdl;
  size_t idx;
} ranked;

static int cmp_ranked(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  if (a->bmd != b->bmd)
    return a->bmd < b->bmd ? -1 : 1;
  if (a->bmdl != b->bmdl)
    return a->bmdl < b->bmdl ? -1 : 1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Rank-th smallest gene BMD (1-based) and that gene's BMDL. */
void bmd_tpod_rank(const double *bmd, const double *bmdl, const char *const *ids, size_t n,
                   size_t rank, bmd_tpod_value *out) {
  value_init(out);
  out->n_genes = n;
  if (rank == 0 || n < rank) {
    snprintf(out->reason, sizeof(out->reason),
             "only %zu genes with BMDs passed the filters; rank %zu needs at least %zu", n, rank,
             rank);
    return;
  }
  ranked *r = malloc(n * sizeof(*r));
  if (!r) {
    snprintf(out->reason, sizeof(out->reason), "out of memory");
    return;
  }
  for (size_t i = 0; i < n; i++)
    r[i].bmd = bmd[i], r[i].bmdl = bmdl[i], r[i].idx = i;
  qsort(r, n, sizeof(*r), cmp_ranked);
  out->available = 1;
  out->bmd = r[rank - 1].bmd;
  out->bmdl = r[rank - 1].bmdl;
  out->gene_id = ids ? ids[r[rank - 1].idx] : NULL;
  free(r);
}

/* h = (n - 1) p;  q = x_floor(h) + (h - floor(h)) (x_(floor(h)+1) - x_floor(h)) */
double bmd_quantile_sorted(const double *sorted, size_t n, double p) {
  if (n == 0 || !(p >= 0 && p <= 1))
    return NAN;
  double h = (double)(n - 1) * p, fl = floor(h);
  size_t i = (size_t)fl;
  if (i + 1 >= n)
    return sorted[n - 1];
  return sorted[i] + (h - fl) * (sorted[i + 1] - sorted[i]);
}

/* Percentile p of the gene BMDs and, separately, of the gene BMDLs;
 * given when at least ceil(1/p) genes have BMDs. */
void bmd_tpod_percentile(const double *bmd, const double *bmdl, size_t n, double p,
                         bmd_tpod_value *out) {
  value_init(out);
  out->n_genes = n;
  size_t need = p > 0 ? (size_t)ceil(1.0 / p - 1e-9) : 0;
  if (!(p > 0 && p < 1) || n < need || n == 0) {
    snprintf(out->reason, sizeof(out->reason),
             "only %zu genes with BMDs passed the filters; the %g%% percentile needs at least %zu",
             n, 100 * p, need);
    return;
  }
  double *s = malloc(2 * n * sizeof(*s));
  if (!s) {
    snprintf(out->reason, sizeof(out->reason), "out of memory");
    return;
  }
  memcpy(s, bmd, n * sizeof(*s));
  memcpy(s + n, bmdl, n * sizeof(*s));
  qsort(s, n, sizeof(*s), cmp_double);
  qsort(s + n, n, sizeof(*s), cmp_double);
  out->available = 1;
  out->bmd = bmd_quantile_sorted(s, n, p);
  out->bmdl = bmd_quantile_sorted(s + n, n, p);
  free(s);
}

/* Most sensitive active set: the lowest median BMD (ties: lower median
 * BMDL, then annotation order) among sets with n >= min genes and
 * n / A >= min fraction. */
static void gene_set(const bmd_category_analysis *ca, const bmd_tpod_options *o,
                     bmd_tpod_value *out) {
  value_init(out);
  const bmd_category_result *best = NULL;
  size_t n_res = bmd_category_n_results(ca);
  for (size_t i = 0; i < n_res; i++) {
    const bmd_category_result *r = bmd_category_result_get(ca, i);
    if (r->n < o->min_set_genes || r->n_platform == 0 ||
        (double)r->n / (double)r->n_platform < o->min_set_fraction)
      continue;
    out->n_sets++;
    if (!best || r->bmd.median < best->bmd.median ||
        (r->bmd.median == best->bmd.median && r->bmdl.median < best->bmdl.median))
      best = r;
  }
  if (!best) {
    snprintf(out->reason, sizeof(out->reason),
             "none of %zu gene sets has at least %zu genes with BMDs making up at least %g%% of "
             "the set",
             n_res, o->min_set_genes, 100 * o->min_set_fraction);
    return;
  }
  out->available = 1;
  out->bmd = best->bmd.median;
  out->bmdl = best->bmdl.median;
  out->n_genes = best->n;
  out->set_id = best->id;
  out->set_name = best->name;
}

void bmd_tpod_compute(const bmd_category_analysis *ca, const bmd_tpod_options *opt, bmd_tpod *out) {
  bmd_tpod_options o = opt ? *opt : bmd_tpod_options_default();
  out->options = o;
  gene_set(ca, &o, &out->gene_set);
  size_t n = bmd_category_n_genes(ca);
  double *v = malloc((2 * n + 1) * sizeof(*v));
  const char **ids = malloc((n + 1) * sizeof(*ids));
  if (!v || !ids) {
    value_init(&out->rank);
    value_init(&out->percentile);
    snprintf(out->rank.reason, sizeof(out->rank.reason), "out of memory");
    snprintf(out->percentile.reason, sizeof(out->percentile.reason), "out of memory");
    free(v);
    free(ids);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const bmd_cat_gene *g = bmd_category_gene(ca, i);
    v[i] = g->bmd, v[n + i] = g->bmdl, ids[i] = g->id;
  }
  bmd_tpod_rank(v, v + n, ids, n, o.rank, &out->rank);
  bmd_tpod_percentile(v, v + n, n, o.percentile, &out->percentile);
  free(v);
  free(ids);
}
