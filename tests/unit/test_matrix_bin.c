/*
 * test_matrix_bin.c - matrix.bin round trip on the example data, and
 * refusal of truncated, corrupt, foreign and future-version objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bs/matrix_bin.h"
#include "bs/matrix_import.h"

static bmd_dataset *example(void) {
  bmd_dataset *ds = NULL;
  char err[512];
  if (bs_matrix_import_file(BS_TEST_DATA "/bmdexpress/example data 2.txt", NULL, BMD_LOG_BASE10,
                            &ds, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  return ds;
}

static void test_round_trip(void **state) {
  (void)state;
  bmd_dataset *ds = example(), *back = NULL;
  void *buf = NULL;
  size_t len = 0;
  char err[512];
  assert_int_equal(bs_matrix_bin_encode(ds, &buf, &len), 0);
  assert_memory_equal(buf, "BMDMATRX", 8);
  assert_int_equal(bs_matrix_bin_decode(buf, len, &back, err, sizeof(err)), 0);
  assert_int_equal(back->n_probes, ds->n_probes);
  assert_int_equal(back->n_samples, ds->n_samples);
  assert_int_equal(back->n_groups, ds->n_groups);
  assert_int_equal(back->log_base, BMD_LOG_BASE10);
  assert_memory_equal(back->doses, ds->doses, ds->n_samples * sizeof(double));
  assert_memory_equal(back->values, ds->values, ds->n_probes * ds->n_samples * sizeof(double));
  for (size_t p = 0; p < ds->n_probes; p++)
    assert_string_equal(back->probe_ids[p], ds->probe_ids[p]);
  for (size_t s = 0; s < ds->n_samples; s++)
    assert_string_equal(back->sample_ids[s], ds->sample_ids[s]);
  /* Encoding is deterministic: the same dataset gives the same bytes. */
  void *again = NULL;
  size_t again_len = 0;
  assert_int_equal(bs_matrix_bin_encode(back, &again, &again_len), 0);
  assert_int_equal(again_len, len);
  assert_memory_equal(again, buf, len);
  free(again);
  free(buf);
  bmd_dataset_destroy(ds);
  bmd_dataset_destroy(back);
}

static void expect_refusal(const void *buf, size_t len, const char *what) {
  bmd_dataset *ds = NULL;
  char err[512] = "";
  assert_int_equal(bs_matrix_bin_decode(buf, len, &ds, err, sizeof(err)), -1);
  assert_null(ds);
  if (!strstr(err, what))
    fail_msg("expected \"%s\", got \"%s\"", what, err);
}

static void test_refusals(void **state) {
  (void)state;
  bmd_dataset *ds = example();
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(bs_matrix_bin_encode(ds, &buf, &len), 0);
  unsigned char *b = buf;
  expect_refusal(b, 10, "truncated");
  expect_refusal(b, len / 2, "truncated");
  expect_refusal(b, len - 1, "checksum mismatch");

  unsigned char *copy = malloc(len);
  memcpy(copy, b, len);
  copy[len / 2] ^= 0x40; /* one flipped bit in the values */
  expect_refusal(copy, len, "checksum mismatch");
  memcpy(copy, b, len);
  copy[0] = 'X';
  expect_refusal(copy, len, "wrong magic");
  memcpy(copy, b, len);
  copy[8] = 2; /* a future version */
  expect_refusal(copy, len, "format version 2 is not supported");
  free(copy);
  free(buf);
  bmd_dataset_destroy(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
