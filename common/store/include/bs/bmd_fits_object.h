/*
 * bs/bmd_fits_object.h - a BMD result's fits as this build holds them in
 * memory, for the category stage of the same deployment
 * (projects/{p}/results/{id}/fits.bin, next to probe_stats.json.gz).
 *
 * probe_stats.json.gz is the result's record; rebuilding every fit from
 * it meant parsing its 24 MB of JSON (5,004 probes, four models): 0.4 s
 * of the category stage, which runs after every fit, on one core. This
 * object holds the same fits as one gzip member (a few MB), read back in
 * tens of ms. Another build's object (the magic or the size of a fit
 * differs) is refused, never misread, and the caller falls back to the
 * JSON.
 */
#ifndef BS_BMD_FITS_OBJECT_H
#define BS_BMD_FITS_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "bmd/probes.h"
#include "bs/objstore.h"

/* The object's key for result_id of project_id. */
void bs_bmd_fits_object_key(int64_t project_id, int64_t result_id, char *buf, size_t size);

/* Stores fits[0..n) under key. */
bs_status bs_bmd_fits_object_put(bs_objstore *store, const char *key, const bmd_probe_fit *fits,
                                 size_t n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The fits stored under key into a new array *fits (free) of *n, each
 * fit's probe a row below n_rows. NOT_FOUND when there is no object;
 * PERMANENT, the key named, when it is not this build's fits (another
 * magic or size of a fit, damaged, a row out of range). */
bs_status bs_bmd_fits_object_get(bs_objstore *store, const char *key, size_t n_rows,
                                 bmd_probe_fit **fits, size_t *n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
