/*
 * analyze.h - `bmdstream analyze`: the offline analysis as a sequence of
 * stages over one shared context. cmd_analyze.c parses the command line,
 * imports the matrix and runs the stages in order; each stage lives in its
 * own analyze_<stage>.c, reads what earlier stages left in the context and
 * writes its own files under the output directory.
 *
 * Adding a stage: write analyze_<stage>.c with a bs_analyze_stage (its
 * options go in the stage's own table, parsed by cmd_analyze.c), declare it
 * here and append it to the stage list in cmd_analyze.c.
 */
#ifndef BS_ANALYZE_H
#define BS_ANALYZE_H

#include <stddef.h>
#include <stdio.h>

#include "bmd/dataset.h"
#include "bmd/prefilter.h"

typedef enum bs_prefilter_kind {
  BS_PREFILTER_NONE = 0,
  BS_PREFILTER_ANOVA,
  BS_PREFILTER_WILLIAMS
} bs_prefilter_kind;

typedef struct bs_analyze_ctx {
  /* command line */
  const char *matrix_path; /* borrowed from argv */
  const char *out_dir;     /* borrowed from argv */
  unsigned threads;
  /* prefilter options */
  bs_prefilter_kind prefilter;
  bmd_prefilter_options pf;
  unsigned permutations;
  unsigned long long seed;
  /* state */
  bmd_dataset *ds;              /* owned, imported by cmd_analyze.c */
  bmd_prefilter_result *pf_res; /* owned, set by the prefilter stage */
  double *pf_stat;              /* owned: F or Williams statistic per probe */
} bs_analyze_ctx;

/* One option of a stage: long name, whether it takes a value, and its
 * parser (0, or -1 after printing the error). */
typedef struct bs_analyze_opt {
  const char *name;
  int has_arg;
  const char *help;
  int (*parse)(bs_analyze_ctx *ctx, const char *value);
} bs_analyze_opt;

typedef struct bs_analyze_stage {
  const char *name;
  const bs_analyze_opt *opts;
  size_t n_opts;
  /* 0 on success, else the exit status (message printed). */
  int (*run)(bs_analyze_ctx *ctx);
} bs_analyze_stage;

extern const bs_analyze_stage bs_analyze_stage_prefilter;

/* Probes that passed the prefilter (all probes when it did not run):
 * fills idx (n_probes entries) and returns the count. */
size_t bs_analyze_passed(const bs_analyze_ctx *ctx, size_t *idx);

#endif
