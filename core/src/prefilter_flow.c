/*
 * prefilter_flow.c - BMDExpress's prefilter flow (PrefilterService;
 * notes/bmdexpress.md §2): p cutoff on the raw or BH-adjusted p, the AFFX
 * control-probe filter, the fold filter, and NOTEL/LOTEL (t-test or
 * Dunnett's test).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/prefilter.h"

bmd_prefilter_options bmd_prefilter_options_default(void) {
  bmd_prefilter_options o = {.p_cutoff = 0.05,
                             .use_adjusted = 0,
                             .filter_controls = 1,
                             .fold_threshold = 2.0,
                             .notel_test = BMD_NOTEL_TTEST,
                             .notel_p = 0.05,
                             .notel_fc = 2.0};
  return o;
}

static const char *const verdict_names[] = {
    [BMD_PREFILTER_PASSED] = "passed",    [BMD_PREFILTER_P_NAN] = "p-value NaN",
    [BMD_PREFILTER_P] = "p-value",        [BMD_PREFILTER_CONTROL] = "control probe",
    [BMD_PREFILTER_FOLD] = "fold change", [BMD_PREFILTER_CURVE_FIT] = "curve fit",
};

const char *bmd_prefilter_verdict_name(bmd_prefilter_verdict v) {
  return (unsigned)v < sizeof(verdict_names) / sizeof(verdict_names[0]) ? verdict_names[v] : "?";
}

void bmd_prefilter_result_destroy(bmd_prefilter_result *res) {
  if (!res)
    return;
  free(res->p_raw); /* the block of the double arrays */
  free(res->lotel);
  free(res->verdict);
  free(res);
}

/* BMDExpress treats a cutoff of 9999 or more as "None". */
#define BMD_P_CUTOFF_NONE 9999.0

/*
 * For each probe, in this order (the first failure is its verdict):
 *   1. p_used = adjusted p if use_adjusted else raw p (BH over all probes);
 *      drop when p_used is NaN or p_used >= p_cutoff (skipped when there
 *      is no test or p_cutoff >= 9999);
 *   2. drop ids starting with "AFFX" when filter_controls;
 *   3. drop when |max FC| < |fold_threshold| (fold_threshold != 0).
 * Fold changes and NOTEL/LOTEL are computed for every probe.
 */
int bmd_prefilter_run(const bmd_dataset *ds, const double *p_raw, const bmd_prefilter_options *opt,
                      bmd_prefilter_result **out, char *errstr, size_t errstr_size) {
  bmd_prefilter_result *r = NULL;
  bmd_dunnett_workspace *dunnett = NULL;
  *out = NULL;
  if (ds->n_groups < 2 || !ds->group_size) {
    snprintf(errstr, errstr_size, "prefilter: the dataset needs at least two dose groups");
    return -1;
  }
  if (!(opt->p_cutoff > 0) || isnan(opt->fold_threshold) || !(opt->notel_p > 0) ||
      isnan(opt->notel_fc) ||
      (opt->notel_test != BMD_NOTEL_TTEST && opt->notel_test != BMD_NOTEL_DUNNETT)) {
    snprintf(errstr, errstr_size,
             "prefilter: p cutoff and NOTEL p must be > 0, thresholds numbers, the NOTEL "
             "test t-test or Dunnett");
    return -1;
  }
  size_t n = ds->n_probes, k = ds->n_groups - 1;
  r = calloc(1, sizeof(*r));
  if (!r)
    goto oom;
  r->n_probes = n;
  r->n_levels = k;
  size_t cells = n * k > 0 ? n * k : 1, rows = n ? n : 1;
  /* The five double arrays are one block (calloc: -O3 -Wmaybe-uninitialized
   * when n = 0): p_raw | p_adj | max_fc (rows each) | fc | notel_p (cells each). */
  r->p_raw = calloc(3 * rows + 2 * cells, sizeof(double));
  r->lotel = malloc(rows * sizeof(size_t));
  r->verdict = malloc(rows * sizeof(bmd_prefilter_verdict));
  if (!r->p_raw || !r->lotel || !r->verdict)
    goto oom;
  if (opt->notel_test == BMD_NOTEL_DUNNETT && !(dunnett = bmd_dunnett_workspace_new(ds->n_groups)))
    goto oom;
  r->p_adj = r->p_raw + rows;
  r->max_fc = r->p_adj + rows;
  r->fc = r->max_fc + rows;
  r->notel_p = r->fc + cells;
  for (size_t i = 0; i < n; i++)
    r->p_raw[i] = p_raw ? p_raw[i] : NAN;
  if (bmd_bh_adjust(r->p_raw, n, r->p_adj) != 0)
    goto oom;

  int p_filter = p_raw && opt->p_cutoff < BMD_P_CUTOFF_NONE;
  for (size_t i = 0; i < n; i++) {
    double *fc = r->fc + i * k;
    r->max_fc[i] = bmd_fold_changes(ds, i, fc);
    r->lotel[i] =
        bmd_notel_lotel(ds, i, fc, opt->notel_fc, opt->notel_p, dunnett, r->notel_p + i * k);
    double p_used = opt->use_adjusted ? r->p_adj[i] : r->p_raw[i];
    bmd_prefilter_verdict v = BMD_PREFILTER_PASSED;
    if (p_filter && isnan(p_used))
      v = BMD_PREFILTER_P_NAN;
    else if (p_filter && p_used >= opt->p_cutoff)
      v = BMD_PREFILTER_P;
    else if (opt->filter_controls && strncmp(ds->probe_ids[i], "AFFX", 4) == 0)
      v = BMD_PREFILTER_CONTROL;
    else if (opt->fold_threshold != 0 && fabs(r->max_fc[i]) < fabs(opt->fold_threshold))
      v = BMD_PREFILTER_FOLD;
    r->verdict[i] = v;
    r->n_passed += v == BMD_PREFILTER_PASSED;
  }
  bmd_dunnett_workspace_destroy(dunnett);
  *out = r;
  return 0;
oom:
  bmd_dunnett_workspace_destroy(dunnett);
  bmd_prefilter_result_destroy(r);
  snprintf(errstr, errstr_size, "prefilter: out of memory");
  return -1;
}
