/*
 * analyze.h - `bmdstream analyze`'s parts: the command line
 * (cmd_analyze.c) and a BMDExpress 3 analyze config run as the analyses
 * BMDExpress would run (analyze_config.c, bs/bmdx_plan.h). The analysis
 * itself is the steps the pipeline runs (bs/steps.h), with the settings
 * of the one settings module (bs/settings.h).
 */
#ifndef BS_ANALYZE_H
#define BS_ANALYZE_H

#include <jansson.h>
#include <stddef.h>

#include "bmd/dataset.h"
#include "cli.h"

typedef struct analyze_args {
  const char *matrix, *config;
  bs_cli_files io;  /* --out, the annotation files, --print-settings */
  unsigned threads; /* 0: the config's, else 1 */
  /* the prefilter's input rows of the data set (a curve fit on another
   * prefilter's passed probes; borrowed); NULL: every row */
  const size_t *rows;
  size_t n_rows;
} analyze_args;

/* mkdir -p DIR, then its absolute path into abs (PATH_MAX bytes). 0, or
 * -1 with errno. */
int bs_analyze_make_dir(const char *dir, char *abs);

/* The steps with settings on ds into a->io.out (created); 0, else 1 with
 * the step's error on stderr. */
int bs_analyze_run_dataset(const analyze_args *a, const json_t *settings, const bmd_dataset *ds);

/* The prefilter step alone with settings on ds into a->io.out (created):
 * prefilter.tsv; *rows (new, free) the rows of ds that passed. 0, else 1
 * with the step's error on stderr. */
int bs_analyze_prefilter_rows(const analyze_args *a, const json_t *settings, const bmd_dataset *ds,
                              size_t **rows, size_t *n_rows);

/* `analyze --config FILE.json`: every run of the config's plan, flags (a
 * sparse settings object, the command line's) over each, each into its
 * own directory a->io.out/<name>, and a->io.out/summary.tsv; or, with
 * --print-settings, one JSON line per run. Returns the exit status: 0 all
 * ran, 3 all that could run ran but sections were skipped, 1 a run
 * failed, 2 a bad config. */
int bs_analyze_config_run(const analyze_args *a, const json_t *flags);

#endif
