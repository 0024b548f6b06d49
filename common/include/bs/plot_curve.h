/*
 * bs/plot_curve.h - one probe's dose-response curve plot as SVG, as the
 * BMDExpress curve viewer shows it: dose-group means with +-SD bars, the
 * fitted best model, and BMD, BMDL, BMDU marked, on a log-dose axis (the
 * control group drawn one decade below the lowest positive dose).
 *
 * The model enters only as a mean function (a callback), so this writer
 * does not depend on the fitting module: pass bmd_fit_mean through a
 * small adapter, or any sampled curve.
 */
#ifndef BS_PLOT_CURVE_H
#define BS_PLOT_CURVE_H

#include <stddef.h>
#include <stdio.h>

/* Mean response of the fitted model at dose d. */
typedef double (*bs_curve_mean_cb)(void *opaque, double dose);

typedef struct bs_curve_plot {
  const char *probe_id;     /* borrowed; title and data-probe */
  const char *model;        /* borrowed, e.g. "Hill"; NULL = no curve */
  size_t n_groups;          /* dose groups, doses ascending */
  const double *dose;       /* borrowed, n_groups */
  const double *mean;       /* group means */
  const double *sd;         /* group SDs (n - 1), NAN or 0 = no bar */
  const double *n;          /* replicates; may be NULL */
  bs_curve_mean_cb mean_cb; /* NULL = no curve */
  void *opaque;
  double bmd, bmdl, bmdu; /* NAN or <= 0 = not marked */
} bs_curve_plot;

/* Number of curve samples drawn (log-spaced over the plotted dose range). */
#define BS_CURVE_SAMPLES 200

/* Writes the SVG: <circle class="point" data-dose data-mean data-sd
 * data-n> per group, <line class="sd-bar"> per bar, <polyline
 * class="curve" data-model data-samples="dose,mean ..."> of BS_CURVE_SAMPLES points (non-finite
 * means skipped) and <line class="marker" data-kind="BMD|BMDL|BMDU" data-value>. Returns 0, or -1
 * on a write error or bad input (no groups, no positive dose). */
int bs_plot_curve_svg(FILE *out, const bs_curve_plot *p);

#endif
