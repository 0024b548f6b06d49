/*
 * prefilter_flow.c - BMDExpress's prefilter flow (notes/bmdexpress.md §2):
 * BH adjustment over every probe tested, the p cutoff (raw or adjusted),
 * AFFX control removal, the fold filter and NOTEL/LOTEL.
 *
 * BMDExpress computes fold changes only for probes that survive the p
 * cutoff and NOTEL/LOTEL only for those surviving the fold filter; the
 * values do not depend on that order, so every probe gets them here and
 * `passed` records the outcome of the flow.
 */
#include "bmd/prefilter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bmd_prefilter_options bmd_prefilter_options_default(void) {
  bmd_prefilter_options o = {
      .p_cutoff = 0.05,
      .use_adjusted = 0,
      .remove_controls = 1,
      .fold_filter = 1,
      .fold_threshold = 2.0,
      .notel_p_threshold = 0.05,
      .notel_fc_threshold = 1.5,
  };
  return o;
}

void bmd_prefilter_result_destroy(bmd_prefilter_result *res) {
  if (!res)
    return;
  free(res->rows);
  free(res->storage);
  free(res);
}

bmd_prefilter_result *bmd_prefilter_run(const bmd_dataset *ds, const double *p_raw,
                                        const bmd_prefilter_options *opt, char *errstr,
                                        size_t errstr_size) {
  bmd_prefilter_result *res = NULL;
  double *q = NULL;
  size_t *work = NULL;
  if (ds->n_groups < 2) {
    snprintf(errstr, errstr_size, "prefilter: %zu dose group(s), need at least two", ds->n_groups);
    return NULL;
  }
  size_t np = ds->n_probes, nl = ds->n_groups - 1;
  res = calloc(1, sizeof(*res));
  if (!res)
    goto oom;
  res->n_probes = np;
  res->n_levels = nl;
  res->rows = calloc(np ? np : 1, sizeof(*res->rows));
  res->storage = malloc((np ? np : 1) * 2 * nl * sizeof(double));
  q = malloc((np ? np : 1) * sizeof(*q));
  work = malloc((np ? np : 1) * sizeof(*work));
  if (!res->rows || !res->storage || !q || !work)
    goto oom;

  if (p_raw)
    bmd_prefilter_bh(p_raw, np, q, work);
  int cutoff_on = p_raw && opt->p_cutoff < 9999.0;
  for (size_t i = 0; i < np; i++) {
    bmd_prefilter_row *r = &res->rows[i];
    r->fc = res->storage + i * 2 * nl;
    r->notel_p = r->fc + nl;
    r->p = p_raw ? p_raw[i] : NAN;
    r->p_adj = p_raw ? q[i] : NAN;
    r->max_fc = bmd_prefilter_fold_change(ds, i, r->fc);
    size_t g = bmd_prefilter_notel(ds, i, r->fc, opt->notel_p_threshold, opt->notel_fc_threshold,
                                   r->notel_p);
    r->lotel = g ? ds->group_dose[g] : NAN;
    r->notel = g ? ds->group_dose[g - 1] : NAN;

    int pass = 1;
    double pu = opt->use_adjusted ? r->p_adj : r->p;
    if (cutoff_on && (isnan(pu) || pu >= opt->p_cutoff))
      pass = 0;
    if (opt->remove_controls && ds->probe_ids[i] && strncmp(ds->probe_ids[i], "AFFX", 4) == 0)
      pass = 0;
    if (opt->fold_filter && fabs(r->max_fc) < fabs(opt->fold_threshold))
      pass = 0;
    r->passed = pass;
    res->n_passed += (size_t)pass;
  }
  free(q);
  free(work);
  return res;
oom:
  snprintf(errstr, errstr_size, "prefilter: out of memory for %zu probes", np);
  free(q);
  free(work);
  bmd_prefilter_result_destroy(res);
  return NULL;
}
