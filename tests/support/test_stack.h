/*
 * test_stack.h - helpers for integration tests on the real stack: read a
 * setting from the environment (skip the test when absent, or fail when
 * BMDSTREAM_TEST_REQUIRE_STACK is set), and make a fresh migrated database.
 * Header-only: include from one test file.
 */
#ifndef BS_TEST_STACK_H
#define BS_TEST_STACK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/db.h"
#include "bs/migrate.h"

/* Exit status ctest reports as "skipped" (SKIP_RETURN_CODE). */
#define BS_TEST_SKIP 77

/* Call first in main(): when var is unset, exits with BS_TEST_SKIP (or
 * fails when BMDSTREAM_TEST_REQUIRE_STACK is set). */
static inline const char *bs_test_env_or_exit(const char *var) {
  const char *v = getenv(var);
  if (v && *v)
    return v;
  if (getenv("BMDSTREAM_TEST_REQUIRE_STACK")) {
    fprintf(stderr, "%s is not set but the stack is required\n", var);
    exit(1);
  }
  fprintf(stderr, "skipping: %s not set (start the stack: scripts/stack.sh up)\n", var);
  exit(BS_TEST_SKIP);
}

/* Creates database `name` on the server of url and connects to it with
 * migrations applied. url_out receives its URL. */
static inline bs_db *bs_test_fresh_db(const char *url, const char *name, char *url_out,
                                      size_t url_size) {
  char err[1024];
  bs_db *admin = NULL;
  assert_int_equal(bs_db_connect(url, &admin, err, sizeof(err)), BS_OK);
  char sql[256];
  snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  assert_int_equal(bs_db_exec(admin, sql, 0, NULL, NULL, err, sizeof(err)), BS_OK);
  snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
  assert_int_equal(bs_db_exec(admin, sql, 0, NULL, NULL, err, sizeof(err)), BS_OK);
  bs_db_destroy(admin);
  /* Replace the path of the URL (after the host part) with the new name. */
  const char *slash = strchr(strstr(url, "://") ? strstr(url, "://") + 3 : url, '/');
  int base = slash ? (int)(slash - url) : (int)strlen(url);
  snprintf(url_out, url_size, "%.*s/%s", base, url, name);
  bs_db *db = NULL;
  assert_int_equal(bs_db_connect(url_out, &db, err, sizeof(err)), BS_OK);
  bs_migrate_report report;
  bs_status st = bs_migrate_run(db, BS_SOURCE_DIR "/sql", &report, err, sizeof(err));
  if (st != BS_OK)
    fail_msg("migrate: %s", err);
  return db;
}

static inline void bs_test_drop_db(const char *url, const char *name) {
  char err[1024], sql[256];
  bs_db *admin = NULL;
  if (bs_db_connect(url, &admin, err, sizeof(err)) != BS_OK)
    return;
  snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  if (bs_db_exec(admin, sql, 0, NULL, NULL, err, sizeof(err)) != BS_OK)
    fprintf(stderr, "could not drop %s: %s\n", name, err);
  bs_db_destroy(admin);
}

#endif
