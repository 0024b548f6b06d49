/*
 * bs/job_results.h - what each job produced (sql/0002_job_results.sql):
 * for each stage that exported a result for the job, the result's id and
 * the prefix of its exports in the object store. The stage runtime records
 * a row before it publishes the stage's output event, so a job that is
 * COMPLETED has every row; `bmdstream results` reads them.
 */
#ifndef BS_JOB_RESULTS_H
#define BS_JOB_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "bs/db.h"

/* Records that stage exported result result_id of job_id under prefix
 * (all borrowed). The same (job, stage) again changes nothing, so a
 * re-delivered event is harmless. A job that does not exist is PERMANENT. */
bs_status bs_job_results_add(bs_db *db, const char *job_id, const char *stage, int64_t result_id,
                             const char *prefix, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

typedef struct bs_job_export {
  char stage[51];
  int64_t result_id;
  char prefix[513];
} bs_job_export;

/* The job's rows in the order they were recorded (*rows new, the caller
 * frees; *n 0 when there is none). */
bs_status bs_job_results_get(bs_db *db, const char *job_id, bs_job_export **rows, size_t *n,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

#endif
