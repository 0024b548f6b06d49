/*
 * test_experiments_db.c - experiment, treatment and probe-response rows
 * against the real PostgreSQL: values round-trip, storing twice changes
 * nothing, a missing row is stored again, awkward probe ids survive COPY;
 * and bs_copy_text_load's two paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "bs/accounts.h"
#include "bs/db_copy.h"
#include "bs/experiments.h"
#include "test_stack.h"

static void test_store_matrix_round_trip_and_idempotent(void **state) {
  (void)state;
  const char *url = getenv("BMDSTREAM_DATABASE_URL");
  char name[64], dburl[1024], err[1024];
  snprintf(name, sizeof(name), "bs_test_exp_%d", (int)getpid());
  bs_db *db = bs_test_fresh_db(url, name, dburl, sizeof(dburl));
  int64_t user, project, exp;
  bs_user_fields u = {"u", "u@x", NULL, NULL};
  assert_int_equal(bs_user_add(db, &u, "password-u", &user, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_project_add(db, user, "p", NULL, &project, err, sizeof(err)), BS_OK);

  bmd_dataset *ds = bmd_dataset_new(3, 4);
  const char *ids[] = {"ABCC5_26", "weird\\id\twith tab", "gène_µ"};
  double doses[] = {0, 0, 1.5, 3};
  for (size_t p = 0; p < 3; p++) {
    ds->probe_ids[p] = strdup(ids[p]);
    for (size_t s = 0; s < 4; s++)
      ds->values[p * 4 + s] = 1.25 * (double)p + 0.5 * (double)s;
  }
  for (size_t s = 0; s < 4; s++) {
    ds->doses[s] = doses[s];
    char sid[16];
    snprintf(sid, sizeof(sid), "S%zu", s);
    ds->sample_ids[s] = strdup(sid);
  }
  assert_int_equal(bmd_dataset_group(ds), 0);
  ds->log_base = BMD_LOG_BASE2;

  assert_int_equal(bs_experiment_insert(db, project, "exp one", ds, &exp, err, sizeof(err)), BS_OK);
  char key[128];
  snprintf(key, sizeof(key), "projects/%lld/experiments/%lld/matrix.bin", (long long)project,
           (long long)exp);
  for (int round = 0; round < 2; round++) {
    bs_status st = bs_experiment_store_matrix(db, exp, ds, key, err, sizeof(err));
    if (st != BS_OK)
      fail_msg("store: %s", err);
  }
  PGresult *res = NULL;
  assert_int_equal(
      bs_db_exec(db,
                 "SELECT (SELECT count(*) FROM treatments), (SELECT count(*) FROM "
                 "probe_responses), (SELECT expression_matrix_s3_key || '|' || "
                 "log_transformation || '|' || num_probes FROM dose_response_experiments)",
                 0, NULL, &res, err, sizeof(err)),
      BS_OK);
  assert_string_equal(PQgetvalue(res, 0, 0), "4");
  assert_string_equal(PQgetvalue(res, 0, 1), "3");
  char want[256];
  snprintf(want, sizeof(want), "%s|base2|3", key);
  assert_string_equal(PQgetvalue(res, 0, 2), want);
  PQclear(res);
  assert_int_equal(bs_db_exec(db,
                              "SELECT probe_id, responses[4]::text FROM probe_responses "
                              "ORDER BY probe_index",
                              0, NULL, &res, err, sizeof(err)),
                   BS_OK);
  for (int p = 0; p < 3; p++)
    assert_string_equal(PQgetvalue(res, p, 0), ids[p]);
  assert_string_equal(PQgetvalue(res, 2, 1), "4"); /* 1.25 * 2 + 0.5 * 3 */
  PQclear(res);

  /* a load that stopped part-way (a row missing): stored again, the
   * missing row comes back and none is doubled */
  assert_int_equal(bs_db_exec(db, "DELETE FROM probe_responses WHERE probe_index = 1", 0, NULL,
                              NULL, err, sizeof(err)),
                   BS_OK);
  if (bs_experiment_store_matrix(db, exp, ds, key, err, sizeof(err)) != BS_OK)
    fail_msg("store again: %s", err);
  assert_int_equal(bs_db_exec(db,
                              "SELECT string_agg(probe_index::text, ',' ORDER BY probe_index) "
                              "FROM probe_responses",
                              0, NULL, &res, err, sizeof(err)),
                   BS_OK);
  assert_string_equal(PQgetvalue(res, 0, 0), "0,1,2");
  PQclear(res);
  bmd_dataset_destroy(ds);
  bs_db_destroy(db);
  bs_test_drop_db(url, name);
}

/* bs_copy_text_load: rows straight into the table; a duplicate sends them
 * through staging (only the new ones added); any other error is returned,
 * not retried through staging. */
static void test_copy_load_direct_staged_and_refused(void **state) {
  (void)state;
  const char *url = getenv("BMDSTREAM_DATABASE_URL");
  char name[64], dburl[1024], err[1024];
  snprintf(name, sizeof(name), "bs_test_copy_%d", (int)getpid());
  bs_db *db = bs_test_fresh_db(url, name, dburl, sizeof(dburl));
  assert_int_equal(bs_db_exec(db, "CREATE TABLE t (id int PRIMARY KEY, v text)", 0, NULL, NULL, err,
                              sizeof(err)),
                   BS_OK);
  const int batches[3][3] = {{1, 2, 0}, {2, 3, 4}, {5, 0, 0}}; /* 0 ends a batch */
  for (int b = 0; b < 3; b++) {
    bs_copy_rows *copy = bs_copy_rows_new();
    for (int i = 0; i < 3 && batches[b][i]; i++) {
      char v[16];
      snprintf(v, sizeof(v), "v%d.%d", batches[b][i], b);
      bs_copy_add_int4(copy, batches[b][i]);
      bs_copy_add_text(copy, v);
      bs_copy_end_row(copy);
    }
    assert_int_equal(bs_db_begin(db, err, sizeof(err)), BS_OK);
    bs_status st =
        bs_copy_rows_load(copy, db, "t", "id, v", "t_staging", "id int, v text", err, sizeof(err));
    if (st != BS_OK)
      fail_msg("batch %d: %s", b, err);
    assert_int_equal(bs_db_commit(db, err, sizeof(err)), BS_OK);
    bs_copy_rows_destroy(copy);
  }
  PGresult *res = NULL;
  assert_int_equal(bs_db_exec(db, "SELECT string_agg(v, ',' ORDER BY id) FROM t", 0, NULL, &res,
                              err, sizeof(err)),
                   BS_OK);
  assert_string_equal(PQgetvalue(res, 0, 0), "v1.0,v2.0,v3.1,v4.1,v5.2"); /* 2 kept as first */
  PQclear(res);

  /* every column type the stores write, read back as the server prints
   * it */
  assert_int_equal(bs_db_exec(db,
                              "CREATE TABLE every (a bigint PRIMARY KEY, b integer, c smallint, "
                              "d float8, e text, f varchar(20), g jsonb, h boolean, i float8[], "
                              "j real[], k float8)",
                              0, NULL, NULL, err, sizeof(err)),
                   BS_OK);
  const double fc[] = {-0.5, NAN, 1e300}, resp[] = {8.123456789, 0.1};
  bs_copy_rows *all = bs_copy_rows_new();
  bs_copy_add_int8(all, INT64_MIN + 1);
  bs_copy_add_int4(all, -7);
  bs_copy_add_int2(all, -1);
  bs_copy_add_float8(all, 0.1);
  bs_copy_add_text(all, "a\\b\tc\n \"é\"");
  bs_copy_add_text(all, "ZNF395_7894");
  bs_copy_add_jsonb(all, "{\"b\": [1.5, null], \"a\": \"x\"}");
  bs_copy_add_bool(all, 1);
  bs_copy_add_float8_array(all, fc, 3);
  bs_copy_add_float4_array(all, resp, 2);
  bs_copy_add_float8(all, INFINITY);
  bs_copy_end_row(all);
  assert_int_equal(bs_db_begin(db, err, sizeof(err)), BS_OK);
  if (bs_copy_rows_load(all, db, "every", "a, b, c, d, e, f, g, h, i, j, k", "every_staging",
                        "a bigint, b integer, c smallint, d float8, e text, f varchar(20), "
                        "g jsonb, h boolean, i float8[], j real[], k float8",
                        err, sizeof(err)) != BS_OK)
    fail_msg("every type: %s", err);
  assert_int_equal(bs_db_commit(db, err, sizeof(err)), BS_OK);
  bs_copy_rows_destroy(all);
  assert_int_equal(bs_db_exec(db, "SET extra_float_digits = 1", 0, NULL, NULL, err, sizeof(err)),
                   BS_OK);
  assert_int_equal(bs_db_exec(db,
                              "SELECT concat_ws('|', a, b, c, d, e, f, g, h, i, j, k IS NULL) "
                              "FROM every",
                              0, NULL, &res, err, sizeof(err)),
                   BS_OK);
  assert_string_equal(PQgetvalue(res, 0, 0),
                      "-9223372036854775807|-7|-1|0.1|a\\b\tc\n \"é\"|ZNF395_7894|"
                      "{\"a\": \"x\", \"b\": [1.5, null]}|t|{-0.5,NULL,1e+300}|"
                      "{8.123457,0.1}|t");
  PQclear(res);

  bs_copy_rows *bad = bs_copy_rows_new();
  bs_copy_add_int4(bad, 9);
  bs_copy_add_text(bad, "v");
  bs_copy_add_text(bad, "one column too many");
  bs_copy_end_row(bad);
  assert_int_equal(bs_db_begin(db, err, sizeof(err)), BS_OK);
  assert_int_equal(
      bs_copy_rows_load(bad, db, "t", "id, v", "t_staging", "id int, v text", err, sizeof(err)),
      BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "22P04")); /* bad_copy_file_format */
  assert_string_equal(bs_db_error_sqlstate(db), "22P04");
  bs_db_rollback(db);
  bs_copy_rows_destroy(bad);
  bs_db_destroy(db);
  bs_test_drop_db(url, name);
}

int main(void) {
  bs_test_env_or_exit("BMDSTREAM_DATABASE_URL");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_matrix_round_trip_and_idempotent),
      cmocka_unit_test(test_copy_load_direct_staged_and_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
