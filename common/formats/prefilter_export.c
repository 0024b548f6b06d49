/*
 * prefilter_export.c - prefilter.tsv (see bs/prefilter_export.h).
 */
#include "bs/prefilter_export.h"

#include <math.h>

/* No value (NaN: a constant probe's F and p, a t-test without two
 * replicates) is an empty cell, never a sentinel number. */
static void put_num(FILE *f, double v, int digits) {
  if (isnan(v))
    return;
  if (isinf(v))
    fputs(v > 0 ? "Infinity" : "-Infinity", f);
  else
    fprintf(f, "%.*g", digits, v);
}

/* The method's test columns of probe i (or their titles when i is
 * (size_t)-1), each after a tab. */
static void put_test_columns(FILE *f, const bmd_prefilter_method *m, const double *values,
                             size_t i) {
  for (size_t c = 0; c < m->n_columns; c++) {
    fputc('\t', f);
    const char *label;
    if (i == (size_t)-1)
      fputs(m->columns[c], f);
    else if (m->label && (label = m->label(c, values[i * m->n_columns + c])))
      fputs(label, f);
    else
      put_num(f, values[i * m->n_columns + c], 17);
  }
}

int bs_prefilter_tsv_write(FILE *f, const bmd_dataset *ds, const bmd_prefilter_method *m,
                           const bmd_prefilter_result *r, const double *values) {
  size_t k = r->n_levels;
  int has_p = m->test != NULL;
  const double *cols = m->n_columns ? values : NULL;
  fputs("Probe ID", f);
  if (cols && m->columns_first)
    put_test_columns(f, m, cols, (size_t)-1);
  if (has_p)
    fputs("\tUnadjusted P-Value\tAdjusted P-Value", f);
  fputs("\tMax Fold Change\tMax Fold Change Unsigned", f);
  for (size_t l = 1; l <= k; l++)
    fprintf(f, "\tFC Dose Level %zu", l);
  for (size_t l = 1; l <= k; l++)
    fprintf(f, "\tNOTEL/LOTEL T-Test p-Value Level %zu", l);
  fputs("\tNOTEL\tLOTEL", f);
  if (cols && !m->columns_first)
    put_test_columns(f, m, cols, (size_t)-1);
  fputs("\tPassed\tFiltered By\n", f);
  for (size_t i = 0; i < r->n_probes; i++) {
    fputs(ds->probe_ids[i], f);
    if (cols && m->columns_first)
      put_test_columns(f, m, cols, i);
    if (has_p) {
      fputc('\t', f);
      put_num(f, r->p_raw[i], 17);
      fputc('\t', f);
      put_num(f, r->p_adj[i], 17);
    }
    fputc('\t', f);
    put_num(f, r->max_fc[i], 9);
    fputc('\t', f);
    put_num(f, fabs(r->max_fc[i]), 9);
    for (size_t l = 0; l < k; l++) {
      fputc('\t', f);
      put_num(f, r->fc[i * k + l], 9);
    }
    for (size_t l = 0; l < k; l++) {
      fputc('\t', f);
      put_num(f, r->notel_p[i * k + l], 17);
    }
    /* NOTEL is the group below the LOTEL */
    fputc('\t', f);
    if (r->lotel[i]) {
      put_num(f, ds->group_dose[r->lotel[i] - 1], 9);
      fputc('\t', f);
      put_num(f, ds->group_dose[r->lotel[i]], 9);
    } else {
      fputc('\t', f);
    }
    if (cols && !m->columns_first)
      put_test_columns(f, m, cols, i);
    bmd_prefilter_verdict v = r->verdict[i];
    fprintf(f, "\t%s\t%s\n", v == BMD_PREFILTER_PASSED ? "true" : "false",
            v == BMD_PREFILTER_PASSED ? "" : bmd_prefilter_verdict_name(v));
  }
  return ferror(f) ? -1 : 0;
}
