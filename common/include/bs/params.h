/*
 * bs/params.h - analysis settings as events carry them (schemas/README.md,
 * "Settings") to and from the core option structs, and the hash that
 * names a result made with given settings (its natural key, DESIGN §3).
 */
#ifndef BS_PARAMS_H
#define BS_PARAMS_H

#include <jansson.h>
#include <stddef.h>

#include "bmd/probes.h"
#include "bs/error.h"

/* The `bmd` settings object (borrowed) into options; PERMANENT with the
 * offending field named when a value is missing or wrong. threads is left
 * to the caller. */
bs_status bs_params_bmd_parse(const json_t *bmd, bmd_log_base log_base, bmd_probes_options *opt,
                              char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* The `bmd` settings object of options (new reference). */
json_t *bs_params_bmd_json(const bmd_probes_options *opt);

/* SHA-256 (hex, 64 characters + NUL) of the compact, key-sorted JSON text
 * of settings: equal settings give equal hashes whatever their key order. */
int bs_params_hash(const json_t *settings, char out[65]);

/* "2", "10", "e" or "none" (event form) to and from the flag. */
const char *bs_params_log_base_name(bmd_log_base base);
int bs_params_log_base_parse(const char *name); /* -1 if unknown */

#endif
