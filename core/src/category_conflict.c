/*
 * category_conflict.c - conflicting probe sets (bmd/category.h,
 * bmd_category_conflicts) as BMDExpress 3 computes them:
 *
 *   CategoryMapTool.categoryAnalysis: with identifyConflictingProbeSets,
 *     BMDStatatistics.readExpressionData then computeCorrelation(cutoff);
 *   BMDStatatistics.computeCorrelation / linearCorrelation: per gene of the
 *     BMD probes, over every pair (i < j) of the experiment probes mapped
 *     to the gene (ProbeGeneMapsBMDAnalysis.subGenesAllProbes: probes left
 *     after the promiscuous-probe removal), r = LinearCorrelation.correlation
 *     of the two probes' response arrays (all samples, stored as float);
 *     minR starts at 1.0 and takes r when r < minR (so NaN never counts);
 *     then minR = NumberManager.numberFormat(4, minR);
 *   BMDStatatistics.genesConfilt / computeStatistic: a passed gene of a
 *     category is listed, "gene(minR)", when minR < cutoff. Nothing is
 *     removed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/category.h"
#include "category_internal.h"

double bmd_stat_pearson(const double *x, const double *y, size_t n) {
  if (n < 2)
    return NAN;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; i++)
    mx += x[i], my += y[i];
  mx /= (double)n, my /= (double)n;
  /* r = Sxy / sqrt(Sxx Syy), deviations from the means */
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; i++) {
    double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/*
 * NumberManager.numberFormat(decimals, x): when |x| < 0.1, decimals +=
 * d - 1 where d is the first integer >= 0 with |x| >= 1 / 10^d
 * (NumberManager.redicimal); then DecimalFormat "#.###..." with that many
 * places, HALF_EVEN on the exact binary value (as printf rounds), parsed
 * back.
 */
double bmd_round_bmdx(double x, int decimals) {
  if (!isfinite(x) || x == 0)
    return x;
  double ax = fabs(x);
  if (ax < 0.1) {
    int d = 0;
    while (ax < 1.0 / pow(10.0, (double)d) && d < 330)
      d++;
    decimals += d - 1;
  }
  if (decimals > 340)
    decimals = 340;
  char buf[400];
  snprintf(buf, sizeof(buf), "%.*f", decimals, x);
  return strtod(buf, NULL);
}

int bmd_category_conflicts_done(const bmd_category_analysis *ca) {
  return ca->conflicts_done;
}

double bmd_category_conflict_cutoff(const bmd_category_analysis *ca) {
  return ca->conflict_cutoff;
}

/* The lowest r over the pairs of rows[0..m) (see the top of the file);
 * x and y are n_samples scratch each. */
static double min_correlation(const size_t *rows, size_t m, const double *values, size_t n_samples,
                              double *x, double *y) {
  double min_r = 1.0;
  for (size_t i = 0; i + 1 < m; i++) {
    for (size_t s = 0; s < n_samples; s++)
      x[s] = (double)(float)values[rows[i] * n_samples + s];
    for (size_t j = i + 1; j < m; j++) {
      for (size_t s = 0; s < n_samples; s++)
        y[s] = (double)(float)values[rows[j] * n_samples + s];
      double r = bmd_stat_pearson(x, y, n_samples);
      if (r < min_r)
        min_r = r;
    }
  }
  return bmd_round_bmdx(min_r, 4);
}

int bmd_category_conflicts(bmd_category_analysis *ca, const bmd_annotation *an,
                           const char *const *ids, const double *values, size_t n_rows,
                           size_t n_samples, int remove_promiscuous, double cutoff, char *errstr,
                           size_t errstr_size) {
  size_t n_ap = an->probes.n, n_g = an->genes.n, np = an->probe_gene.n;
  size_t *ap_row = malloc((n_ap + 1) * sizeof(*ap_row));
  size_t *ap_genes = calloc(n_ap + 1, sizeof(*ap_genes));
  size_t *g_start = calloc(n_g + 2, sizeof(*g_start));
  size_t *g_rows = malloc((np + 1) * sizeof(*g_rows));
  size_t *fill = calloc(n_g + 1, sizeof(*fill));
  double *x = malloc((2 * n_samples + 1) * sizeof(*x));
  int rc = -1;
  if (!ap_row || !ap_genes || !g_start || !g_rows || !fill || !x) {
    snprintf(errstr, errstr_size, "conflicting probe sets: out of memory");
    goto done;
  }
  /* each probe of the map: its expression row (the first with its id) */
  for (size_t ap = 0; ap < n_ap; ap++)
    ap_row[ap] = (size_t)-1;
  for (size_t e = n_rows; e-- > 0;) {
    size_t ap = bmd_strmap_find(&an->probes, ids[e]);
    if (ap != (size_t)-1)
      ap_row[ap] = e;
  }
  for (size_t k = 0; k < np; k++)
    ap_genes[an->probe_gene.a[k]]++;
    /* gene -> expression rows of its probes (CSR; the order does not matter) */
#define USABLE(ap) (ap_row[ap] != (size_t)-1 && !(remove_promiscuous && ap_genes[ap] > 1))
  for (size_t k = 0; k < np; k++)
    if (USABLE(an->probe_gene.a[k]))
      g_start[an->probe_gene.b[k] + 1]++;
  for (size_t g = 0; g < n_g; g++)
    g_start[g + 1] += g_start[g];
  for (size_t k = 0; k < np; k++) {
    size_t ap = an->probe_gene.a[k], g = an->probe_gene.b[k];
    if (USABLE(ap))
      g_rows[g_start[g] + fill[g]++] = ap_row[ap];
  }
#undef USABLE
  for (size_t i = 0; i < ca->n_genes; i++) {
    size_t g = ca->genes[i].gene;
    ca->genes[i].min_correlation = min_correlation(g_rows + g_start[g], g_start[g + 1] - g_start[g],
                                                   values, n_samples, x, x + n_samples);
  }
  for (size_t c = 0; c < ca->n_results; c++) {
    bmd_category_result *res = &ca->results[c];
    res->n_conflicting = 0;
    for (size_t i = 0; i < res->n; i++)
      res->n_conflicting += ca->genes[res->genes[i]].min_correlation < cutoff;
  }
  ca->conflicts_done = 1;
  ca->conflict_cutoff = cutoff;
  rc = 0;
done:
  free(ap_row);
  free(ap_genes);
  free(g_start);
  free(g_rows);
  free(fill);
  free(x);
  return rc;
}
