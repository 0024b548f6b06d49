/*
 * test_db_errors.c - the error classes of database failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bs/db.h"

static void test_sqlstate_classes(void **state) {
  (void)state;
  assert_int_equal(bs_db_status_from_sqlstate("08006"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_db_status_from_sqlstate("40001"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_db_status_from_sqlstate("40P01"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_db_status_from_sqlstate("53300"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_db_status_from_sqlstate("57P01"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_db_status_from_sqlstate(NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_db_status_from_sqlstate("23505"), BS_ERR_PERMANENT); /* unique */
  assert_int_equal(bs_db_status_from_sqlstate("42601"), BS_ERR_PERMANENT); /* syntax */
  assert_int_equal(bs_db_status_from_sqlstate("22P02"), BS_ERR_PERMANENT); /* bad input */
}

static void test_unreachable_server_is_retriable(void **state) {
  (void)state;
  char err[512];
  bs_db *db = NULL;
  /* Port 1 on loopback: nothing listens there. */
  bs_status st =
      bs_db_connect("host=127.0.0.1 port=1 dbname=x connect_timeout=2", &db, err, sizeof(err));
  assert_int_equal(st, BS_ERR_RETRIABLE);
  assert_null(db);
  assert_non_null(strstr(err, "database connection failed"));
  /* libpq says it on two lines ("Connection refused\n\tIs the server
   * running ..."): the message is one line, the break a single space. */
  assert_non_null(strstr(err, "Connection refused Is the server running"));
  assert_null(strchr(err, '\n'));
  assert_null(strchr(err, '\t'));
}

static void test_malformed_conninfo_is_permanent(void **state) {
  (void)state;
  char err[512];
  bs_db *db = NULL;
  bs_status st = bs_db_connect("this is not = a = conninfo", &db, err, sizeof(err));
  assert_int_equal(st, BS_ERR_PERMANENT);
  assert_null(db);
  bs_db_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sqlstate_classes),
      cmocka_unit_test(test_unreachable_server_is_retriable),
      cmocka_unit_test(test_malformed_conninfo_is_permanent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
