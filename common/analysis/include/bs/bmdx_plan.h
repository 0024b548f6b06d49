/*
 * bs/bmdx_plan.h - every analysis a BMDExpress 3 analyze config asks for,
 * combined the way BMDExpress's AnalyzeRunner combines its sections
 * (commandline/AnalyzeRunner.java, analyze(): all expression sections,
 * then all prefilters, BMDS, model-averaging and category sections, each
 * on the results of the step before):
 *
 *   expression   doExpressionConfig: inputFileName is a file (data set
 *                named outputName, else the file name without its
 *                extension) or a directory, every file of which (not its
 *                subdirectories) is a data set named after the file
 *                without extension (outputName unused). We take the
 *                files in name order (Java's listFiles has none).
 *   prefilter    doPrefilter: each section on every data set, or on those
 *                named inputName (ignoring case); a curve fit with an
 *                inputCategory (williams, anova, oriogen) on every result
 *                of that prefilter made before it instead (or those named
 *                inputName), fitting only the probes that passed it; the
 *                run is then data set > prefilter > curve fit > ...
 *   BMD          doBMDSAnalysis / doMaAnalysis: each section on every
 *                result of its inputCategory (anova, williams, oriogen,
 *                curvefit_prefilter results, or the expression data sets),
 *                or those of them named inputName.
 *   category     doCatAnalysis: each section on every BMD result, or the
 *                one named inputName.
 *
 * Results are named outputName, else BMDExpress's default name
 * (bs_bmdx_prefilter_suffix, "<input>_BMD" as in BMDSTool and BMDSMATool, then
 * bs_bmdx_category_suffix) made unique within its kind the way
 * BMDProject.giveBMDAnalysisUniqueName does ("_1", "_2", ...).
 *
 * One run is one path through that tree ending where nothing we run
 * continues it: data set > prefilter > BMD > category (shorter when the
 * config stops earlier or the rest is skipped). A result whose section we
 * do not run (bs_bmdx_skipped), and everything fed from it, is a skip
 * with its reason.
 */
#ifndef BS_BMDX_PLAN_H
#define BS_BMDX_PLAN_H

#include <stddef.h>

#include "bs/bmdx_config.h"

typedef struct bs_bmdx_run {
  char *name;                       /* the last result's name; unique among the runs */
  char *dataset;                    /* the expression data set's name */
  char *matrix;                     /* its file, resolved against basePath */
  size_t expression;                /* expressionDataConfigs index */
  size_t prefilter, bmds, category; /* cfg->prefilter/bmds/category index, or BS_BMDX_NONE */
  size_t input_prefilter;           /* the prefilter whose passed probes `prefilter` (a curve fit
                                     * with an inputCategory) takes; BS_BMDX_NONE: the data set */
  char *chain; /* "data set > prefilter result > BMD result > category result" */
} bs_bmdx_run;

typedef struct bs_bmdx_skip {
  char *name;    /* the result BMDExpress would make */
  char *section; /* e.g. "preFilterConfigs[2]" */
  char *reason;
} bs_bmdx_skip;

/* A data set of the config: every expression file, whether a run uses it
 * or not (BMDExpress imports them all). */
typedef struct bs_bmdx_dataset {
  char *name, *matrix;
  size_t expression; /* expressionDataConfigs index */
} bs_bmdx_dataset;

typedef struct bs_bmdx_plan {
  size_t n_datasets, n_runs, n_skips;
  bs_bmdx_dataset *datasets;
  bs_bmdx_run *runs;
  bs_bmdx_skip *skips;
} bs_bmdx_plan;

/* The plan of cfg. NULL with errstr naming the file and field when an
 * expression path is missing, an empty directory or unreadable. */
bs_bmdx_plan *bs_bmdx_plan_make(const bs_bmdx_config *cfg, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

void bs_bmdx_plan_destroy(bs_bmdx_plan *plan);

#endif
