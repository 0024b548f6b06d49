/*
 * bs/report.h - report.html: one self-contained page per analysis, what a
 * toxicologist opens first. Inline CSS and JavaScript, the SVG plots
 * embedded (drawn by bs/plot_*.h), nothing fetched: it opens from file://
 * without a network. Sections, each a <section id>:
 *
 *   summary     the dataset and the prefilter: probes, samples, dose
 *               groups, the prefilter method and cut-offs, probes passed,
 *               probes with a best model and with a BMD
 *   settings    the normalized settings JSON, one row per path
 *   models      best-model counts (BMDExpress's labels, as bmd.tsv's Best
 *               Model column), "none" for probes without one
 *   bmd         the best-BMD distribution (bs/plot_histogram.h) with the
 *               tPOD values marked
 *   tpod        the three tPOD definitions with their values (tpod.json)
 *   accumulation  the gene and category accumulation plots
 *   categories  the category table: sortable by any column (click its
 *               heading), filtered by a text in the id or name and a
 *               minimum gene count
 *   curves      the curve plots of the selected probes (means +/- SD, the
 *               best model, BMD/BMDL/BMDU marked) with their values
 *
 * Without a category analysis (type none) tpod, accumulation and
 * categories say so instead. Every string from an input file (probe,
 * gene and category ids and names, settings text) is HTML-escaped. The
 * numbers a test reads back ride on data-* attributes with %.17g; a value
 * that is not estimable is an empty attribute and an en dash on screen,
 * never NaN. The page depends only on its inputs (no clock, no host), so
 * the same analysis gives the same bytes.
 */
#ifndef BS_REPORT_H
#define BS_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "bmd/category.h"
#include "bmd/dataset.h"
#include "bmd/probes.h"
#include "bmd/tpod.h"

/* What the page is made from; every pointer borrowed. */
typedef struct bs_report {
  const json_t *settings;    /* the normalized settings; NULL: "not recorded" */
  const bmd_dataset *ds;     /* the whole matrix */
  const bmd_probe_fit *fits; /* the BMD step's results: the probes that passed the prefilter */
  size_t n_fits;
  const bmd_category_analysis *ca; /* NULL without a category analysis */
  const bmd_tpod *tpod;            /* NULL with ca */
  size_t category_min_genes;       /* the category accumulation plot's minimum */
  const size_t *curves;            /* indices into fits of the curve plots, in order */
  const char *const *curve_genes;  /* their genes (entries or the array may be NULL) */
  size_t n_curves;
} bs_report;

/* Writes the page. Returns 0, or -1 on a write error or out of memory. */
int bs_report_html_write(FILE *out, const bs_report *r);

#endif
