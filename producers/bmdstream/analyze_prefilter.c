/*
 * analyze_prefilter.c - the prefilter stage of `bmdstream analyze`: the
 * per-probe test (one-way ANOVA, Williams trend test, or none), the
 * filter flow (bmd/prefilter.h), and DIR/prefilter.tsv.
 *
 * prefilter.tsv: tab-separated, one header row, one row per probe of the
 * matrix (in input order), BMDExpress's column names:
 *   Probe ID, [Df1, Df2, F-Value (ANOVA)], [Unadjusted P-Value,
 *   Adjusted P-Value (ANOVA, Williams)], Max Fold Change, Max Fold Change
 *   Unsigned, FC Dose Level 1..k, NOTEL/LOTEL T-Test p-Value Level 1..k,
 *   NOTEL, LOTEL, then ours: [Williams Statistic], Passed (true/false),
 *   Filtered By (the first filter failed; empty when passed).
 * Numbers: doubles with 17 significant digits, fold changes and doses
 * (floats in BMDExpress) with 9; NaN as "NaN"; no NOTEL/LOTEL as empty.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "bmd/prefilter.h"
#include "bmd/williams.h"

static void put_num(FILE *f, double v, int digits) {
  if (isnan(v))
    fputs("NaN", f);
  else if (isinf(v))
    fputs(v > 0 ? "Infinity" : "-Infinity", f);
  else
    fprintf(f, "%.*g", digits, v);
}

static int write_tsv(const bs_analyze_options *opt, const bmd_dataset *ds,
                     const bmd_prefilter_result *r, const bmd_anova *anova, const double *stat,
                     char *errstr, size_t errstr_size) {
  char path[4096], tmp[4200];
  snprintf(path, sizeof(path), "%s/prefilter.tsv", opt->out_dir);
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
    return -1;
  }
  size_t k = r->n_levels;
  int has_p = opt->prefilter != BS_PREFILTER_NONE;
  fputs("Probe ID", f);
  if (anova)
    fputs("\tDf1\tDf2\tF-Value", f);
  if (has_p)
    fputs("\tUnadjusted P-Value\tAdjusted P-Value", f);
  fputs("\tMax Fold Change\tMax Fold Change Unsigned", f);
  for (size_t l = 1; l <= k; l++)
    fprintf(f, "\tFC Dose Level %zu", l);
  for (size_t l = 1; l <= k; l++)
    fprintf(f, "\tNOTEL/LOTEL T-Test p-Value Level %zu", l);
  fputs("\tNOTEL\tLOTEL", f);
  if (stat)
    fputs("\tWilliams Statistic", f);
  fputs("\tPassed\tFiltered By\n", f);
  for (size_t i = 0; i < r->n_probes; i++) {
    fputs(ds->probe_ids[i], f);
    if (anova) {
      fprintf(f, "\t%u\t%u\t", anova[i].df1, anova[i].df2);
      put_num(f, anova[i].f, 17);
    }
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
    fputc('\t', f);
    if (r->lotel[i]) {
      put_num(f, ds->group_dose[r->lotel[i] - 1], 9);
      fputc('\t', f);
      put_num(f, ds->group_dose[r->lotel[i]], 9);
    } else {
      fputc('\t', f);
    }
    if (stat) {
      fputc('\t', f);
      put_num(f, stat[i], 17);
    }
    bmd_prefilter_verdict v = r->verdict[i];
    fprintf(f, "\t%s\t%s\n", v == BMD_PREFILTER_PASSED ? "true" : "false",
            v == BMD_PREFILTER_PASSED ? "" : bmd_prefilter_verdict_name(v));
  }
  int bad = ferror(f);
  if (fclose(f) != 0 || bad) {
    snprintf(errstr, errstr_size, "%s: write failed: %s", tmp, strerror(errno));
    remove(tmp);
    return -1;
  }
  if (rename(tmp, path) != 0) {
    snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
    remove(tmp);
    return -1;
  }
  return 0;
}

/* Runs the chosen test: p[i] (and the ANOVA rows or Williams statistics). */
static int run_test(const bs_analyze_options *opt, const bmd_dataset *ds, double *p,
                    bmd_anova *anova, double *stat, char *errstr, size_t errstr_size) {
  switch (opt->prefilter) {
  case BS_PREFILTER_ANOVA:
    for (size_t i = 0; i < ds->n_probes; i++) {
      anova[i] = bmd_anova_probe(ds, i);
      p[i] = anova[i].p;
    }
    return 0;
  case BS_PREFILTER_WILLIAMS: {
    bmd_williams_options w = bmd_williams_options_default();
    w.permutations = opt->permutations;
    w.seed = opt->seed;
    w.threads = opt->threads;
    return bmd_williams_run(ds, &w, stat, p, errstr, errstr_size);
  }
  case BS_PREFILTER_NONE:
    return 0;
  }
  return 0;
}

int bs_analyze_prefilter_run(const bs_analyze_options *opt, const bmd_dataset *ds, size_t **passed,
                             size_t *n_passed, char *errstr, size_t errstr_size) {
  size_t n = ds->n_probes, rows = n ? n : 1;
  double *p = NULL, *stat = NULL;
  bmd_anova *anova = NULL;
  bmd_prefilter_result *r = NULL;
  size_t *keep = NULL;
  *passed = NULL;
  *n_passed = 0;
  p = malloc(rows * sizeof(*p));
  if (opt->prefilter == BS_PREFILTER_ANOVA)
    anova = malloc(rows * sizeof(*anova));
  if (opt->prefilter == BS_PREFILTER_WILLIAMS)
    stat = malloc(rows * sizeof(*stat));
  if (!p || (opt->prefilter == BS_PREFILTER_ANOVA && !anova) ||
      (opt->prefilter == BS_PREFILTER_WILLIAMS && !stat)) {
    snprintf(errstr, errstr_size, "out of memory");
    goto fail;
  }
  if (run_test(opt, ds, p, anova, stat, errstr, errstr_size) != 0)
    goto fail;

  bmd_prefilter_options po = bmd_prefilter_options_default();
  po.p_cutoff = opt->p_cutoff;
  po.use_adjusted = opt->mtc;
  po.filter_controls = opt->filter_controls;
  po.fold_threshold = opt->fold_filter;
  po.notel_p = opt->notel_p;
  po.notel_fc = opt->notel_fc;
  if (bmd_prefilter_run(ds, opt->prefilter == BS_PREFILTER_NONE ? NULL : p, &po, &r, errstr,
                        errstr_size) != 0)
    goto fail;
  if (write_tsv(opt, ds, r, anova, stat, errstr, errstr_size) != 0)
    goto fail;
  keep = malloc((r->n_passed ? r->n_passed : 1) * sizeof(*keep));
  if (!keep) {
    snprintf(errstr, errstr_size, "out of memory");
    goto fail;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (r->verdict[i] == BMD_PREFILTER_PASSED)
      keep[m++] = i;
  *passed = keep;
  *n_passed = m;
  bmd_prefilter_result_destroy(r);
  free(p);
  free(anova);
  free(stat);
  return 0;
fail:
  bmd_prefilter_result_destroy(r);
  free(p);
  free(anova);
  free(stat);
  free(keep);
  return -1;
}
