/*
 * bs/plot_curve.h - the dose-response curve plot of one probe as SVG: the
 * dose-group means with +/- 1 SD bars, the fitted best model, and the BMD,
 * BMDL and BMDU marked, on a log dose axis (the control group drawn one
 * decade below the lowest positive dose, labelled 0). Data for tests and
 * people ride on the elements: <circle class="mean" data-dose data-mean
 * data-sd>, <path class="model" data-model>, <line class="marker"
 * data-kind="BMD|BMDL|BMDU" data-dose>.
 */
#ifndef BS_PLOT_CURVE_H
#define BS_PLOT_CURVE_H

#include <stdio.h>

#include "bmd/category.h"
#include "bmd/probes.h"

/* One probe's plot; label (may be NULL) is added to the title, e.g. the
 * gene. Returns 0, or -1 on a write error or out of memory. */
int bs_plot_curve_svg(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fit,
                      const char *label);

/* The k probes (indices into probes, the inputs of bmd_category_run) with
 * the lowest BMD among those that passed the category filters, ascending
 * (ties by index), into out[0..k); gene_ids[q] (may be NULL) gets the
 * gene id of out[q] (borrowed from ca). Returns how many (<= k), or
 * (size_t)-1 when out of memory. */
size_t bs_plot_sensitive_probes(const bmd_category_analysis *ca, const bmd_cat_probe *probes,
                                size_t k, size_t *out, const char **gene_ids);

/* Without a category analysis: the k fits (indices into fits[0..n)) with
 * the lowest best BMD among those with a best model and a finite BMD,
 * ascending (ties by index), into out[0..k). Returns how many (<= k), or
 * (size_t)-1 when out of memory. */
size_t bs_plot_lowest_bmd_fits(const bmd_probe_fit *fits, size_t n, size_t k, size_t *out);

/* File name for a probe's curve plot: "curve_<id>.svg" with characters
 * other than [A-Za-z0-9._-] replaced by '_'. */
void bs_plot_curve_name(const char *probe_id, char *buf, size_t size);

#endif
