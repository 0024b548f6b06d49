/*
 * bmd/tpod.h - transcriptomic points of departure (shared/DESIGN.md §5)
 * from a category analysis:
 *   - the median BMD (and median BMDL) of the most sensitive active gene
 *     set, active = at least min_set_genes genes with BMDs making up at
 *     least min_set_fraction of the set's platform genes;
 *   - the BMD (and BMDL) of the rank-th most sensitive gene (25th);
 *   - the percentile-th gene BMD (10th), and the same percentile of the
 *     gene BMDLs.
 * Genes are the analysis's gene table: genes with at least one probe that
 * passed the category filters. Each value says what it rests on, or why
 * it cannot be given (out of memory is such a reason too).
 */
#ifndef BMD_TPOD_H
#define BMD_TPOD_H

#include <stddef.h>

#include "bmd/category.h"

typedef struct bmd_tpod_options {
  size_t min_set_genes;    /* 3 */
  double min_set_fraction; /* 0.05 */
  size_t rank;             /* 25 */
  double percentile;       /* 0.10 */
} bmd_tpod_options;

bmd_tpod_options bmd_tpod_options_default(void);

typedef struct bmd_tpod_value {
  int available; /* 1: bmd/bmdl hold the value */
  double bmd, bmdl;
  size_t n_genes;                /* genes the value rests on */
  size_t n_sets;                 /* gene sets considered active (set method) */
  const char *set_id, *set_name; /* the set (set method), borrowed from the analysis */
  const char *gene_id;           /* the gene (rank method), borrowed */
  char reason[192];              /* why not, when !available */
} bmd_tpod_value;

typedef struct bmd_tpod {
  bmd_tpod_value gene_set;   /* most sensitive active gene set */
  bmd_tpod_value rank;       /* rank-th gene */
  bmd_tpod_value percentile; /* percentile of gene BMDs */
  bmd_tpod_options options;
} bmd_tpod;

/* All three from the analysis (borrowed strings live as long as it). */
void bmd_tpod_compute(const bmd_category_analysis *ca, const bmd_tpod_options *opt, bmd_tpod *out);

/* The gene pieces on plain arrays: bmd, bmdl of n genes in any order
 * (ids may be NULL). Ties in BMD are ordered by BMDL, then by input order. */
void bmd_tpod_rank(const double *bmd, const double *bmdl, const char *const *ids, size_t n,
                   size_t rank, bmd_tpod_value *out);
void bmd_tpod_percentile(const double *bmd, const double *bmdl, size_t n, double p,
                         bmd_tpod_value *out);

/* Percentile p of sorted[0..n), linear between order statistics:
 * h = (n - 1) p, x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)). */
double bmd_quantile_sorted(const double *sorted, size_t n, double p);

#endif
