/*
 * test_matrix_import.c - BMDExpress expression files: the example data,
 * header/no header, gzip, CR-LF, stable sort by dose, and every file of the
 * bad-input corpus (tests/data/bad/EXPECTED.tsv) refused with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "bs/matrix_import.h"

static void test_example_data(void **state) {
  (void)state;
  bmd_dataset *ds = NULL;
  char err[512];
  int rc = bs_matrix_import_file(BS_TEST_DATA "/bmdexpress/example data 1.txt", NULL, BMD_LOG_BASE2,
                                 &ds, err, sizeof(err));
  if (rc != 0)
    fail_msg("%s", err);
  assert_int_equal(ds->n_probes, 2977);
  assert_int_equal(ds->n_samples, 30);
  assert_int_equal(ds->n_groups, 7);
  assert_int_equal(ds->group_size[0], 12);
  assert_true(ds->group_dose[6] > 1499.7 && ds->group_dose[6] < 1499.8);
  for (size_t g = 1; g < 7; g++)
    assert_int_equal(ds->group_size[g], 3);
  assert_int_equal(ds->log_base, BMD_LOG_BASE2);
  /* Values are rounded to float as BMDExpress stores them. */
  for (size_t i = 0; i < ds->n_probes * ds->n_samples; i++)
    assert_true(ds->values[i] == (double)(float)ds->values[i]);
  bmd_dataset_destroy(ds);
}

static void test_formats(void **state) {
  (void)state;
  char err[512];
  bmd_dataset *ds = NULL;
  /* No header, CR-LF, notes, samples out of dose order (stable sort). */
  const char *text = "a note\r\nDose\t10\t0\t10\t0\r\n\r\nP1\t1\t2\t3\t4\r\nP2\t5\t6\t7\t8\r\n";
  assert_int_equal(
      bs_matrix_import_buffer(text, strlen(text), "mem", NULL, BMD_LOG_NONE, &ds, err, sizeof(err)),
      0);
  assert_int_equal(ds->n_samples, 4);
  assert_string_equal(ds->sample_ids[0], "Column 1");
  assert_string_equal(ds->sample_ids[1], "Column 3");
  assert_true(ds->values[0] == 2 && ds->values[1] == 4 && ds->values[2] == 1);
  assert_string_equal(ds->probe_ids[1], "P2");
  bmd_dataset_destroy(ds);

  /* The same through a gzip file. */
  char path[] = "/tmp/bs-import-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  gzFile gz = gzopen(path, "wb");
  gzputs(gz, "SampleID\ts1\ts2\ts3\ts4\nDose\t0\t0\t3\t3\nG1\t1.5\t2.5\t3.5\t4.5\n");
  gzclose(gz);
  assert_int_equal(bs_matrix_import_file(path, NULL, BMD_LOG_BASE2, &ds, err, sizeof(err)), 0);
  assert_string_equal(ds->sample_ids[3], "s4");
  assert_true(ds->values[3] == 4.5);
  bmd_dataset_destroy(ds);
  unlink(path);
}

static void test_bad_corpus(void **state) {
  (void)state;
  FILE *f = fopen(BS_TEST_DATA "/bad/EXPECTED.tsv", "r");
  assert_non_null(f);
  char line[1024];
  int checked = 0;
  while (fgets(line, sizeof(line), f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    line[strcspn(line, "\n")] = '\0';
    char *tab = strchr(line, '\t');
    assert_non_null(tab);
    *tab = '\0';
    char path[1600], err[1024];
    snprintf(path, sizeof(path), "%s/bad/%s", BS_TEST_DATA, line);
    bs_import_limits lim = bs_import_limits_default();
    if (!strcmp(line, "too_many_probes.txt"))
      lim.max_probes = 2;
    bmd_dataset *ds = NULL;
    err[0] = '\0';
    int rc = bs_matrix_import_file(path, &lim, BMD_LOG_BASE2, &ds, err, sizeof(err));
    if (rc == 0 || !strstr(err, tab + 1))
      fail_msg("%s: expected an error containing \"%s\", got rc %d \"%s\"", line, tab + 1, rc, err);
    assert_null(ds);
    assert_non_null(strstr(err, line)); /* the file is named */
    checked++;
  }
  fclose(f);
  assert_true(checked >= 12);
}

static void test_long_line_and_byte_limit(void **state) {
  (void)state;
  size_t n = 2 << 20;
  char *text = malloc(n + 64);
  int off = sprintf(text, "SampleID\tA\tB\nDose\t0\t1\nP1\t1\t");
  memset(text + off, '9', n);
  strcpy(text + off + n, "\n");
  bmd_dataset *ds = NULL;
  char err[512];
  assert_int_equal(bs_matrix_import_buffer(text, strlen(text), "big.txt", NULL, BMD_LOG_BASE2, &ds,
                                           err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "big.txt:3: line longer than 1048576 bytes"));
  bs_import_limits lim = bs_import_limits_default();
  lim.max_bytes = 100;
  assert_int_equal(bs_matrix_import_buffer(text, strlen(text), "big.txt", &lim, BMD_LOG_BASE2, &ds,
                                           err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "more than the limit of 100"));
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example_data),
      cmocka_unit_test(test_formats),
      cmocka_unit_test(test_bad_corpus),
      cmocka_unit_test(test_long_line_and_byte_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
