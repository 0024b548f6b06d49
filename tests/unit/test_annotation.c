/*
 * test_annotation.c - probe maps, category maps and GMT files: small good
 * files, the BMDExpress Hallmark / S1500+ example files (counts made with
 * awk, see tests/data/bmdexpress/SOURCES-annotation.md), gzip input, and a
 * corpus of bad files each refused with file, line and reason.
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

#include "bs/annotation.h"

#define ANNOT BS_TEST_DATA "/annotation/"
#define PROBE_MAP BS_TEST_DATA "/bmdexpress/Probe Map File_Human_S1500+ Probe to Entrez Gene.txt"
#define HALLMARK BS_TEST_DATA "/bmdexpress/Category Map File_ MsigDB Hallmark Gene Sets.txt"

static size_t find_category(const bmd_annotation *a, const char *id) {
  for (size_t c = 0; c < bmd_annotation_n_categories(a); c++)
    if (strcmp(bmd_annotation_category_id(a, c), id) == 0)
      return c;
  return (size_t)-1;
}

static void test_good_files(void **state) {
  (void)state;
  char err[512];
  bmd_annotation *a = bmd_annotation_new();
  /* CRLF, a blank line, "G2; G3" split, " G4 " trimmed, extra column ignored */
  assert_int_equal(bs_annotation_read_probe_map(a, ANNOT "good_probe_map.txt", err, sizeof(err)),
                   0);
  assert_int_equal(bmd_annotation_n_probes(a), 3);
  assert_int_equal(bmd_annotation_n_genes(a), 4);
  assert_string_equal(bmd_annotation_gene_id(a, 3), "G4");
  assert_int_equal(
      bs_annotation_read_category_map(a, ANNOT "good_category_map.txt", err, sizeof(err)), 0);
  assert_int_equal(bmd_annotation_n_categories(a), 2);
  assert_string_equal(bmd_annotation_category_name(a, 1), "C2"); /* empty name -> id */
  assert_int_equal(bmd_annotation_category_size(a, 0), 2);
  assert_int_equal(bs_annotation_read_gmt(a, ANNOT "good.gmt", err, sizeof(err)), 0);
  assert_int_equal(bmd_annotation_n_categories(a), 4);
  size_t b = find_category(a, "SET_B");
  assert_int_not_equal(b, (size_t)-1);
  assert_int_equal(bmd_annotation_category_size(a, b), 3);
  assert_int_equal(bmd_annotation_category_size(a, find_category(a, "SET_A")), 2);
  bmd_annotation_destroy(a);

  a = bs_annotation_load(ANNOT "good_probe_map.txt", NULL, NULL, 1, err, sizeof(err));
  assert_non_null(a);
  assert_int_equal(bmd_annotation_n_categories(a), 4); /* G1..G4 */
  bmd_annotation_destroy(a);
  assert_null(bs_annotation_load(ANNOT "good_probe_map.txt", NULL, NULL, 0, err, sizeof(err)));
  assert_non_null(strstr(err, "exactly one"));
}

/* awk: 2982 distinct probes, 3130 probe-gene pairs, 50 sets, M5890 with 199 genes */
static void test_bmdexpress_examples(void **state) {
  (void)state;
  char err[512];
  bmd_annotation *a = bs_annotation_load(PROBE_MAP, HALLMARK, NULL, 0, err, sizeof(err));
  if (!a)
    fail_msg("%s", err);
  assert_int_equal(bmd_annotation_n_probes(a), 2982);
  assert_int_equal(bmd_annotation_n_categories(a), 50);
  size_t c = find_category(a, "M5890");
  assert_string_equal(bmd_annotation_category_name(a, c), "HALLMARK_TNFA_SIGNALING_VIA_NFKB");
  assert_int_equal(bmd_annotation_category_size(a, c), 199);
  size_t total = 0;
  for (size_t i = 0; i < 50; i++)
    total += bmd_annotation_category_size(a, i);
  assert_int_equal(total, 7287);
  bmd_annotation_destroy(a);
}

/* Writes len bytes of src gzip-compressed to path; keep = bytes of the
 * compressed file kept (0 = all). */
static void write_gz(const char *src, const char *path, long keep) {
  FILE *in = fopen(src, "rb");
  assert_non_null(in);
  gzFile gz = gzopen(path, "wb");
  assert_non_null(gz);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
    assert_int_equal(gzwrite(gz, buf, (unsigned)n), (int)n);
  fclose(in);
  assert_int_equal(gzclose(gz), Z_OK);
  if (keep)
    assert_int_equal(truncate(path, keep), 0);
}

static void test_gzip(void **state) {
  (void)state;
  char dir[] = "/tmp/bs_annot_XXXXXX", path[256], err[512];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/hallmark.txt.gz", dir);
  write_gz(HALLMARK, path, 0);
  bmd_annotation *a = bs_annotation_load(PROBE_MAP, path, NULL, 0, err, sizeof(err));
  if (!a)
    fail_msg("%s", err);
  assert_int_equal(bmd_annotation_n_categories(a), 50);
  bmd_annotation_destroy(a);
  /* truncated gzip stream: refused with a read error */
  write_gz(HALLMARK, path, 20000);
  a = bs_annotation_load(PROBE_MAP, path, NULL, 0, err, sizeof(err));
  assert_null(a);
  assert_non_null(strstr(err, "hallmark.txt.gz:"));
  assert_non_null(strstr(err, "read error"));
  unlink(path);
  rmdir(dir);
}

typedef int (*reader_fn)(bmd_annotation *, const char *, char *, size_t);

static void expect_refused(reader_fn fn, const char *file, const char *where, const char *why) {
  char path[512], err[512] = "";
  snprintf(path, sizeof(path), ANNOT "%s", file);
  bmd_annotation *a = bmd_annotation_new();
  int rc = fn(a, path, err, sizeof(err));
  bmd_annotation_destroy(a);
  if (rc != -1 || !strstr(err, where) || !strstr(err, why))
    fail_msg("%s: rc %d, error \"%s\", wanted \"%s\" and \"%s\"", file, rc, err, where, why);
}

static void test_bad_files(void **state) {
  (void)state;
  expect_refused(bs_annotation_read_probe_map, "missing.txt", "missing.txt: cannot open",
                 "No such");
  expect_refused(bs_annotation_read_probe_map, "bad_empty.txt", "bad_empty.txt:", "empty file");
  expect_refused(bs_annotation_read_probe_map, "bad_header_one_column.txt",
                 "bad_header_one_column.txt:1:", "header has 1 column");
  expect_refused(bs_annotation_read_probe_map, "bad_probe_missing_gene.txt",
                 "bad_probe_missing_gene.txt:3:", "1 field, expected at least 2");
  expect_refused(bs_annotation_read_probe_map, "bad_probe_empty_id.txt",
                 "bad_probe_empty_id.txt:2:", "empty Array Probe");
  expect_refused(bs_annotation_read_probe_map, "bad_probe_empty_gene.txt",
                 "bad_probe_empty_gene.txt:2:", "empty Category Component");
  expect_refused(bs_annotation_read_probe_map, "bad_no_rows.txt",
                 "bad_no_rows.txt:", "no data rows");
  expect_refused(bs_annotation_read_probe_map, "bad_binary.txt", "bad_binary.txt:2:", "NUL byte");
  expect_refused(bs_annotation_read_category_map, "bad_category_two_columns.txt",
                 "bad_category_two_columns.txt:3:", "2 fields, expected at least 3");
  expect_refused(bs_annotation_read_category_map, "good_probe_map.txt",
                 "good_probe_map.txt:1:", "header has 2 columns");
  expect_refused(bs_annotation_read_gmt, "bad_duplicate_set.gmt",
                 "bad_duplicate_set.gmt:2:", "SET_A appears twice");
  expect_refused(bs_annotation_read_gmt, "bad_empty_set.gmt",
                 "bad_empty_set.gmt:2:", "SET_B has no genes");
  expect_refused(bs_annotation_read_gmt, "bad_short.gmt",
                 "bad_short.gmt:1:", "2 fields, expected at least 3");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_files),
      cmocka_unit_test(test_bmdexpress_examples),
      cmocka_unit_test(test_gzip),
      cmocka_unit_test(test_bad_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
