/*
 * analyze.h - what the stages of `bmdstream analyze` share: the parsed
 * options and one function per stage, each in its own analyze_<stage>.c.
 * Stages run in order on the imported dataset; each writes its file into
 * the output directory and hands the probes it keeps to the next.
 */
#ifndef BS_ANALYZE_H
#define BS_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "bmd/dataset.h"

typedef enum bs_analyze_prefilter {
  BS_PREFILTER_NONE = 0,
  BS_PREFILTER_ANOVA,
  BS_PREFILTER_WILLIAMS
} bs_analyze_prefilter;

typedef struct bs_analyze_options {
  const char *matrix;  /* --matrix FILE (borrowed from argv) */
  const char *out_dir; /* --out DIR */
  bs_analyze_prefilter prefilter;
  double p_cutoff;       /* --p-cutoff, 9999 = none */
  int mtc;               /* --mtc: compare BH-adjusted p */
  double fold_filter;    /* --fold-filter, 0 = off */
  int filter_controls;   /* off with --keep-controls */
  double notel_p;        /* --notel-p */
  double notel_fc;       /* --notel-fc */
  unsigned permutations; /* --permutations (Williams) */
  uint64_t seed;         /* --seed (Williams) */
  unsigned threads;      /* --threads */
  bmd_log_base log_base; /* --log */
} bs_analyze_options;

/* The prefilter stage: runs the chosen test and the filter flow over every
 * probe of ds, writes out_dir/prefilter.tsv (BMDExpress's column names, one
 * row per probe, a "Passed" column) and returns the passing probe rows in
 * a new array *passed[0..*n_passed) (caller frees). 0, or -1 with errstr. */
int bs_analyze_prefilter_run(const bs_analyze_options *opt, const bmd_dataset *ds, size_t **passed,
                             size_t *n_passed, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
