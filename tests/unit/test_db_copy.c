/*
 * test_db_copy.c - COPY binary-format rows, byte for byte as PostgreSQL's
 * COPY ... FROM STDIN WITH (FORMAT binary) reads them (its documentation,
 * "Binary Format", and each type's receive function): header, column
 * counts, lengths, NULLs, numbers in network byte order, text, jsonb's
 * version byte, arrays and the trailer. test_experiments_db loads such
 * rows into the real server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "bs/db_copy.h"

/* The header: signature, flags 0, extension length 0 (19 bytes). */
static const unsigned char header[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n',
                                         0,   0,   0,   0,   0,   0,   0,    0,    0};

/* copy's data is the header, body[0..n) and the trailer (int16 -1). */
static void assert_data(bs_copy_rows *copy, const unsigned char *body, size_t n) {
  size_t len = 0;
  const unsigned char *data = bs_copy_rows_data(copy, &len);
  assert_non_null(data);
  assert_int_equal(len, sizeof(header) + n + 2);
  assert_memory_equal(data, header, sizeof(header));
  assert_memory_equal(data + sizeof(header), body, n);
  assert_int_equal(data[len - 2], 0xff);
  assert_int_equal(data[len - 1], 0xff);
}

static void test_integers_text_bool_null(void **state) {
  (void)state;
  bs_copy_rows *copy = bs_copy_rows_new();
  assert_non_null(copy);
  bs_copy_add_int8(copy, -2);
  bs_copy_add_int4(copy, 258);
  bs_copy_add_int2(copy, -1);
  bs_copy_add_text(copy, "gène");
  bs_copy_add_bool(copy, 7);
  bs_copy_add_null(copy);
  bs_copy_add_text(copy, NULL);
  bs_copy_end_row(copy);
  bs_copy_add_bool(copy, 0);
  bs_copy_end_row(copy);
  const unsigned char body[] = {
      0,    7,                                                                /* 7 columns */
      0,    0,    0,    8,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, /* int8 -2 */
      0,    0,    0,    4,    0,    0,    1,    2,                            /* int4 258 */
      0,    0,    0,    2,    0xff, 0xff,                                     /* int2 -1 */
      0,    0,    0,    5,    'g',  0xc3, 0xa8, 'n',  'e', /* text, UTF-8 bytes */
      0,    0,    0,    1,    1,                           /* true */
      0xff, 0xff, 0xff, 0xff,                              /* NULL */
      0xff, 0xff, 0xff, 0xff,                              /* NULL text */
      0,    1,    0,    0,    0,    1,    0};              /* row 2: false */
  assert_data(copy, body, sizeof(body));
  bs_copy_rows_destroy(copy);
}

static void test_float8_and_jsonb(void **state) {
  (void)state;
  bs_copy_rows *copy = bs_copy_rows_new();
  bs_copy_add_float8(copy, 2.5);
  bs_copy_add_float8(copy, NAN);
  bs_copy_add_float8(copy, -INFINITY);
  bs_copy_add_jsonb(copy, "[1]");
  bs_copy_end_row(copy);
  const unsigned char body[] = {0,    4, /* 4 columns */
                                0,    0,    0,    8,    0x40, 4,   0,   0,  0, 0, 0, 0, /* 2.5 */
                                0xff, 0xff, 0xff, 0xff,                       /* NaN: NULL */
                                0xff, 0xff, 0xff, 0xff,                       /* -inf: NULL */
                                0,    0,    0,    4,    1,    '[', '1', ']'}; /* jsonb v1 */
  assert_data(copy, body, sizeof(body));
  bs_copy_rows_destroy(copy);
}

static void test_arrays(void **state) {
  (void)state;
  const double v[] = {-2, NAN, 0.1};
  bs_copy_rows *copy = bs_copy_rows_new();
  bs_copy_add_float8_array(copy, v, 2);
  bs_copy_add_float4_array(copy, v + 2, 1);
  bs_copy_add_float4_array(copy, v, 0);
  bs_copy_end_row(copy);
  const unsigned char body[] = {0, 3, /* 3 columns */
                                /* float8[] {-2,NULL}: 12 + 8 + 2 * 4 + 8 = 36 bytes */
                                0, 0, 0, 36, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 2,
                                189,                    /* ndim 1, has nulls, oid 701 */
                                0, 0, 0, 2, 0, 0, 0, 1, /* 2 elements from 1 */
                                0, 0, 0, 8, 0xc0, 0, 0, 0, 0, 0, 0, 0, /* -2 */
                                0xff, 0xff, 0xff, 0xff,                /* NULL */
                                /* real[] {0.1f}: 12 + 8 + 4 + 4 = 28 bytes; 0.1f = 0x3dcccccd */
                                0, 0, 0, 28, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 188, 0, 0, 0, 1, 0, 0,
                                0, 1, 0, 0, 0, 4, 0x3d, 0xcc, 0xcc, 0xcd,
                                /* real[] {}: no dimension */
                                0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 188};
  assert_data(copy, body, sizeof(body));
  bs_copy_rows_destroy(copy);
}

static void test_no_rows_and_finished(void **state) {
  (void)state;
  bs_copy_rows *copy = bs_copy_rows_new();
  assert_data(copy, NULL, 0);
  /* once the data is taken, nothing more is added */
  bs_copy_add_int4(copy, 1);
  bs_copy_end_row(copy);
  assert_data(copy, NULL, 0);
  bs_copy_rows_destroy(copy);
}

static void test_null_handle(void **state) {
  (void)state;
  /* A failed _new: every call is a no-op and _load reports the memory. */
  size_t len = 1;
  bs_copy_add_text(NULL, "x");
  bs_copy_add_float8(NULL, 1);
  bs_copy_add_float8_array(NULL, (const double[]){1}, 1);
  bs_copy_end_row(NULL);
  assert_null(bs_copy_rows_data(NULL, &len));
  assert_int_equal(len, 0);
  char err[128] = "";
  assert_int_equal(bs_copy_rows_load(NULL, NULL, "t", "a", "s", "a int", err, sizeof(err)),
                   BS_ERR_RETRIABLE);
  assert_non_null(strstr(err, "out of memory"));
  bs_copy_rows_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integers_text_bool_null),
      cmocka_unit_test(test_float8_and_jsonb),
      cmocka_unit_test(test_arrays),
      cmocka_unit_test(test_no_rows_and_finished),
      cmocka_unit_test(test_null_handle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
