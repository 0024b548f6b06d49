/*
 * bs/category_stage.h - the category step of `bmdstream analyze`, in
 * memory: from the BMD step's per-probe fits (bmd/probes.h) and the
 * annotation files to DIR/categories.tsv, DIR/tpod.json and DIR/plots/
 * (gene and category accumulation, curve plots of the most sensitive
 * probes). `bmdstream categories` (from a bmd.tsv) writes the same files
 * through bs_category_write_outputs.
 */
#ifndef BS_CATEGORY_STAGE_H
#define BS_CATEGORY_STAGE_H

#include <stddef.h>
#include <stdio.h>

#include "bmd/category.h"
#include "bmd/probes.h"
#include "bmd/tpod.h"
#include "bs/bmdx_config.h"

typedef struct bs_category_stage_args {
  const char *probe_map;    /* borrowed; required */
  const char *category_map; /* exactly one of category_map, gmt, gene_level */
  const char *gmt;
  int gene_level;
  bmd_category_options opt;
  bmd_tpod_options tpod;
  size_t plot_min_genes; /* categories plotted need this many passed genes; 1 */
  size_t n_curves;       /* curve plots of the most sensitive probes; 10 */
} bs_category_stage_args;

/* BMDExpress's category defaults, tPOD defaults, 10 curves. */
bs_category_stage_args bs_category_stage_defaults(void);

/* Applies category section k of a BMDExpress analyze config: filters and,
 * for a defined section, the map paths (resolved, new strings stored in
 * *owned_probe_map / *owned_category_map for the caller to free). */
int bs_category_stage_from_config(bs_category_stage_args *a, const bs_bmdx_config *cfg, size_t k,
                                  char **owned_probe_map, char **owned_category_map)
    __attribute__((warn_unused_result));

/* Writes DIR/categories.tsv, DIR/tpod.json, DIR/plots/gene_accumulation.svg
 * and DIR/plots/category_accumulation.svg (DIR and DIR/plots created).
 * Returns 0, or -1 with errstr naming the file. */
int bs_category_write_outputs(const char *dir, const bmd_category_analysis *ca,
                              const bmd_cat_probe *probes, const bmd_category_options *opt,
                              const bmd_tpod *tpod, size_t plot_min_genes, char *errstr,
                              size_t errstr_size) __attribute__((warn_unused_result));

/* The whole step on fits[0..n) over ds: annotation, analysis, tPOD,
 * outputs, curve plots. A summary line and the tPOD are printed on report
 * (NULL = quiet). Returns 0, or -1 with errstr filled. */
int bs_category_stage_run(const char *dir, const bmd_dataset *ds, const bmd_probe_fit *fits,
                          size_t n, const bs_category_stage_args *a, FILE *report, char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));

#endif
