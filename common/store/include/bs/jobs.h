/*
 * bs/jobs.h - the `jobs` table as the job tracker keeps it.
 *
 * Status moves QUEUED -> RUNNING -> COMPLETED | FAILED and never back:
 * events may arrive twice or out of order (at-least-once delivery, replay),
 * so every update is a monotone merge:
 *   - a terminal status (COMPLETED, FAILED) is never left;
 *   - progress only grows (GREATEST), and is 1.0 when COMPLETED;
 *   - started_at is the first RUNNING (or terminal) time, completed_at the
 *     first terminal time;
 *   - message, result_id and error_message take the newest non-NULL value
 *     among updates that were applied.
 * Applying the same event twice therefore changes nothing.
 */
#ifndef BS_JOBS_H
#define BS_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "bs/db.h"

typedef enum bs_job_status {
  BS_JOB_QUEUED = 0,
  BS_JOB_RUNNING,
  BS_JOB_COMPLETED,
  BS_JOB_FAILED
} bs_job_status;

const char *bs_job_status_name(bs_job_status status);
/* -1 when name is not a status. */
int bs_job_status_parse(const char *name);

/* Creates the job (QUEUED) unless it exists; parameters_json may be NULL. */
bs_status bs_job_create(bs_db *db, const char *job_id, int64_t user_id, int64_t project_id,
                        const char *job_type, const char *parameters_json, char *errstr,
                        size_t errstr_size) __attribute__((warn_unused_result));

/* The job an event names must be its user's and its project's: BS_OK when
 * job_id exists with user_id and project_id; BS_ERR_NOT_FOUND when there
 * is no such job; BS_ERR_PERMANENT with an errstr beginning with
 * BS_FORBIDDEN_PREFIX when it belongs to another user or project. */
bs_status bs_job_check_owner(bs_db *db, const char *job_id, int64_t user_id, int64_t project_id,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

typedef struct bs_job_update {
  bs_job_status status;
  double progress;     /* 0..1; negative = unchanged */
  const char *message; /* NULL = unchanged */
  int64_t result_id;   /* 0 = unchanged */
  const char *error;   /* NULL = unchanged */
} bs_job_update;

/* Merges one update into the job (see above). BS_ERR_NOT_FOUND when the job
 * does not exist. */
bs_status bs_job_update_apply(bs_db *db, const char *job_id, const bs_job_update *update,
                              char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

typedef struct bs_job_row {
  bs_job_status status;
  double progress;
  char message[512];
  char error[512];
  int64_t result_id;
  int64_t user_id;
  int64_t project_id; /* 0: none */
} bs_job_row;

bs_status bs_job_get(bs_db *db, const char *job_id, bs_job_row *row, char *errstr,
                     size_t errstr_size) __attribute__((warn_unused_result));

#endif
