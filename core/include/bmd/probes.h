/*
 * bmd/probes.h - the BMD step over many probes: for each probe of a
 * dataset, per-dose statistics from its dose groups, every requested model
 * fitted (bmd/fit.h), the best model selected as BMDExpress does
 * (bmd/select.h), and the derived metrics of every fit and of the best
 * (bmd/metrics.h). Probes are
 * spread over threads; results do not depend on the thread count.
 *
 * This one driver serves `bmdstream analyze` and the pipeline's BMD stage,
 * so both give identical numbers.
 */
#ifndef BMD_PROBES_H
#define BMD_PROBES_H

#include <stddef.h>

#include "bmd/dataset.h"
#include "bmd/fit.h"
#include "bmd/metrics.h"
#include "bmd/select.h"

/* Progress: done of total probes. Called from worker threads, one call at
 * a time (the driver holds a lock around it). */
typedef void (*bmd_progress_cb)(void *opaque, size_t done, size_t total);

typedef struct bmd_probes_options {
  bmd_fit_options fit;
  bmd_select_options select;
  unsigned model_mask;   /* bit (1u << bmd_model) per model to fit */
  unsigned threads;      /* 0 or 1: single thread */
  double step_threshold; /* for the step-function metric: BMDExpress's 0.75 */
  bmd_progress_cb progress;
  void *progress_opaque;
  int defer_across; /* 1: leave the steps that look across probes (flagged-Hill
                       options 4 and 5) to bmd_probes_finish, for a driver
                       that fits the probes in chunks and gathers them */
} bmd_probes_options;

/* BMDExpress's defaults: all ten models, constant variance, BMR 1 SD. */
bmd_probes_options bmd_probes_options_default(void);

typedef struct bmd_probe_fit {
  size_t probe;    /* row of the dataset */
  size_t n_models; /* fits in run order (BMD_MODEL order, masked) */
  bmd_fit_result fits[BMD_MODEL_COUNT];
  bmd_select_result best;
  int hill_k_flag; /* BMDExpress's Hill kFlag: 1 if the Hill fit's k is below the flag
                    * threshold, else 0; 3 or 4 when options 4/5 replaced its BMDs */
  bmd_fit_metrics metrics[BMD_MODEL_COUNT]; /* of fits[k] */
  bmd_fit_metrics best_metrics;             /* of fits[best.best] with the best's BMD, BMDL and BMDU
                                             * (options 4/5 may replace them); NAN when none */
  double max_fold_change; /* of the dose-group means vs control (log base applied) */
} bmd_probe_fit;

/* Fits probes[0..n) (rows of ds; NULL = every row, n = ds->n_probes) into
 * out[0..n). Returns 0, or -1 with errstr filled (bad options, out of
 * memory). A probe whose fits fail is a result (best.best = -1). */
int bmd_probes_fit(const bmd_dataset *ds, const size_t *probes, size_t n,
                   const bmd_probes_options *opt, bmd_probe_fit *out, char *errstr,
                   size_t errstr_size) __attribute__((warn_unused_result));

/* The steps of bmd_probes_fit that look across probes (flagged-Hill
 * options 4 and 5: a flagged Hill's BMDs from the lowest unflagged Hill
 * BMD of all probes), on out[0..n), every probe's fits, in the order
 * bmd_probes_fit would have given them, fitted with defer_across set.
 * bmd_probes_fit without defer_across runs it itself; fitting in chunks
 * then finishing the whole gives the same out. Returns 0, or -1 with
 * errstr filled (out of memory). */
int bmd_probes_finish(const bmd_dataset *ds, bmd_probe_fit *out, size_t n,
                      const bmd_probes_options *opt, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Per-dose statistics of one probe row (n, mean, SD with n - 1). */
int bmd_probe_suffstat(const bmd_dataset *ds, size_t probe, bmd_suffstat *ss);

#endif
