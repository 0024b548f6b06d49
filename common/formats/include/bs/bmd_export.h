/*
 * bs/bmd_export.h - the BMD step's results as files: `bmd.tsv` with
 * BMDExpress's BMD export columns (bmd_tsv.c, docs/fitting.md), and JSON
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

/* The two halves of bs_bmd_tsv_write, for a file written in pieces (a BMD
 * result's chunks, bs/bmd_pieces.h): the header line, which depends on the
 * settings only, and the rows, each of which depends on its probe only.
 * write_rows returns 0, or -1 on a write error or out of memory. */
void bs_bmd_tsv_write_header(FILE *out, const bmd_dataset *ds, unsigned model_mask,
                             bmd_variance variance);
int bs_bmd_tsv_write_rows(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n);

/* values[0..r->n_params) of r's model as a new JSON object keyed by
 * parameter name (bmd_fit_param_name): the fit's own r->params, or the
 * profile solutions at a limit. */
json_t *bs_bmd_params_json(const bmd_fit_result *r, const double *values);

/* One model's fit as a new JSON object: model, converged, parameters,
 * loglik, aic, bmd, bmdl, bmdu, fit_p, increasing, at_bound (the names of
 * the parameters on a bound of their box) (a number that is not finite is
 * null). */
json_t *bs_bmd_model_json(const bmd_fit_result *r);

/* One probe's result as a new JSON object: probe id, every model's fit
 * with its metrics and residuals (bmd/metrics.h), the best model and its
 * metrics. */
json_t *bs_bmd_probe_json(const bmd_dataset *ds, const bmd_probe_fit *fit);

/* The inverse of bs_bmd_probe_json, for programs that hold only the JSON
 * (the category stage): out->probe is the row of ds with the probe id;
 * every model's parameters (variance read from their names), status
 * (converged -> BMD_FIT_OK, else BMD_FIT_MAXEVAL), log-likelihood, AIC,
 * BMD/BMDL/BMDU, fit p, direction and metrics; the best model, its BMDs,
 * Hill flag and metrics; the max fold change. What the JSON does not hold
 * (polynomial tests, BMD limits' profile points) is NAN or 0.
 * Returns 0, or -1 with errstr naming the entry's field. */
int bs_bmd_probe_from_json(const bmd_dataset *ds, const json_t *o, bmd_probe_fit *out, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));

/* Every entry of a JSON array of bs_bmd_probe_json objects (a BMD
 * result's probe_stats.json.gz) as bs_bmd_probe_from_json rebuilds it,
 * in array order, probe ids looked up once in a sorted index: *fits new
 * (free), *n entries. 0, or -1 with errstr naming the entry. */
int bs_bmd_probes_from_json(const bmd_dataset *ds, const json_t *array, bmd_probe_fit **fits,
                            size_t *n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The same from the array's text[0..len) (a JSON array of objects,
 * whitespace allowed around its tokens), one entry parsed at a time: what
 * bs_bmd_probes_from_json gives for the array parsed whole, without
 * holding the whole array's JSON tree (a BMD result's probe_stats.json
 * is tens of MB of text). Anything but such an array is an error. */
int bs_bmd_probes_from_json_text(const bmd_dataset *ds, const char *text, size_t len,
                                 bmd_probe_fit **fits, size_t *n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* A number for JSON: null when not finite. New reference. */
json_t *bs_json_number(double v);

#endif
