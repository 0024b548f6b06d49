/*
 * analyze_prefilter.c - the prefilter stage of `bmdstream analyze`:
 * runs ANOVA, the Williams trend test or no test over every probe, then
 * BMDExpress's flow (bmd/prefilter.h), and writes DIR/prefilter.tsv:
 *
 *   Probe ID, [Df1, Df2, F-Value | Williams Test Statistic],
 *   Unadjusted P-Value, Adjusted P-Value, Max Fold Change,
 *   Max Fold Change Unsigned, FC Dose Level 1..k,
 *   NOTEL/LOTEL T-Test p-Value Level 1..k, NOTEL, LOTEL, Passed Prefilter
 *
 * (plus "Prefilter Verdict": the first filter a probe failed), one row
 * per probe in file order; numbers with 17 significant digits, missing
 * values empty. BMDExpress's column names; ours are the Williams
 * statistic (BMDExpress shows none) and the last two columns (BMDExpress
 * keeps only the survivors).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "bmd/prefilter.h"

#include "bmd/williams.h"

static int parse_double(const char *flag, const char *v, double lo, double *out) {
  char *end = NULL;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !isfinite(x) || x < lo) {
    fprintf(stderr, "bmdstream analyze: --%s: '%s' is not a number >= %g\n", flag, v, lo);
    return -1;
  }
  *out = x;
  return 0;
}

static int opt_prefilter(bs_analyze_ctx *ctx, const char *v) {
  if (strcmp(v, "anova") == 0)
    ctx->prefilter = BS_PREFILTER_ANOVA;
  else if (strcmp(v, "williams") == 0)
    ctx->prefilter = BS_PREFILTER_WILLIAMS;
  else if (strcmp(v, "none") == 0)
    ctx->prefilter = BS_PREFILTER_NONE;
  else {
    fprintf(stderr, "bmdstream analyze: --prefilter: '%s' is not williams, anova or none\n", v);
    return -1;
  }
  return 0;
}

static int opt_p_cutoff(bs_analyze_ctx *ctx, const char *v) {
  return parse_double("p-cutoff", v, 0.0, &ctx->pf.p_cutoff);
}

static int opt_mtc(bs_analyze_ctx *ctx, const char *v) {
  (void)v;
  ctx->pf.use_adjusted = 1;
  return 0;
}

static int opt_fold(bs_analyze_ctx *ctx, const char *v) {
  return parse_double("fold-filter", v, 0.0, &ctx->pf.fold_threshold);
}

static int opt_no_fold(bs_analyze_ctx *ctx, const char *v) {
  (void)v;
  ctx->pf.fold_threshold = 0.0;
  return 0;
}

static int opt_keep_controls(bs_analyze_ctx *ctx, const char *v) {
  (void)v;
  ctx->pf.filter_controls = 0;
  return 0;
}

static int opt_notel_p(bs_analyze_ctx *ctx, const char *v) {
  return parse_double("notel-p", v, 0.0, &ctx->pf.notel_p);
}

static int opt_notel_fc(bs_analyze_ctx *ctx, const char *v) {
  return parse_double("notel-fc", v, 0.0, &ctx->pf.notel_fc);
}

static int opt_permutations(bs_analyze_ctx *ctx, const char *v) {
  char *end = NULL;
  errno = 0;
  unsigned long x = strtoul(v, &end, 10);
  if (errno || end == v || *end || x > 100000000UL || v[0] == '-') {
    fprintf(stderr, "bmdstream analyze: --permutations: '%s' is not 0..100000000\n", v);
    return -1;
  }
  ctx->permutations = (unsigned)x;
  return 0;
}

static int opt_seed(bs_analyze_ctx *ctx, const char *v) {
  char *end = NULL;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || end == v || *end || v[0] == '-') {
    fprintf(stderr, "bmdstream analyze: --seed: '%s' is not an unsigned integer\n", v);
    return -1;
  }
  ctx->seed = x;
  return 0;
}

static const bs_analyze_opt prefilter_opts[] = {
    {"prefilter", 1, "williams|anova|none (anova)", opt_prefilter},
    {"p-cutoff", 1, "keep probes with p < P (0.05; >= 9999: no cutoff)", opt_p_cutoff},
    {"mtc", 0, "cut on the Benjamini-Hochberg adjusted p", opt_mtc},
    {"fold-filter", 1, "keep probes with |max fold change| >= X (2; 0 = off)", opt_fold},
    {"no-fold-filter", 0, "no fold-change filter", opt_no_fold},
    {"keep-controls", 0, "keep AFFX control probes (dropped by default)", opt_keep_controls},
    {"notel-p", 1, "NOTEL/LOTEL t-test p threshold (0.05)", opt_notel_p},
    {"notel-fc", 1, "NOTEL/LOTEL fold-change threshold (2)", opt_notel_fc},
    {"permutations", 1, "Williams permutations (10000)", opt_permutations},
    {"seed", 1, "Williams permutation seed (23524)", opt_seed},
};

static void put_num(FILE *f, double x) {
  if (isnan(x))
    fputs("\t", f);
  else
    fprintf(f, "\t%.17g", x);
}

static int write_table(const bs_analyze_ctx *ctx, const bmd_anova *anova) {
  const bmd_dataset *ds = ctx->ds;
  const bmd_prefilter_result *res = ctx->pf_res;
  size_t plen = strlen(ctx->out_dir) + sizeof("/prefilter.tsv");
  char *path = malloc(plen);
  if (!path)
    return -1;
  snprintf(path, plen, "%s/prefilter.tsv", ctx->out_dir);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "bmdstream analyze: cannot write %s: %s\n", path, strerror(errno));
    free(path);
    return -1;
  }
  fputs("Probe ID", f);
  if (ctx->prefilter == BS_PREFILTER_ANOVA)
    fputs("\tDf1\tDf2\tF-Value", f);
  else if (ctx->prefilter == BS_PREFILTER_WILLIAMS)
    fputs("\tWilliams Test Statistic", f);
  fputs("\tUnadjusted P-Value\tAdjusted P-Value\tMax Fold Change\tMax Fold Change Unsigned", f);
  for (size_t l = 1; l <= res->n_levels; l++)
    fprintf(f, "\tFC Dose Level %zu", l);
  for (size_t l = 1; l <= res->n_levels; l++)
    fprintf(f, "\tNOTEL/LOTEL T-Test p-Value Level %zu", l);
  fputs("\tNOTEL\tLOTEL\tPassed Prefilter\tPrefilter Verdict\n", f);
  for (size_t p = 0; p < ds->n_probes; p++) {
    const double *fc = res->fc + p * res->n_levels;
    const double *tp = res->notel_p + p * res->n_levels;
    size_t lotel = res->lotel[p];
    fputs(ds->probe_ids[p], f);
    if (ctx->prefilter == BS_PREFILTER_ANOVA) {
      fprintf(f, "\t%u\t%u", anova[p].df1, anova[p].df2);
      put_num(f, anova[p].f);
    } else if (ctx->prefilter == BS_PREFILTER_WILLIAMS) {
      put_num(f, ctx->pf_stat[p]);
    }
    put_num(f, res->p_raw[p]);
    put_num(f, res->p_adj[p]);
    put_num(f, res->max_fc[p]);
    put_num(f, fabs(res->max_fc[p]));
    for (size_t l = 0; l < res->n_levels; l++)
      put_num(f, fc[l]);
    for (size_t l = 0; l < res->n_levels; l++)
      put_num(f, tp[l]);
    put_num(f, lotel ? ds->group_dose[lotel - 1] : NAN);
    put_num(f, lotel ? ds->group_dose[lotel] : NAN);
    fprintf(f, "\t%s\t%s\n", res->verdict[p] == BMD_PREFILTER_PASSED ? "true" : "false",
            bmd_prefilter_verdict_name(res->verdict[p]));
  }
  int bad = ferror(f);
  if (fclose(f) != 0 || bad) {
    fprintf(stderr, "bmdstream analyze: error writing %s\n", path);
    free(path);
    return -1;
  }
  free(path);
  return 0;
}

static int run_prefilter(bs_analyze_ctx *ctx) {
  const bmd_dataset *ds = ctx->ds;
  size_t np = ds->n_probes;
  bmd_anova *anova = NULL;
  double *p = NULL;
  char err[512];
  int rc = 1;

  if (ctx->prefilter != BS_PREFILTER_NONE) {
    p = malloc((np ? np : 1) * sizeof(*p));
    ctx->pf_stat = malloc((np ? np : 1) * sizeof(*ctx->pf_stat));
    if (!p || !ctx->pf_stat)
      goto oom;
  }
  if (ctx->prefilter == BS_PREFILTER_ANOVA) {
    anova = malloc((np ? np : 1) * sizeof(*anova));
    if (!anova)
      goto oom;
    for (size_t i = 0; i < np; i++) {
      anova[i] = bmd_anova_probe(ds, i);
      p[i] = anova[i].p;
      ctx->pf_stat[i] = anova[i].f;
    }
  } else if (ctx->prefilter == BS_PREFILTER_WILLIAMS) {
    bmd_williams_options wo = bmd_williams_options_default();
    wo.permutations = ctx->permutations;
    wo.seed = (uint64_t)ctx->seed;
    wo.threads = ctx->threads;
    if (bmd_williams_run(ds, &wo, ctx->pf_stat, p, err, sizeof(err)) != 0) {
      fprintf(stderr, "bmdstream analyze: williams: %s\n", err);
      goto done;
    }
  }
  if (bmd_prefilter_run(ds, p, &ctx->pf, &ctx->pf_res, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: %s\n", err);
    goto done;
  }
  if (write_table(ctx, anova) != 0)
    goto done;
  fprintf(stderr, "bmdstream analyze: prefilter: %zu of %zu probes passed\n", ctx->pf_res->n_passed,
          np);
  rc = 0;
  goto done;
oom:
  fprintf(stderr, "bmdstream analyze: out of memory\n");
done:
  free(anova);
  free(p);
  return rc;
}

const bs_analyze_stage bs_analyze_stage_prefilter = {
    .name = "prefilter",
    .opts = prefilter_opts,
    .n_opts = sizeof(prefilter_opts) / sizeof(prefilter_opts[0]),
    .run = run_prefilter,
};
