/*
 * test_db_params.c - typed statement parameters as the server receives
 * them (bs_db_param_text), and the parameter limit of bs_db_query.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bs/db.h"

static void test_param_text(void **state) {
  (void)state;
  char buf[BS_DB_PARAM_TEXT_SIZE];
  bs_db_param p = BS_DB_INT64(INT64_MIN);
  assert_string_equal(bs_db_param_text(&p, buf), "-9223372036854775808");
  p = BS_DB_INT64(42);
  assert_string_equal(bs_db_param_text(&p, buf), "42");
  p = BS_DB_DOUBLE(0.15);
  assert_string_equal(bs_db_param_text(&p, buf), "0.14999999999999999");
  p = BS_DB_DOUBLE(-1.7976931348623157e308);
  assert_string_equal(bs_db_param_text(&p, buf), "-1.7976931348623157e+308");
  p = BS_DB_BOOL(7);
  assert_string_equal(bs_db_param_text(&p, buf), "t");
  p = BS_DB_BOOL(0);
  assert_string_equal(bs_db_param_text(&p, buf), "f");
  const char *name = "a name";
  p = BS_DB_TEXT(name);
  assert_ptr_equal(bs_db_param_text(&p, buf), name); /* not copied */
  p = BS_DB_TEXT(NULL);
  assert_null(bs_db_param_text(&p, buf));
  p = BS_DB_NULL;
  assert_null(bs_db_param_text(&p, buf));
}

static void test_conditional_params(void **state) {
  (void)state;
  /* Optional values read as one expression. */
  char buf[BS_DB_PARAM_TEXT_SIZE];
  int64_t id = 0;
  const bs_db_param params[] = {id > 0 ? BS_DB_INT64(id) : BS_DB_NULL, BS_DB_TEXT("x")};
  assert_null(bs_db_param_text(&params[0], buf));
  assert_string_equal(bs_db_param_text(&params[1], buf), "x");
}

static void test_too_many_params(void **state) {
  (void)state;
  bs_db_param params[BS_DB_MAX_PARAMS + 1];
  for (size_t i = 0; i <= BS_DB_MAX_PARAMS; i++)
    params[i] = BS_DB_INT64(i);
  char err[256];
  PGresult *res = (PGresult *)1;
  /* Refused before the connection is touched. */
  assert_int_equal(
      bs_db_query(NULL, "SELECT 1", BS_DB_MAX_PARAMS + 1, params, &res, err, sizeof(err)),
      BS_ERR_PERMANENT);
  assert_null(res);
  assert_non_null(strstr(err, "at most"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_param_text),
      cmocka_unit_test(test_conditional_params),
      cmocka_unit_test(test_too_many_params),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
