/*
 * job_results.c - the job_results table (see bs/job_results.h).
 */
#include "bs/job_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bs_status bs_job_results_add(bs_db *db, const char *job_id, const char *stage, int64_t result_id,
                             const char *prefix, char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(job_id), BS_DB_TEXT(stage), BS_DB_INT64(result_id),
                                BS_DB_TEXT(prefix)};
  bs_status st =
      bs_db_query(db,
                  "INSERT INTO job_results (job_id, stage, result_id, export_prefix) "
                  "VALUES ($1, $2, $3::bigint, $4) ON CONFLICT (job_id, stage) DO NOTHING",
                  4, params, NULL, errstr, errstr_size);
  if (st != BS_OK) {
    char why[512];
    snprintf(why, sizeof(why), "%s", errstr);
    snprintf(errstr, errstr_size, "job %.40s: recording the %s result: %s", job_id, stage, why);
  }
  return st;
}

bs_status bs_job_results_get(bs_db *db, const char *job_id, bs_job_export **rows, size_t *n,
                             char *errstr, size_t errstr_size) {
  *rows = NULL;
  *n = 0;
  const bs_db_param params[] = {BS_DB_TEXT(job_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query(db,
                             "SELECT stage, result_id, export_prefix FROM job_results "
                             "WHERE job_id = $1 ORDER BY created_at, stage",
                             1, params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  size_t count = (size_t)PQntuples(res);
  bs_job_export *out = count ? calloc(count, sizeof(*out)) : NULL;
  if (count && !out) {
    PQclear(res);
    snprintf(errstr, errstr_size, "out of memory reading the results of job %.40s", job_id);
    return BS_ERR_RETRIABLE;
  }
  for (size_t i = 0; i < count; i++) {
    snprintf(out[i].stage, sizeof(out[i].stage), "%s", PQgetvalue(res, (int)i, 0));
    out[i].result_id = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
    snprintf(out[i].prefix, sizeof(out[i].prefix), "%s", PQgetvalue(res, (int)i, 2));
  }
  PQclear(res);
  *rows = out;
  *n = count;
  return BS_OK;
}
