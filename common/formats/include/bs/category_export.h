/*
 * bs/category_export.h - the category step's results as files:
 * `categories.tsv` with BMDExpress's category export columns
 * (notes/bmdexpress.md §4.7), `tpod.json`, and the SVG plots (gene BMD
 * accumulation, category median-BMD accumulation with BMDL-BMDU ranges).
 * Numbers read back exactly (%.17g); not estimable values are empty TSV
 * cells and JSON nulls.
 */
#ifndef BS_CATEGORY_EXPORT_H
#define BS_CATEGORY_EXPORT_H

#include <jansson.h>
#include <stdio.h>

#include "bmd/category.h"
#include "bmd/tpod.h"

/* Header and one row per category result. probes are the inputs given to
 * bmd_category_run; opt the options it ran with (the enabled filters get
 * a count column). Returns 0, or -1 on a write error. */
int bs_categories_tsv_write(FILE *out, const bmd_category_analysis *ca, const bmd_cat_probe *probes,
                            const bmd_category_options *opt);

/* The tPOD as a new JSON object (see tpod.json in docs): the three values,
 * each {available, bmd, bmdl, genes, sets, set_id, set_name, gene_id, reason}. */
json_t *bs_tpod_json(const bmd_tpod *t, size_t n_genes, size_t n_sets);

/* One line per value for people, e.g. "gene set median: BMD 1.2 (BMDL 0.8),
 * HALLMARK_X, 12 genes, 1 of 9 active sets". */
void bs_tpod_print(FILE *out, const bmd_tpod *t);

/* Gene BMD accumulation plot: gene BMDs sorted ascending (x, log axis)
 * against their cumulative count (y). One <circle class="point"> per gene
 * with data-gene, data-bmd attributes. Returns 0 or -1 (write error). */
int bs_plot_gene_accumulation_svg(FILE *out, const bmd_category_analysis *ca, const char *title);

/* Category accumulation plot: categories with at least min_genes passed
 * genes, by ascending median BMD, with a BMDL-BMDU median range line each:
 * <circle class="point" data-category data-median data-bmdl data-bmdu>. */
int bs_plot_category_accumulation_svg(FILE *out, const bmd_category_analysis *ca, size_t min_genes,
                                      const char *title);

#endif
