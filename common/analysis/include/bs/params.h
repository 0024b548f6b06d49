/*
 * bs/params.h - analysis settings as events carry them (schemas/README.md,
 * "Settings") to and from the core option structs, and the hash that
 * names a result made with given settings (its natural key, DESIGN §3).
 */
#ifndef BS_PARAMS_H
#define BS_PARAMS_H

#include <jansson.h>
#include <stddef.h>

#include "bmd/category.h"
#include "bmd/probes.h"
#include "bmd/tpod.h"
#include "bs/error.h"

/* The `bmd` settings object (borrowed) into options; PERMANENT with the
 * offending field named when a value is missing or wrong. threads is left
 * to the caller. */
bs_status bs_params_bmd_parse(const json_t *bmd, bmd_log_base log_base, bmd_probes_options *opt,
                              char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* The `bmd` settings object of options (new reference). */
json_t *bs_params_bmd_json(const bmd_probes_options *opt);

/* The `category` settings object with BMDExpress's default probe filters
 * (BMD above the highest dose removed, fit p >= 0.1, BMDU/BMDL <= 40,
 * BMD/BMDL <= 20) and the tPOD's active-set rule (>= 3 genes and >= 5%).
 * Keys may be NULL (type: gmt with a GMT, defined with a category map,
 * else gene). New reference. */
json_t *bs_params_category_json(const char *probe_map_key, const char *category_map_key,
                                const char *gmt_key);

/* Category and tPOD options from a `category` settings object (borrowed). */
bs_status bs_params_category_parse(const json_t *settings, bmd_category_options *opt,
                                   bmd_tpod_options *tpod, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* SHA-256 (hex, 64 characters + NUL) of the compact, key-sorted JSON text
 * of settings: equal settings give equal hashes whatever their key order. */
int bs_params_hash(const json_t *settings, char out[65]);

/* "2", "10", "e" or "none" (event form) to and from the flag. */
const char *bs_params_log_base_name(bmd_log_base base);
int bs_params_log_base_parse(const char *name); /* -1 if unknown */

#endif
