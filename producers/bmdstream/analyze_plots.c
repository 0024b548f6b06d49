/*
 * analyze_plots.c - the curve plots of `bmdstream analyze` (analyze.h):
 * one SVG per most sensitive probe in DIR/plots/ (bs/plot_curve.h), drawn
 * from the dataset and the BMD stage's fits in memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "bs/plot_curve.h"

int bs_analyze_curves_run(const bs_analyze_options *o, const bmd_dataset *ds,
                          const bmd_probe_fit *fits, size_t n, const bmd_category_analysis *ca,
                          char *errstr, size_t errstr_size) {
  if (o->curve_plots == 0 || !fits)
    return 0;
  char plots[4096];
  snprintf(plots, sizeof(plots), "%s/plots", o->out_dir);
  if (mkdir(plots, 0755) != 0 && errno != EEXIST) {
    snprintf(errstr, errstr_size, "%s: %s", plots, strerror(errno));
    return -1;
  }
  int written;
  if (ca) {
    written = bs_plot_sensitive_curves(plots, ds, fits, ca, o->curve_plots, errstr, errstr_size);
  } else {
    size_t *sel = malloc((o->curve_plots + 1) * sizeof(*sel));
    size_t m = sel ? bs_plot_lowest_bmd_fits(fits, n, o->curve_plots, sel) : (size_t)-1;
    if (m == (size_t)-1) {
      snprintf(errstr, errstr_size, "curve plots: out of memory");
      written = -1;
    } else {
      written = bs_plot_curves_write(plots, ds, fits, sel, NULL, m, errstr, errstr_size) == 0
                    ? (int)m
                    : -1;
    }
    free(sel);
  }
  if (written < 0)
    return -1;
  fprintf(stderr, "bmdstream analyze: %d curve plots (lowest best BMD%s) -> %s/curve_*.svg\n",
          written, ca ? " among the probes that passed the category filters" : "", plots);
  return 0;
}
