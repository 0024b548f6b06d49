/*
 * inputs.h - what the category stage reads: the BMD result's per-probe
 * values (from its probe_stats.json.gz), the annotation objects, and the
 * filter settings of the event.
 */
#ifndef BS_CATEGORY_INPUTS_H
#define BS_CATEGORY_INPUTS_H

#include <jansson.h>

#include "bmd/category.h"
#include "bmd/tpod.h"
#include "bs/db.h"
#include "bs/objstore.h"

typedef struct bmd_result_probes {
  json_t *root;          /* owned: the decoded probe_stats.json.gz */
  bmd_cat_probe *probes; /* owned array; strings borrowed from root */
  size_t n;
} bmd_result_probes;

/* Loads the probes of bmd result result_id (its results_s3_key object). */
bs_status bs_category_load_probes(bs_db *db, bs_objstore *store, int64_t result_id,
                                  bmd_result_probes *out, char *errstr, size_t errstr_size);
void bs_category_probes_free(bmd_result_probes *p);

/* The annotation of the settings (probe map, category map or GMT keys;
 * a null probe map makes each probe its own gene). ids: the experiment's
 * probe ids, for that identity map. */
bs_status bs_category_load_annotation(bs_objstore *store, const json_t *settings, char *const *ids,
                                      size_t n_ids, bmd_annotation **out, char *errstr,
                                      size_t errstr_size);

/* Category and tPOD options from settings.filters. */
bs_status bs_category_options(const json_t *settings, bmd_category_options *opt,
                              bmd_tpod_options *tpod, char *errstr, size_t errstr_size);

#endif
