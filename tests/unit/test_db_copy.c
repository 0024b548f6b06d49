/*
 * test_db_copy.c - COPY text-format rows: separators, escapes, NULLs,
 * numbers and arrays as PostgreSQL's COPY ... FROM STDIN reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "bs/db_copy.h"

static void assert_rows(bs_copy_text *copy, const char *expected) {
  size_t len = 0;
  const char *text = bs_copy_text_get(copy, &len);
  assert_non_null(text);
  assert_int_equal(len, strlen(expected));
  assert_memory_equal(text, expected, len);
}

static void test_columns_and_rows(void **state) {
  (void)state;
  bs_copy_text *copy = bs_copy_text_new();
  assert_non_null(copy);
  bs_copy_text_add_int(copy, -42);
  bs_copy_text_add_str(copy, "probe_1");
  bs_copy_text_add_bool(copy, 1);
  bs_copy_text_end_row(copy);
  bs_copy_text_add_int(copy, INT64_MAX);
  bs_copy_text_add_null(copy);
  bs_copy_text_add_bool(copy, 0);
  bs_copy_text_end_row(copy);
  assert_rows(copy, "-42\tprobe_1\tt\n9223372036854775807\t\\N\tf\n");
  bs_copy_text_destroy(copy);
}

static void test_text_escapes(void **state) {
  (void)state;
  bs_copy_text *copy = bs_copy_text_new();
  bs_copy_text_add_str(copy, "a\\b\tc\nd\re");
  bs_copy_text_add_str(copy, NULL);
  bs_copy_text_add_str(copy, "");
  bs_copy_text_end_row(copy);
  assert_rows(copy, "a\\\\b\\tc\\nd\\re\t\\N\t\n");
  bs_copy_text_destroy(copy);
}

static void test_numbers(void **state) {
  (void)state;
  bs_copy_text *copy = bs_copy_text_new();
  bs_copy_text_add_double(copy, 0.1);
  bs_copy_text_add_double(copy, NAN);
  bs_copy_text_add_double(copy, -INFINITY);
  bs_copy_text_add_double(copy, 2.5);
  bs_copy_text_end_row(copy);
  assert_rows(copy, "0.10000000000000001\t\\N\t\\N\t2.5\n");
  bs_copy_text_destroy(copy);
}

static void test_arrays(void **state) {
  (void)state;
  const double v[] = {1.0 / 3.0, NAN, 4};
  bs_copy_text *copy = bs_copy_text_new();
  bs_copy_text_add_doubles(copy, v, 3, 9);
  bs_copy_text_add_doubles(copy, v, 0, 9);
  bs_copy_text_add_doubles(copy, v, 1, 17);
  bs_copy_text_end_row(copy);
  assert_rows(copy, "{0.333333333,NULL,4}\t{}\t{0.33333333333333331}\n");
  bs_copy_text_destroy(copy);
}

static void test_null_handle(void **state) {
  (void)state;
  /* A failed _new: every call is a no-op and _send reports the memory. */
  size_t len = 1;
  bs_copy_text_add_str(NULL, "x");
  bs_copy_text_add_double(NULL, 1);
  bs_copy_text_end_row(NULL);
  assert_null(bs_copy_text_get(NULL, &len));
  assert_int_equal(len, 0);
  char err[128] = "";
  assert_int_equal(bs_copy_text_send(NULL, NULL, "COPY t FROM STDIN", err, sizeof(err)),
                   BS_ERR_RETRIABLE);
  assert_non_null(strstr(err, "out of memory"));
  bs_copy_text_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_columns_and_rows), cmocka_unit_test(test_text_escapes),
      cmocka_unit_test(test_numbers),          cmocka_unit_test(test_arrays),
      cmocka_unit_test(test_null_handle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
