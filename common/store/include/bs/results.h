/*
 * bs/results.h - the result tables as the stages write them: every write
 * is an upsert on the table's natural key (sql/0001_core_tables.sql), so a
 * re-delivered event changes nothing (DESIGN §3).
 */
#ifndef BS_RESULTS_H
#define BS_RESULTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bmd/category.h"
#include "bmd/prefilter.h"
#include "bmd/probes.h"
#include "bs/bmd_pieces.h"
#include "bs/db.h"
#include "bs/objstore.h"

/* References an event makes to earlier results (every reference checked,
 * docs/security.md). Each is BS_OK when the result exists and belongs to
 * the event's project and experiment, else BS_ERR_PERMANENT with an errstr
 * beginning with BS_FORBIDDEN_PREFIX and naming the field (a result that
 * does not exist and another project's result are refused alike, so that
 * the answer tells nothing about other projects); RETRIABLE when the
 * database is unreachable. */
bs_status bs_results_check_prefilter(bs_db *db, int64_t prefilter_id, int64_t project_id,
                                     int64_t experiment_id, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The same for a BMD result, which must moreover come from prefilter
 * result prefilter_id (the event's data.prefilter_result_id). */
bs_status bs_results_check_bmd(bs_db *db, int64_t bmd_result_id, int64_t prefilter_id,
                               int64_t project_id, int64_t experiment_id, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

/* Rows of ds that prefilter result prefilter_id passed, in dataset order
 * (*rows new, caller frees). A probe id unknown to ds is an error. */
bs_status bs_results_passed_probes(bs_db *db, int64_t prefilter_id, const bmd_dataset *ds,
                                   size_t **rows, size_t *n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The bmd_results row of (experiment, prefilter result, "MLE", name),
 * created if absent; *result_id its id either way. prefilter_id 0 = none. */
bs_status bs_results_upsert_bmd(bs_db *db, int64_t project_id, int64_t experiment_id,
                                int64_t prefilter_id, const char *name, const json_t *settings,
                                int64_t *result_id, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* *complete is 1 when BMD result result_id is whole: the transaction that
 * stores its last rows (bs_results_store_probe_stats) has set its key,
 * after bmd.tsv and probe_stats.json.gz were stored; 0 before. */
bs_status bs_results_bmd_complete(bs_db *db, int64_t result_id, int *complete, char *errstr,
                                  size_t errstr_size) __attribute__((warn_unused_result));

/* Stores the fits: probe_stats.json.gz under key (S3 first), joined from
 * pieces[0..count) (bs/bmd_pieces.h, each rendered, in order; NULL: the
 * file is rendered here from fits[0..n)), then in one transaction the
 * probe_stat_results rows of the probes i with rows[i] nonzero (rows
 * NULL: of every probe; ON CONFLICT DO NOTHING), the result's key and
 * count (n). */
bs_status bs_results_store_probe_stats(bs_db *db, bs_objstore *store, const char *key,
                                       int64_t result_id, const bmd_dataset *ds,
                                       const bmd_probe_fit *fits, size_t n,
                                       const unsigned char *rows, const bs_bmd_piece *pieces,
                                       size_t count, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* 1 when fit's probe_stat_results row is final before the steps across
 * probes (bmd_probes_finish): they change only a selection that awaits
 * flagged-Hill option 4 or 5's values (best.needs_hill_fix), so every
 * other probe's row may be written by the chunk that fitted it. */
int bs_results_probe_row_final(const bmd_probe_fit *fit);

/* Inside the caller's transaction: the probe_stat_results rows of the
 * probes i of fits[0..n) with rows[i] nonzero (NULL: every one), ON
 * CONFLICT DO NOTHING, through a staging table dropped at COMMIT. probes:
 * NULL, or a JSON array of fits' bs_bmd_probe_json objects already built
 * (borrowed), whose "models" the rows take. */
bs_status bs_results_load_probe_rows(bs_db *db, int64_t result_id, const bmd_dataset *ds,
                                     const bmd_probe_fit *fits, size_t n, const json_t *probes,
                                     const unsigned char *rows, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The prefilter_results row of (experiment, settings hash), created if
 * absent (name "<method>-<hash>", settings: parameters.prefilter, stored
 * as the row's parameters); *prefilter_id its id either way. */
bs_status bs_results_upsert_prefilter(bs_db *db, int64_t project_id, int64_t experiment_id,
                                      const char *method, const json_t *settings,
                                      int64_t *prefilter_id, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* One transaction: one prefilter_result_details row per probe of res
 * (statistic may be NULL), then the result's counts and export prefix. */
bs_status bs_results_store_prefilter(bs_db *db, int64_t prefilter_id, const bmd_dataset *ds,
                                     const double *statistic, const bmd_prefilter_result *res,
                                     const char *export_prefix, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The category_results row of (BMD result, hash of key), created if
 * absent (name "<type>-<hash>"; key, the object the natural key hashes,
 * stored as the row's parameters); *category_result_id its id either way. */
bs_status bs_results_upsert_category(bs_db *db, int64_t project_id, int64_t bmd_result_id,
                                     const char *type, const json_t *key,
                                     int64_t *category_result_id, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* One transaction: a category_result_details row per category, then the
 * result's count, tPOD and export prefix. ca and tpod NULL (category type
 * none): no rows, count 0, no tPOD. */
bs_status bs_results_store_categories(bs_db *db, int64_t category_result_id,
                                      const bmd_category_analysis *ca, const json_t *tpod,
                                      const char *export_prefix, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
