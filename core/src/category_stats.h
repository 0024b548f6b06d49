/*
 * category_stats.h - private statistics helpers of the category analysis.
 */
#ifndef BMD_CATEGORY_STATS_H
#define BMD_CATEGORY_STATS_H

#include <stddef.h>

#include "bmd/category.h"

/* Mean, median, min, SD, weighted mean/SD and 95% interval of x[0..n)
 * with weights w (p5/p10 left NAN for the caller). */
void bmd_stat_summary(const double *x, const double *w, size_t n, bmd_cat_summary *out);

/* Mean, median and SD (n - 1) of x[0..n); NAN where undefined. */
void bmd_stat_mms(const double *x, size_t n, double *mean, double *median, double *sd);

#endif
