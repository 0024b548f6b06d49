/*
 * test_db_credentials.c - which role a program logs in as, and how its
 * credentials file is read (bs_db_connect_as; docs/security.md,
 * "PostgreSQL roles"). No server is needed: the connections here either
 * fail before connecting or go to a port where nothing listens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs/db.h"

static void test_principals(void **state) {
  (void)state;
  assert_string_equal(bs_db_principal("bmdstream-import"), "bmdstream-import");
  assert_string_equal(bs_db_principal("bmdstream-prefilter"), "bmdstream-prefilter");
  assert_string_equal(bs_db_principal("bmdstream-bmd"), "bmdstream-bmd");
  assert_string_equal(bs_db_principal("bmdstream-category"), "bmdstream-category");
  assert_string_equal(bs_db_principal("bmdstream-tracker"), "bmdstream-tracker");
  /* every `bmdstream` command, whatever its Kafka principal */
  assert_string_equal(bs_db_principal("bmdstream"), BS_DB_ADMIN);
  assert_string_equal(bs_db_principal("bmdstream-replay"), BS_DB_ADMIN);
  assert_string_equal(bs_db_principal("bmdstream-lag"), BS_DB_ADMIN);
  assert_string_equal(bs_db_principal(NULL), BS_DB_ADMIN);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_files(void **state) {
  (void)state;
  char dir[] = "/tmp/bs-db-creds-XXXXXX", path[256], err[512];
  assert_non_null(mkdtemp(dir));
  bs_db *db = NULL;
  const char *url = "postgresql://owner:owner-secret@127.0.0.1:1/x?connect_timeout=2";

  /* a directory without the program's file: named, permanent */
  assert_int_equal(bs_db_connect_as(url, dir, "bmdstream-bmd", &db, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_null(db);
  snprintf(path, sizeof(path), "%s/bmdstream-bmd.conninfo", dir);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "database_credentials"));

  /* malformed: named, the text never quoted */
  write_file(path, "hunter2-secret\n");
  assert_int_equal(bs_db_connect_as(url, dir, "bmdstream-bmd", &db, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "not libpq connection keywords"));
  assert_null(strstr(err, "hunter2"));

  /* well-formed: the file's user goes to the server (nothing listens on
   * port 1, so the attempt fails as retriable, after the file was read) */
  write_file(path, "user=bmdstream_bmd password=bmd-secret\n");
  assert_int_equal(bs_db_connect_as(url, dir, "bmdstream-bmd", &db, err, sizeof(err)),
                   BS_ERR_RETRIABLE);
  assert_non_null(strstr(err, "database connection failed"));
  assert_null(strstr(err, "bmd-secret"));

  /* the administrator never reads a file: the URL alone */
  assert_int_equal(bs_db_connect_as(url, dir, "bmdstream", &db, err, sizeof(err)),
                   BS_ERR_RETRIABLE);
  /* no credentials: the URL alone, for every program */
  assert_int_equal(bs_db_connect_as(url, "", "bmdstream-tracker", &db, err, sizeof(err)),
                   BS_ERR_RETRIABLE);
  /* a malformed URL is permanent, credentials or not */
  assert_int_equal(
      bs_db_connect_as("not = a = conninfo", dir, "bmdstream-bmd", &db, err, sizeof(err)),
      BS_ERR_PERMANENT);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_principals),
      cmocka_unit_test(test_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
