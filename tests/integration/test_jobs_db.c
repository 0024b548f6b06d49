/*
 * test_jobs_db.c - the jobs table's monotone merge, the project
 * ownership rule and the job_results rows, against the real PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bs/accounts.h"
#include "bs/job_results.h"
#include "bs/jobs.h"
#include "test_stack.h"

typedef struct fixture {
  char name[64];
  char url[1024];
  bs_db *db;
  int64_t user, other, project;
} fixture;

static int setup(void **state) {
  const char *url = getenv("BMDSTREAM_DATABASE_URL");
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->name, sizeof(f->name), "bs_test_jobs_%d", (int)getpid());
  f->db = bs_test_fresh_db(url, f->name, f->url, sizeof(f->url));
  char err[512];
  bs_user_fields a = {"owner", "owner@x", NULL, "analyst"}, b = {"other", "other@x", NULL, NULL};
  assert_int_equal(bs_user_add(f->db, &a, "password-1", &f->user, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_user_add(f->db, &b, "password-2", &f->other, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_project_add(f->db, f->user, "p", NULL, &f->project, err, sizeof(err)), BS_OK);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  if (!f)
    return 0;
  bs_db_destroy(f->db);
  bs_test_drop_db(getenv("BMDSTREAM_DATABASE_URL"), f->name);
  free(f);
  return 0;
}

static void apply(fixture *f, const char *job, bs_job_status s, double progress,
                  const char *message, int64_t result, const char *error) {
  char err[512];
  bs_job_update u = {s, progress, message, result, error};
  bs_status st = bs_job_update_apply(f->db, job, &u, err, sizeof(err));
  if (st != BS_OK)
    fail_msg("update: %s", err);
}

static void test_job_lifecycle_is_monotone(void **state) {
  fixture *f = *state;
  char err[512];
  const char *job = "6f1c2b1e-0000-4000-8000-000000000001";
  assert_int_equal(
      bs_job_create(f->db, job, f->user, f->project, "analysis", "{\"a\":1}", err, sizeof(err)),
      BS_OK);
  /* Creating again (a re-delivered import) changes nothing. */
  assert_int_equal(
      bs_job_create(f->db, job, f->user, f->project, "analysis", NULL, err, sizeof(err)), BS_OK);
  bs_job_row row;
  assert_int_equal(bs_job_get(f->db, job, &row, err, sizeof(err)), BS_OK);
  assert_int_equal(row.status, BS_JOB_QUEUED);

  apply(f, job, BS_JOB_RUNNING, 0.4, "fitting", 0, NULL);
  apply(f, job, BS_JOB_RUNNING, 0.2, NULL, 0, NULL); /* late, smaller progress */
  assert_int_equal(bs_job_get(f->db, job, &row, err, sizeof(err)), BS_OK);
  assert_int_equal(row.status, BS_JOB_RUNNING);
  assert_true(row.progress == 0.4);
  assert_string_equal(row.message, "fitting");

  apply(f, job, BS_JOB_QUEUED, 0.0, "queued", 0, NULL); /* a replayed QUEUED */
  assert_int_equal(bs_job_get(f->db, job, &row, err, sizeof(err)), BS_OK);
  assert_int_equal(row.status, BS_JOB_RUNNING);

  apply(f, job, BS_JOB_COMPLETED, 0.9, "done", 42, NULL);
  apply(f, job, BS_JOB_RUNNING, 0.5, "stale", 0, NULL);      /* after the end: ignored */
  apply(f, job, BS_JOB_FAILED, -1, NULL, 0, "late failure"); /* ignored too */
  assert_int_equal(bs_job_get(f->db, job, &row, err, sizeof(err)), BS_OK);
  assert_int_equal(row.status, BS_JOB_COMPLETED);
  assert_true(row.progress == 1.0);
  assert_string_equal(row.message, "done");
  assert_int_equal(row.result_id, 42);
  assert_string_equal(row.error, "");

  const char *params[] = {job};
  PGresult *res = NULL;
  assert_int_equal(bs_db_exec(f->db,
                              "SELECT started_at IS NOT NULL AND completed_at >= started_at "
                              "FROM jobs WHERE id = $1",
                              1, params, &res, err, sizeof(err)),
                   BS_OK);
  assert_string_equal(PQgetvalue(res, 0, 0), "t");
  PQclear(res);
}

static void test_failed_job_keeps_its_error(void **state) {
  fixture *f = *state;
  char err[512];
  const char *job = "6f1c2b1e-0000-4000-8000-000000000002";
  assert_int_equal(
      bs_job_create(f->db, job, f->user, f->project, "analysis", NULL, err, sizeof(err)), BS_OK);
  apply(f, job, BS_JOB_FAILED, -1, "failed", 0, "matrix.bin: checksum mismatch");
  apply(f, job, BS_JOB_COMPLETED, 1.0, "done", 7, NULL);
  bs_job_row row;
  assert_int_equal(bs_job_get(f->db, job, &row, err, sizeof(err)), BS_OK);
  assert_int_equal(row.status, BS_JOB_FAILED);
  assert_string_equal(row.error, "matrix.bin: checksum mismatch");
  bs_job_update u = {BS_JOB_RUNNING, 0.1, NULL, 0, NULL};
  assert_int_equal(bs_job_update_apply(f->db, "no-such-job", &u, err, sizeof(err)),
                   BS_ERR_NOT_FOUND);
}

static void test_job_results_recorded_once(void **state) {
  fixture *f = *state;
  char err[512];
  const char *job = "6f1c2b1e-0000-4000-8000-000000000003";
  assert_int_equal(
      bs_job_create(f->db, job, f->user, f->project, "analysis", NULL, err, sizeof(err)), BS_OK);
  bs_job_row row;
  assert_int_equal(bs_job_get(f->db, job, &row, err, sizeof(err)), BS_OK);
  assert_int_equal(row.user_id, f->user);
  assert_int_equal(row.project_id, f->project);
  bs_job_export *rows = NULL;
  size_t n = 9;
  assert_int_equal(bs_job_results_get(f->db, job, &rows, &n, err, sizeof(err)), BS_OK);
  assert_int_equal(n, 0);
  assert_null(rows);
  assert_int_equal(bs_job_results_add(f->db, job, "prefilter", 4, "projects/1/exports/prefilter/4",
                                      err, sizeof(err)),
                   BS_OK);
  assert_int_equal(
      bs_job_results_add(f->db, job, "bmd", 5, "projects/1/exports/bmd/5", err, sizeof(err)),
      BS_OK);
  /* re-delivered: the first record stands */
  assert_int_equal(
      bs_job_results_add(f->db, job, "bmd", 6, "projects/1/exports/bmd/6", err, sizeof(err)),
      BS_OK);
  assert_int_equal(bs_job_results_get(f->db, job, &rows, &n, err, sizeof(err)), BS_OK);
  assert_int_equal(n, 2);
  int bmd = strcmp(rows[0].stage, "bmd") == 0 ? 0 : 1;
  assert_string_equal(rows[bmd].stage, "bmd");
  assert_int_equal(rows[bmd].result_id, 5);
  assert_string_equal(rows[bmd].prefix, "projects/1/exports/bmd/5");
  assert_string_equal(rows[1 - bmd].stage, "prefilter");
  assert_int_equal(rows[1 - bmd].result_id, 4);
  free(rows);
  /* no such job: refused, not recorded */
  assert_int_equal(bs_job_results_add(f->db, "no-such-job", "bmd", 5, "projects/1/exports/bmd/5",
                                      err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "no-such-job"));
}

static void test_project_ownership(void **state) {
  fixture *f = *state;
  char err[512];
  assert_int_equal(bs_project_authorize(f->db, f->user, f->project, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_project_authorize(f->db, f->other, f->project, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "forbidden"));
  assert_int_equal(bs_project_authorize(f->db, f->user, 999999, err, sizeof(err)),
                   BS_ERR_NOT_FOUND);
}

int main(void) {
  bs_test_env_or_exit("BMDSTREAM_DATABASE_URL");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_job_lifecycle_is_monotone),
      cmocka_unit_test(test_failed_job_keeps_its_error),
      cmocka_unit_test(test_job_results_recorded_once),
      cmocka_unit_test(test_project_ownership),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
