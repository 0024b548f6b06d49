/*
 * jobs.c - monotone updates of the jobs table (see bs/jobs.h).
 */
#include "bs/jobs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *status_names[] = {"QUEUED", "RUNNING", "COMPLETED", "FAILED"};

const char *bs_job_status_name(bs_job_status status) {
  return (unsigned)status < 4 ? status_names[status] : "UNKNOWN";
}

int bs_job_status_parse(const char *name) {
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, status_names[i]) == 0)
      return i;
  return -1;
}

bs_status bs_job_create(bs_db *db, const char *job_id, int64_t user_id, int64_t project_id,
                        const char *job_type, const char *parameters_json, char *errstr,
                        size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(job_id), BS_DB_INT64(user_id), BS_DB_INT64(project_id),
                                BS_DB_TEXT(job_type), BS_DB_TEXT(parameters_json)};
  return bs_db_query(db,
                     "INSERT INTO jobs (id, user_id, project_id, job_type, status, progress, "
                     "parameters, message) VALUES ($1, $2::bigint, NULLIF($3::bigint, 0), $4, "
                     "'QUEUED', 0.0, $5::jsonb, 'queued') ON CONFLICT (id) DO NOTHING",
                     5, params, NULL, errstr, errstr_size);
}

bs_status bs_job_check_owner(bs_db *db, const char *job_id, int64_t user_id, int64_t project_id,
                             char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(job_id)};
  PGresult *res = NULL;
  bs_status st =
      bs_db_query_row(db, "SELECT user_id, coalesce(project_id, 0) FROM jobs WHERE id = $1", 1,
                      params, &res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size, "data.job_id %.40s: no such job", job_id);
  if (st != BS_OK)
    return st;
  int64_t owner = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  int64_t project = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  PQclear(res);
  if (owner != user_id || project != project_id) {
    snprintf(errstr, errstr_size,
             BS_FORBIDDEN_PREFIX "data.job_id %.40s is not a job of user %" PRId64
                                 " in project %" PRId64,
             job_id, user_id, project_id);
    return BS_ERR_PERMANENT;
  }
  return BS_OK;
}

/*
 * The merge, in SQL, where rank(QUEUED) = 0 < rank(RUNNING) = 1 <
 * rank(terminal) = 2, and a terminal job ignores every later update:
 *   status'       = new status if rank(new) > rank(old), else old
 *   progress'     = 1 if status' = COMPLETED, else max(old, new)
 *   started_at'   = coalesce(old, now()) once status' >= RUNNING
 *   completed_at' = coalesce(old, now()) once status' is terminal
 */
static const char *update_sql =
    "WITH cur AS (SELECT id, status, CASE status WHEN 'QUEUED' THEN 0 WHEN 'RUNNING' THEN 1 "
    "ELSE 2 END AS rank FROM jobs WHERE id = $1 FOR UPDATE), "
    "upd AS (SELECT $2::text AS status, CASE $2::text WHEN 'QUEUED' THEN 0 WHEN 'RUNNING' THEN 1 "
    "ELSE 2 END AS rank) "
    "UPDATE jobs j SET "
    " status = CASE WHEN upd.rank > cur.rank THEN upd.status ELSE j.status END,"
    " progress = CASE WHEN (CASE WHEN upd.rank > cur.rank THEN upd.status ELSE j.status END) = "
    "   'COMPLETED' THEN 1.0 ELSE GREATEST(coalesce(j.progress, 0), coalesce($3::float8, 0)) END,"
    " message = coalesce($4, j.message),"
    " result_id = coalesce(NULLIF($5::bigint, 0), j.result_id),"
    " error_message = coalesce($6, j.error_message),"
    " started_at = CASE WHEN GREATEST(upd.rank, cur.rank) >= 1 THEN coalesce(j.started_at, "
    "   CURRENT_TIMESTAMP) ELSE j.started_at END,"
    " completed_at = CASE WHEN GREATEST(upd.rank, cur.rank) = 2 THEN coalesce(j.completed_at, "
    "   CURRENT_TIMESTAMP) ELSE j.completed_at END "
    "FROM cur, upd WHERE j.id = cur.id AND cur.rank < 2 RETURNING j.id";

/* bs_db_query_row of sql with $1 = job_id, naming the job when it does
 * not exist. */
static bs_status job_row(bs_db *db, const char *sql, const char *job_id, PGresult **res,
                         char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(job_id)};
  bs_status st = bs_db_query_row(db, sql, 1, params, res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size, "job %s does not exist", job_id);
  return st;
}

bs_status bs_job_update_apply(bs_db *db, const char *job_id, const bs_job_update *update,
                              char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(job_id),
                                BS_DB_TEXT(bs_job_status_name(update->status)),
                                update->progress >= 0 ? BS_DB_DOUBLE(update->progress) : BS_DB_NULL,
                                BS_DB_TEXT(update->message),
                                BS_DB_INT64(update->result_id),
                                BS_DB_TEXT(update->error)};
  PGresult *res = NULL;
  bs_status st = bs_db_query(db, update_sql, 6, params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  int updated = PQntuples(res);
  PQclear(res);
  if (updated)
    return BS_OK;
  /* Nothing updated: either the job is terminal (fine, ignored) or absent. */
  st = job_row(db, "SELECT 1 FROM jobs WHERE id = $1", job_id, &res, errstr, errstr_size);
  PQclear(res);
  return st;
}

static void copy_field(char *dst, size_t size, PGresult *res, int col) {
  snprintf(dst, size, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

bs_status bs_job_get(bs_db *db, const char *job_id, bs_job_row *row, char *errstr,
                     size_t errstr_size) {
  PGresult *res = NULL;
  bs_status st = job_row(db,
                         "SELECT status, coalesce(progress, 0), message, error_message, "
                         "coalesce(result_id, 0), user_id, coalesce(project_id, 0) FROM jobs "
                         "WHERE id = $1",
                         job_id, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  int s = bs_job_status_parse(PQgetvalue(res, 0, 0));
  row->status = s < 0 ? BS_JOB_FAILED : (bs_job_status)s;
  row->progress = strtod(PQgetvalue(res, 0, 1), NULL);
  copy_field(row->message, sizeof(row->message), res, 2);
  copy_field(row->error, sizeof(row->error), res, 3);
  row->result_id = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
  row->user_id = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
  row->project_id = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
  PQclear(res);
  return BS_OK;
}
