/*
 * bs/plot_histogram.h - the distribution of the probes' best BMDs as an
 * SVG histogram on a log dose axis, bins a quarter decade wide, with
 * labelled vertical markers (e.g. the tPOD values). Data for tests and
 * people ride on the elements: <rect class="bin" data-lo data-hi
 * data-count> (a value v counts in the bin with lo <= v < hi, the last bin
 * also takes v == hi; both edges printed with %.17g, so they read back
 * exactly) and <line class="marker" data-label data-dose>.
 */
#ifndef BS_PLOT_HISTOGRAM_H
#define BS_PLOT_HISTOGRAM_H

#include <stddef.h>
#include <stdio.h>

typedef struct bs_plot_marker {
  const char *label; /* borrowed */
  double dose;       /* not drawn unless finite and > 0 */
} bs_plot_marker;

/* Histogram of the finite, positive values of bmd[0..n) (the others are
 * counted in the <desc> as not plotted), with the markers and title.
 * Returns 0, or -1 on a write error or out of memory. */
int bs_plot_bmd_histogram_svg(FILE *out, const double *bmd, size_t n, const bs_plot_marker *markers,
                              size_t n_markers, const char *title);

#endif
