/*
 * bs/bmd_curves.h - curve plots of the most sensitive probes from the BMD
 * step's results: either in memory (a bmd_fit_result) or read back from a
 * bmd.tsv (Best Model, Best adverseDirection and that model's "<Model>
 * Parameter <name>" columns, bs/bmd_export.h), with the dose-group means
 * and SDs taken from the expression matrix.
 */
#ifndef BS_BMD_CURVES_H
#define BS_BMD_CURVES_H

#include <stddef.h>
#include <stdio.h>

#include "bmd/dataset.h"
#include "bmd/fit.h"

/* One probe's best model as read from bmd.tsv. */
typedef struct bs_bmd_curve {
  char *probe_id; /* owned */
  int has_fit;    /* 0: no best model, or its parameters are missing */
  bmd_fit_result fit;
  double bmd, bmdl, bmdu; /* Best BMD/BMDL/BMDU (NAN if empty) */
} bs_bmd_curve;

typedef struct bs_bmd_curves {
  size_t n;
  bs_bmd_curve *curves;
} bs_bmd_curves;

/* Reads path (plain or gzip). NULL with "file:line: reason" in errstr. */
bs_bmd_curves *bs_bmd_curves_read_tsv(const char *path, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void bs_bmd_curves_destroy(bs_bmd_curves *c);

/* Writes the curve plot of probe p of ds: group means and SDs from ds,
 * the curve bmd_fit_mean(fit, .) (fit NULL: data only). Returns 0 or -1. */
int bs_plot_probe_curve_svg(FILE *out, const bmd_dataset *ds, size_t p, const bmd_fit_result *fit,
                            double bmd, double bmdl, double bmdu);

/* Writes DIR/curve_<rank>_<probe>.svg for up to max_plots probes of
 * curves with a fit, a positive BMD (and BMD <= highest_dose when that is
 * finite) and a row in ds, by ascending BMD. Returns the number written,
 * or -1 with errstr filled. */
long bs_plot_sensitive_curves(const char *dir, const bmd_dataset *ds, const bs_bmd_curves *c,
                              size_t max_plots, double highest_dose, char *errstr,
                              size_t errstr_size) __attribute__((warn_unused_result));

#endif
