/*
 * results_refs.c - the checks of the result ids an event names against the
 * event's own project and experiment (see bs/results.h). A stage that reads
 * a result by the id an event gives must first know it is the event's, or
 * one project's data could be read into another's results.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bs/results.h"

/* One row of `sql` ($1 id, $2 project, $3 experiment[, $4 ...]) or a
 * refusal naming field. */
static bs_status check_row(bs_db *db, const char *sql, size_t nparams, const bs_db_param *params,
                           const char *field, const char *what, int64_t id, int64_t project_id,
                           int64_t experiment_id, char *errstr, size_t errstr_size) {
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db, sql, nparams, params, &res, errstr, errstr_size);
  PQclear(res);
  if (st == BS_ERR_NOT_FOUND || (st == BS_OK && id <= 0)) {
    snprintf(errstr, errstr_size,
             BS_FORBIDDEN_PREFIX "%s %" PRId64 " is not a %s of experiment %" PRId64
                                 " of project %" PRId64,
             field, id, what, experiment_id, project_id);
    st = BS_ERR_PERMANENT;
  }
  return st;
}

bs_status bs_results_check_prefilter(bs_db *db, int64_t prefilter_id, int64_t project_id,
                                     int64_t experiment_id, char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(prefilter_id), BS_DB_INT64(project_id),
                                BS_DB_INT64(experiment_id)};
  return check_row(db,
                   "SELECT 1 FROM prefilter_results WHERE id = $1::bigint AND project_id = "
                   "$2::bigint AND experiment_id = $3::bigint",
                   3, params, "data.prefilter_result_id", "prefilter result", prefilter_id,
                   project_id, experiment_id, errstr, errstr_size);
}

bs_status bs_results_check_bmd(bs_db *db, int64_t bmd_result_id, int64_t prefilter_id,
                               int64_t project_id, int64_t experiment_id, char *errstr,
                               size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(bmd_result_id), BS_DB_INT64(project_id),
                                BS_DB_INT64(experiment_id), BS_DB_INT64(prefilter_id)};
  char what[96];
  snprintf(what, sizeof(what), "BMD result of prefilter result %" PRId64, prefilter_id);
  return check_row(db,
                   "SELECT 1 FROM bmd_results WHERE id = $1::bigint AND project_id = $2::bigint "
                   "AND experiment_id = $3::bigint AND prefilter_id = $4::bigint",
                   4, params, "data.bmd_result_id", what, bmd_result_id, project_id, experiment_id,
                   errstr, errstr_size);
}
