/*
 * test_results_db.c - the result tables on a real PostgreSQL: a prefilter
 * run and its details (COPY through a staging table, idempotent), the
 * passed probes read back, the BMD result upsert (with and without a
 * prefilter result), probe statistics with the object in a file:// store,
 * a chunk's final rows written with its done mark and the gather's the
 * others, and the category result upsert.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/accounts.h"
#include "bs/bmd_chunks.h"
#include "bs/experiments.h"
#include "bs/results.h"
#include "test_stack.h"

/* The text of row 0, column 0 of sql (no parameters). */
static void query_one(bs_db *db, const char *sql, char *out, size_t size) {
  char err[1024];
  PGresult *res = NULL;
  if (bs_db_exec(db, sql, 0, NULL, &res, err, sizeof(err)) != BS_OK)
    fail_msg("%s: %s", sql, err);
  snprintf(out, size, "%s", PQgetisnull(res, 0, 0) ? "NULL" : PQgetvalue(res, 0, 0));
  PQclear(res);
}

/* 4 probes, two groups of 3 on log2: fold changes 8, 8, 1.41, 8 (the
 * third fails the fold filter); ids with characters COPY text escapes. */
static bmd_dataset *make_dataset(void) {
  static const double doses[6] = {0, 0, 0, 1, 1, 1};
  static const double rows[24] = {0, 0.1, -0.1, 3,  3.1, 2.9, 0, 0.1, -0.1, 3, 3.1, 2.9,
                                  0, 0.1, -0.1, .5, .6,  .4,  0, 0.1, -0.1, 3, 3.1, 2.9};
  static const char *ids[4] = {"p1", "tab\tand\\back", "p3", "line\nbreak"};
  bmd_dataset *ds = bmd_dataset_new(4, 6);
  assert_non_null(ds);
  for (size_t p = 0; p < 4; p++) {
    ds->probe_ids[p] = strdup(ids[p]);
    memcpy(&ds->values[p * 6], &rows[p * 6], 6 * sizeof(double));
  }
  memcpy(ds->doses, doses, sizeof(doses));
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  return ds;
}

static void test_result_tables(void **state) {
  (void)state;
  const char *url = getenv("BMDSTREAM_DATABASE_URL");
  char name[64], dburl[1024], err[1024], got[512];
  snprintf(name, sizeof(name), "bs_test_results_%d", (int)getpid());
  bs_db *db = bs_test_fresh_db(url, name, dburl, sizeof(dburl));
  int64_t user, project, exp;
  bs_user_fields u = {"u", "u@x", NULL, NULL};
  assert_int_equal(bs_user_add(db, &u, "password-u", &user, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_user_add(db, &u, "password-u", &user, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "exists already"));
  assert_int_equal(bs_project_add(db, user, "p", NULL, &project, err, sizeof(err)), BS_OK);
  bmd_dataset *ds = make_dataset();
  assert_int_equal(bs_experiment_insert(db, project, "e", ds, &exp, err, sizeof(err)), BS_OK);

  /* prefilter: twice, the same row and the same details */
  double p[4] = {0.001, 0.001, 0.001, 0.04}, stat[4] = {10, 9, NAN, 2};
  bmd_prefilter_options opt = bmd_prefilter_options_default();
  bmd_prefilter_result *pr = NULL;
  assert_int_equal(bmd_prefilter_run(ds, p, &opt, &pr, err, sizeof(err)), 0);
  json_t *settings = json_pack("{s:s, s:f}", "method", "anova", "p_cutoff", 0.05);
  int64_t pf[2] = {0, 0};
  for (int round = 0; round < 2; round++)
    if (bs_results_upsert_prefilter(db, project, exp, "anova", settings, &pf[round], err,
                                    sizeof(err)) != BS_OK ||
        bs_results_store_prefilter(db, pf[round], ds, stat, pr, "projects/1/exports/prefilter/1",
                                   err, sizeof(err)) != BS_OK)
      fail_msg("store prefilter: %s", err);
  assert_true(pf[0] > 0);
  assert_int_equal(pf[0], pf[1]);
  query_one(db,
            "SELECT count(*) || '|' || count(*) FILTER (WHERE passed) || '|' || "
            "count(statistic) FROM prefilter_result_details",
            got, sizeof(got));
  assert_string_equal(got, "4|3|3");
  query_one(db,
            "SELECT fold_changes::text || '|' || noel_dose || '|' || loel_dose FROM "
            "prefilter_result_details WHERE probe_id = E'tab\\tand\\\\back'",
            got, sizeof(got));
  assert_non_null(strstr(got, "|0|1"));
  query_one(db, "SELECT num_tested || '|' || num_passed FROM prefilter_results", got, sizeof(got));
  assert_string_equal(got, "4|3");
  size_t *rows = NULL, n = 0;
  assert_int_equal(bs_results_passed_probes(db, pf[0], ds, &rows, &n, err, sizeof(err)), BS_OK);
  assert_int_equal(n, 3);
  assert_int_equal(rows[0], 0);
  assert_int_equal(rows[1], 1); /* the escaped ids found again */
  assert_int_equal(rows[2], 3);
  free(rows);

  /* BMD result: one per prefilter result (NULL included), upserted */
  int64_t bmd[3];
  assert_int_equal(
      bs_results_upsert_bmd(db, project, exp, pf[0], "MLE-x", settings, &bmd[0], err, sizeof(err)),
      BS_OK);
  assert_int_equal(
      bs_results_upsert_bmd(db, project, exp, pf[0], "MLE-x", settings, &bmd[1], err, sizeof(err)),
      BS_OK);
  assert_int_equal(
      bs_results_upsert_bmd(db, project, exp, 0, "MLE-x", settings, &bmd[2], err, sizeof(err)),
      BS_OK);
  assert_int_equal(bmd[0], bmd[1]);
  assert_int_not_equal(bmd[0], bmd[2]);
  query_one(db, "SELECT count(*) FILTER (WHERE prefilter_id IS NULL) FROM bmd_results", got,
            sizeof(got));
  assert_string_equal(got, "1");

  /* probe statistics: one fitted probe, one without a fit */
  char dir[] = "/tmp/bs-results-XXXXXX", store_url[128];
  assert_non_null(mkdtemp(dir));
  snprintf(store_url, sizeof(store_url), "file://%s", dir);
  bs_objstore_options so = {.url = store_url};
  bs_objstore *store = NULL;
  assert_int_equal(bs_objstore_new(&so, &store, err, sizeof(err)), BS_OK);
  bmd_probe_fit fits[2];
  memset(fits, 0, sizeof(fits));
  fits[0].probe = 1;
  fits[0].n_models = 1;
  fits[0].fits[0].model = BMD_MODEL_HILL;
  fits[0].fits[0].status = BMD_FIT_OK;
  fits[0].fits[0].increasing = 1;
  fits[0].fits[0].aic = 12.5;
  fits[0].fits[0].fit_p = 0.5;
  fits[0].best.best = 0;
  fits[0].best.bmd = 0.25;
  fits[0].best.bmdl = 0.125;
  fits[0].best.bmdu = NAN;
  fits[1].probe = 3;
  fits[1].best.best = -1;
  for (int round = 0; round < 2; round++)
    if (bs_results_store_probe_stats(db, store, "r/probe_stats.json.gz", bmd[0], ds, fits, 2, NULL,
                                     NULL, 0, err, sizeof(err)) != BS_OK)
      fail_msg("store probe stats: %s", err);
  query_one(db,
            "SELECT string_agg(concat_ws('|', probe_id, coalesce(best_model, 'NULL'), best_bmd, "
            "best_bmdl, coalesce(best_bmdu::text, 'NULL'), direction, jsonb_array_length(models)),"
            " ';' ORDER BY probe_id) FROM probe_stat_results",
            got, sizeof(got));
  assert_string_equal(got, "line\nbreak|NULL|NULL|0;tab\tand\\back|hill|0.25|0.125|NULL|1|1");
  query_one(db,
            "SELECT results_s3_key || '|' || num_results FROM bmd_results WHERE num_results > 0",
            got, sizeof(got));
  assert_string_equal(got, "r/probe_stats.json.gz|2");

  /* the same fits as one chunk of another result, the first awaiting
   * flagged-Hill option 4/5's values: the chunk writes the second's row
   * with its done mark (once, redelivered too), the gather the first's */
  fits[0].best.needs_hill_fix = 1;
  assert_int_equal(bs_results_probe_row_final(&fits[0]), 0);
  assert_int_equal(bs_results_probe_row_final(&fits[1]), 1);
  size_t count = 1, left = 0;
  bs_bmd_chunk chunk;
  assert_int_equal(bs_bmd_chunks_plan(db, bmd[2], 2, &count, &left, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_bmd_chunk_get(db, bmd[2], 0, &chunk, err, sizeof(err)), BS_OK);
  char chunk_rows[256];
  snprintf(chunk_rows, sizeof(chunk_rows),
           "SELECT string_agg(probe_id, ';' ORDER BY probe_id) FROM probe_stat_results "
           "WHERE bmd_result_id = %lld",
           (long long)bmd[2]);
  char chunk_path[512];
  snprintf(chunk_path, sizeof(chunk_path), "%s/projects/%lld/results/%lld/chunks/0.fits", dir,
           (long long)project, (long long)bmd[2]);
  int complete = -1;
  for (int round = 0; round < 2; round++) {
    int last = -1;
    if (bs_bmd_chunk_store(db, store, project, bmd[2], ds, &chunk, fits, &last, &complete, err,
                           sizeof(err)) != BS_OK)
      fail_msg("store chunk: %s", err);
    assert_int_equal(last, round == 0); /* the redelivery marks nothing */
    assert_int_equal(complete, 0);
    query_one(db, chunk_rows, got, sizeof(got));
    assert_string_equal(got, "line\nbreak");
  }
  assert_int_equal(access(chunk_path, F_OK), 0);
  /* the object gives back the fits as stored (it is compressed) and no
   * piece (a probe awaits the steps across probes); a damaged one is
   * refused, naming its key */
  const size_t chunk_probes[2] = {1, 3};
  bmd_probe_fit *back = NULL;
  bs_bmd_piece *pieces = NULL;
  size_t n_pieces = 0;
  if (bs_bmd_chunks_load(db, store, bmd[2], chunk_probes, 2, &back, &pieces, &n_pieces, err,
                         sizeof(err)) != BS_OK)
    fail_msg("load chunk: %s", err);
  assert_int_equal(n_pieces, 1);
  assert_int_equal(pieces[0].rendered, 0);
  assert_memory_equal(back, fits, sizeof(fits));
  free(back);
  bs_bmd_pieces_destroy(pieces, n_pieces);
  FILE *object = fopen(chunk_path, "r+b");
  assert_non_null(object);
  assert_int_equal(fseek(object, -6, SEEK_END), 0); /* in the gzip trailer's CRC-32 */
  int byte = fgetc(object);
  assert_int_equal(fseek(object, -6, SEEK_END), 0);
  fputc(byte ^ 0x5a, object);
  fclose(object);
  back = NULL;
  pieces = NULL;
  assert_int_equal(bs_bmd_chunks_load(db, store, bmd[2], chunk_probes, 2, &back, &pieces, &n_pieces,
                                      err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "chunks/0.fits: not the fits of chunk 0"));
  assert_null(back);
  bs_bmd_chunk marked;
  assert_int_equal(bs_bmd_chunk_get(db, bmd[2], 0, &marked, err, sizeof(err)), BS_OK);
  assert_true(marked.done && marked.marked_last); /* the only one, so the last */
  assert_int_equal(bs_results_bmd_complete(db, bmd[2], &complete, err, sizeof(err)), BS_OK);
  assert_int_equal(complete, 0);
  fits[0].best.needs_hill_fix = 0; /* as the steps across probes leave it */
  const unsigned char deferred[2] = {1, 0};
  for (int round = 0; round < 2; round++)
    if (bs_results_store_probe_stats(db, store, "r2/probe_stats.json.gz", bmd[2], ds, fits, 2,
                                     deferred, NULL, 0, err, sizeof(err)) != BS_OK)
      fail_msg("store the gather's probe stats: %s", err);
  query_one(db, chunk_rows, got, sizeof(got));
  assert_string_equal(got, "line\nbreak;tab\tand\\back");
  query_one(db, "SELECT count(*) FROM probe_stat_results", got, sizeof(got));
  assert_string_equal(got, "4");
  assert_int_equal(bs_results_bmd_complete(db, bmd[2], &complete, err, sizeof(err)), BS_OK);
  assert_int_equal(complete, 1);

  /* complete: its chunk objects deleted (again: none left, fine); a chunk
   * fitted again after that (a late event) stores its object again and is
   * told the result is complete, marking nothing, so that it deletes it */
  size_t deleted = 0;
  for (int round = 0; round < 2; round++) {
    assert_int_equal(bs_bmd_chunks_delete(store, project, bmd[2], &deleted, err, sizeof(err)),
                     BS_OK);
    assert_int_equal(deleted, round == 0 ? 1 : 0);
    assert_int_equal(access(chunk_path, F_OK), -1);
  }
  int last = -1;
  assert_int_equal(bs_bmd_chunk_store(db, store, project, bmd[2], ds, &chunk, fits, &last,
                                      &complete, err, sizeof(err)),
                   BS_OK);
  assert_int_equal(last, 0);
  assert_int_equal(complete, 1);
  assert_int_equal(access(chunk_path, F_OK), 0);
  /* another result's deletion leaves it */
  assert_int_equal(bs_bmd_chunks_delete(store, project, bmd[0], &deleted, err, sizeof(err)), BS_OK);
  assert_int_equal(deleted, 0);
  assert_int_equal(access(chunk_path, F_OK), 0);
  assert_int_equal(bs_bmd_chunks_delete(store, project, bmd[2], &deleted, err, sizeof(err)), BS_OK);
  assert_int_equal(deleted, 1);
  assert_int_equal(access(chunk_path, F_OK), -1);
  query_one(db, "SELECT count(*) FROM probe_stat_results", got, sizeof(got));
  assert_string_equal(got, "4");

  /* category result: upserted on (BMD result, settings) */
  int64_t cat[2];
  json_t *cs = json_pack("{s:{s:s}}", "category", "type", "none");
  for (int round = 0; round < 2; round++)
    assert_int_equal(
        bs_results_upsert_category(db, project, bmd[0], "none", cs, &cat[round], err, sizeof(err)),
        BS_OK);
  assert_int_equal(cat[0], cat[1]);
  /* type none: no analysis, no rows, no tPOD, the export prefix kept */
  assert_int_equal(
      bs_results_store_categories(db, cat[0], NULL, NULL, "projects/1/exports/x", err, sizeof(err)),
      BS_OK);
  query_one(db,
            "SELECT num_categories || '|' || (tpod IS NULL) || '|' || results_s3_key FROM "
            "category_results",
            got, sizeof(got));
  assert_string_equal(got, "0|true|projects/1/exports/x");

  json_decref(cs);
  json_decref(settings);
  bs_objstore_destroy(store);
  char cmd[64];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
  bmd_prefilter_result_destroy(pr);
  bmd_dataset_destroy(ds);
  bs_db_destroy(db);
  bs_test_drop_db(url, name);
}

int main(void) {
  bs_test_env_or_exit("BMDSTREAM_DATABASE_URL");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_result_tables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
