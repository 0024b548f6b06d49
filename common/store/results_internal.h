/*
 * results_internal.h - what the result stores (results_*.c) share: the
 * upsert of a result row keyed by the hash of its settings, and the one
 * transaction that stores a result's detail rows with its summary.
 */
#ifndef BS_RESULTS_INTERNAL_H
#define BS_RESULTS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/db.h"
#include "bs/db_copy.h"

/* Runs insert_sql, an INSERT ... ON CONFLICT (<parent>, params_hash) DO
 * UPDATE ... RETURNING id taking
 *   $1 project_id, $2 parent_id, $3 name, $4 kind, $5 params_hash,
 *   $6 parameters (settings as compact key-sorted JSON),
 * where params_hash = H, the SHA-256 of settings (bs_settings_hash), and
 * name = kind + "-" + the first 16 hex digits of H. *id receives the row's
 * id, new or existing. what names the settings in the out-of-memory error. */
bs_status bs_results_upsert_hashed(bs_db *db, const char *insert_sql, int64_t project_id,
                                   int64_t parent_id, const char *kind, const char *what,
                                   const json_t *settings, int64_t *id, char *errstr,
                                   size_t errstr_size) __attribute__((warn_unused_result));

/* In one transaction: the rows of copy (stolen: destroyed here; NULL is
 * out of memory) into table, those there skipped (bs_copy_rows_load with
 * columns, staging and staging_columns), then update_sql with
 * params[0..nparams), the result row's summary. */
bs_status bs_results_store_rows(bs_db *db, bs_copy_rows *copy, const char *table,
                                const char *columns, const char *staging,
                                const char *staging_columns, const char *update_sql, size_t nparams,
                                const bs_db_param *params, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
