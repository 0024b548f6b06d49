/*
 * bs/experiments.h - storing an imported expression matrix's metadata:
 * the dose_response_experiments row, one treatments row per sample and one
 * probe_responses row per probe, in one transaction (the matrix itself goes
 * to the object store as matrix.bin).
 */
#ifndef BS_EXPERIMENTS_H
#define BS_EXPERIMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "bmd/dataset.h"
#include "bs/db.h"

/* Inserts the experiment row (returning its id, which the caller uses to
 * name the matrix object) before the matrix is stored. */
bs_status bs_experiment_insert(bs_db *db, int64_t project_id, const char *name,
                               const bmd_dataset *ds, int64_t *experiment_id, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

/* Stores treatments and probe responses (COPY, idempotent: a second call
 * for the same experiment changes nothing) and sets the matrix key. */
bs_status bs_experiment_store_matrix(bs_db *db, int64_t experiment_id, const bmd_dataset *ds,
                                     const char *matrix_key, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The two halves of bs_experiment_store_matrix, each its own transaction,
 * for an importer that uploads matrix.bin meanwhile and sets the key only
 * once the object is stored: the treatments and probe responses (as
 * above), then the matrix key. */
bs_status bs_experiment_store_rows(bs_db *db, int64_t experiment_id, const bmd_dataset *ds,
                                   char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
bs_status bs_experiment_set_matrix_key(bs_db *db, int64_t experiment_id, const char *matrix_key,
                                       char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Loads an experiment's matrix: its row (which must belong to project_id),
 * then its matrix.bin from the store. A missing experiment, a missing or a
 * corrupt object are PERMANENT errors naming the key; an unreachable
 * store or database RETRIABLE. *out is new, with the stored log base. */
typedef struct bs_objstore bs_objstore;
bs_status bs_experiment_load_matrix(bs_db *db, bs_objstore *store, int64_t project_id,
                                    int64_t experiment_id, bmd_dataset **out, char *errstr,
                                    size_t errstr_size) __attribute__((warn_unused_result));

#endif
