/*
 * bs/bmd_export.h - the BMD step's results as files: `bmd.tsv` with
 * BMDExpress's BMD export columns (notes/bmdexpress.md §3.10), and JSON
 * (the pipeline's probe_stats.json.gz and the models column of
 * probe_stat_results). Not estimable numbers are empty cells in TSV and
 * null in JSON; numbers are written so they read back exactly (%.17g).
 */
#ifndef BS_BMD_EXPORT_H
#define BS_BMD_EXPORT_H

#include <jansson.h>
#include <stdio.h>

#include "bmd/probes.h"

/* Writes the header and one row per probe fit. model_mask as in
 * bmd_probes_options (the per-model column groups written). Returns 0, or
 * -1 on a write error. */
int bs_bmd_tsv_write(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n,
                     unsigned model_mask, bmd_variance variance);

/* One probe's result as a new JSON object: probe id, every model's fit,
 * the best model and its metrics. */
json_t *bs_bmd_probe_json(const bmd_dataset *ds, const bmd_probe_fit *fit);

/* A number for JSON: null when not finite. New reference. */
json_t *bs_json_number(double v);

#endif
