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

#include "bmd/category.h"
#include "bmd/dataset.h"
#include "bmd/probes.h"

typedef enum bs_analyze_prefilter {
  BS_PREFILTER_NONE = 0,
  BS_PREFILTER_ANOVA,
  BS_PREFILTER_WILLIAMS
} bs_analyze_prefilter;

typedef struct bs_analyze_options {
  const char *matrix;  /* --matrix FILE (borrowed from argv) */
  const char *out_dir; /* --out DIR */
  bs_analyze_prefilter prefilter;
  double p_cutoff;          /* --p-cutoff, 9999 = none */
  int mtc;                  /* --mtc: compare BH-adjusted p */
  double fold_filter;       /* --fold-filter, 0 = off */
  int filter_controls;      /* off with --keep-controls */
  double notel_p;           /* --notel-p */
  double notel_fc;          /* --notel-fc */
  unsigned permutations;    /* --permutations (Williams) */
  uint64_t seed;            /* --seed (Williams) */
  unsigned threads;         /* --threads */
  bmd_log_base log_base;    /* --log */
  int run_bmd;              /* off with --no-bmd */
  bmd_probes_options bmd;   /* --models, --variance, --bmr-type, --bmr */
  const char *probe_map;    /* --probe-map FILE */
  const char *category_map; /* --category-map FILE */
  const char *gmt;          /* --gmt FILE */
  int run_categories;       /* on with a probe map or --gene-level */
  size_t curve_plots;       /* --curve-plots N, 0 = none */
  /* the category filters from --config (borrowed); NULL = the defaults */
  const bmd_category_options *category_opt;
} bs_analyze_options;

/* --config FILE.json (analyze_config.c): a BMDExpress 3 analyze config
 * applied to o; what it holds but we do not run is named on stderr. The
 * handle owns the strings o now points to; keep it until the run ends.
 * NULL with errstr on a bad or unsupported file. */
typedef struct bs_analyze_config bs_analyze_config;
bs_analyze_config *bs_analyze_config_apply(const char *path, bs_analyze_options *o, char *errstr,
                                           size_t errstr_size) __attribute__((warn_unused_result));
void bs_analyze_config_destroy(bs_analyze_config *ac);

/* The prefilter stage: runs the chosen test and the filter flow over every
 * probe of ds, writes out_dir/prefilter.tsv (BMDExpress's column names, one
 * row per probe, a "Passed" column) and returns the passing probe rows in
 * a new array *passed[0..*n_passed) (caller frees). 0, or -1 with errstr. */
int bs_analyze_prefilter_run(const bs_analyze_options *opt, const bmd_dataset *ds, size_t **passed,
                             size_t *n_passed, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The BMD stage: fits the passed probes, writes out_dir/bmd.tsv; *fits
 * (new, caller frees) holds n_passed results. 0, or -1 with errstr. */
int bs_analyze_bmd_run(const bs_analyze_options *opt, const bmd_dataset *ds, const size_t *passed,
                       size_t n_passed, bmd_probe_fit **fits, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The category stage: categories.tsv, tpod.json (also printed on stdout)
 * and plots/ in out_dir. 0, or -1 with errstr. */
int bs_analyze_category_run(const bs_analyze_options *opt, const bmd_dataset *ds,
                            const bmd_probe_fit *fits, size_t n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The curve plots: DIR/plots/curve_<probe>.svg for the o->curve_plots
 * most sensitive probes, fits[0..n) being the BMD stage's results. With a
 * category analysis (ca) those are the probes that passed its filters with
 * the lowest best BMD, labelled with their gene; without (ca NULL), the
 * fitted probes with the lowest finite best BMD. 0, or -1 with errstr. */
int bs_analyze_curves_run(const bs_analyze_options *o, const bmd_dataset *ds,
                          const bmd_probe_fit *fits, size_t n, const bmd_category_analysis *ca,
                          char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

#endif
