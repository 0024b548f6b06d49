/*
 * prefilter_fold.c - fold change per dose group, in BMDExpress's float
 * arithmetic (util/prefilter/FoldChange.java; notes/bmdexpress.md §2.1).
 */
#include <math.h>

#include "bmd/prefilter.h"

/* Group mean as BMDExpress: float sum in sample order, divided by the
 * count as a float. */
static float group_mean(const double *row, size_t start, size_t n) {
  float sum = 0.0f;
  for (size_t s = 0; s < n; s++)
    sum += (float)row[start + s];
  return n ? sum / (float)n : 0.0f;
}

/*
 * For level g with mean a_g and control mean a_0 (both floats):
 *   hi = max(a_g, a_0), lo = min(a_g, a_0), s = -1 if a_0 > a_g else +1;
 *   log data, base b:  FC_g = (float)(s * b^(double)(hi - lo))
 *   unlogged data:     FC_g = s * hi / lo   (float)
 * so |FC_g| >= 1 on log data. Max FC = the FC_g of largest |FC_g|.
 */
double bmd_fold_changes(const bmd_dataset *ds, size_t probe, double *fc) {
  const double *row = bmd_dataset_row(ds, probe);
  double base = 0;
  switch (ds->log_base) {
  case BMD_LOG_BASE2:
    base = 2.0;
    break;
  case BMD_LOG_BASE10:
    base = 10.0;
    break;
  case BMD_LOG_NATURAL:
    base = 2.718281828459045; /* Math.E */
    break;
  default:
    base = 0;
  }
  float control = group_mean(row, ds->group_start[0], ds->group_size[0]);
  float best = 0.0f;
  for (size_t g = 1; g < ds->n_groups; g++) {
    float a = group_mean(row, ds->group_start[g], ds->group_size[g]);
    float sign = control > a ? -1.0f : 1.0f;
    float hi = fmaxf(a, control), lo = fminf(a, control);
    float f;
    if (base > 0)
      f = (float)(sign * pow(base, (double)(hi - lo)));
    else
      f = sign * hi / lo;
    if (fc)
      fc[g - 1] = (double)f;
    if (fabsf(f) > fabsf(best))
      best = f;
  }
  return (double)best;
}
