/*
 * test_reactome.c - Reactome pathway categories from NCBI2Reactome.txt
 * (bs/reactome.h), on the hand-made files in tests/data/reactome/ with the
 * GO tests' probe map (tests/data/go/probe_map.txt: p1..p5 -> genes
 * 101..105, p6 -> SYMF; platform order 101 102 103 104 105 SYMF).
 *
 * small.txt, line by line (10 lines; columns gene, pathway, URL, name,
 * evidence, species):
 *    1  101 R-HSA-1 Pathway A TAS Homo sapiens     used
 *    2  102 R-HSA-1 Pathway A TAS Homo sapiens     used
 *    3  101 R-HSA-1 Pathway A IEA Homo sapiens     repeated (line 1's pair)
 *    4  (blank)                                    comment
 *    5  # a comment                                comment
 *    6  105 R-HSA-2 Pathway B IEA Homo sapiens     used
 *    7  101 R-HSA-2 Pathway B TAS Homo sapiens     used
 *    8  104 R-MMU-3 Pathway C IEA Mus musculus     other species (with Homo sapiens)
 *    9  999 R-HSA-4 Pathway D TAS Homo sapiens     off platform: no Pathway D
 *   10  103 R-HSA-2 Pathway B TAS Homo sapiens     used
 * Categories in the order the file first names them, genes in platform
 * order: species "Homo sapiens": R-HSA-1 {101 102}, R-HSA-2 {101 103 105};
 * counts 10 lines, 2 comments, 1 other species, 1 off platform, 1
 * repeated, 5 used. Any species: the same, then R-MMU-3 {104}; 0 other
 * species, 6 used. small.txt.gz is the same file gzipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/annotation.h"
#include "bs/reactome.h"

#define RX BS_TEST_DATA "/reactome/"

/* "R-HSA-1 Pathway A: 101,102;..." of a's categories, in order */
static void describe(const bmd_annotation *a, char *out, size_t size) {
  size_t len = 0, genes[64];
  out[0] = '\0';
  for (size_t c = 0; c < bmd_annotation_n_categories(a); c++) {
    size_t n = bmd_annotation_category_genes(a, c, genes);
    len += (size_t)snprintf(out + len, size - len, "%s%s %s: ", c ? ";" : "",
                            bmd_annotation_category_id(a, c), bmd_annotation_category_name(a, c));
    for (size_t i = 0; i < n; i++)
      len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "",
                              bmd_annotation_gene_id(a, genes[i]));
  }
}

/* bs_reactome_add of file on the probe map; its rc, errstr or categories
 * into out. */
static int run(const char *file, const char *species, bs_reactome_counts *c, char *out,
               size_t size) {
  char err[512];
  bmd_annotation *a = bmd_annotation_new();
  assert_non_null(a);
  assert_int_equal(
      bs_annotation_read_probe_map(a, BS_TEST_DATA "/go/probe_map.txt", err, sizeof(err)), 0);
  int rc = bs_reactome_add(a, file, species, c, out, size);
  if (rc == 0)
    describe(a, out, size);
  bmd_annotation_destroy(a);
  return rc;
}

static void test_species(void **state) {
  (void)state;
  bs_reactome_counts c;
  char got[1024];
  assert_int_equal(run(RX "small.txt", "Homo sapiens", &c, got, sizeof(got)), 0);
  assert_string_equal(got, "R-HSA-1 Pathway A: 101,102;R-HSA-2 Pathway B: 101,103,105");
  assert_int_equal(c.lines, 10);
  assert_int_equal(c.comments, 2);
  assert_int_equal(c.other_species, 1);
  assert_int_equal(c.off_platform, 1);
  assert_int_equal(c.repeated, 1);
  assert_int_equal(c.used, 5);
}

static void test_any_species_and_gzip(void **state) {
  (void)state;
  static const char want[] =
      "R-HSA-1 Pathway A: 101,102;R-HSA-2 Pathway B: 101,103,105;R-MMU-3 Pathway C: 104";
  const char *files[] = {RX "small.txt", RX "small.txt.gz"};
  for (size_t i = 0; i < 2; i++) {
    bs_reactome_counts c;
    char got[1024];
    assert_int_equal(run(files[i], i ? "" : NULL, &c, got, sizeof(got)), 0);
    assert_string_equal(got, want);
    assert_int_equal(c.other_species, 0);
    assert_int_equal(c.off_platform, 1);
    assert_int_equal(c.repeated, 1);
    assert_int_equal(c.used, 6);
  }
}

static void test_bad_files(void **state) {
  (void)state;
  static const struct {
    const char *file, *species, *want;
  } bad[] = {
      {"bad_columns.txt", NULL,
       "bad_columns.txt:2: expected 6 tab-separated columns (gene, pathway id, URL, pathway "
       "name, evidence, species), found 5"},
      {"bad_id.txt", NULL,
       "bad_id.txt:1: pathway id (column 2) is not a Reactome stable id (R-<species>-<number>)"},
      {"bad_name.txt", NULL, "bad_name.txt:2: empty pathway name (column 4)"},
      {"empty.txt", NULL, "empty.txt: no pathway rows"},
      {"small.txt", "Rattus norvegicus",
       "small.txt: no row of species \"Rattus norvegicus\" (column 6; the first row's is \"Homo "
       "sapiens\")"},
      {"missing.txt", NULL, "missing.txt: cannot open"},
      /* a GO annotation file is not a Reactome file */
      {"../go/gene2go.txt", NULL, "gene2go.txt:2: expected 6 tab-separated columns"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char path[512], err[512];
    bs_reactome_counts c;
    snprintf(path, sizeof(path), RX "%s", bad[i].file);
    assert_int_equal(run(path, bad[i].species, &c, err, sizeof(err)), -1);
    if (!strstr(err, bad[i].want))
      fail_msg("%s: got '%s'", bad[i].file, err);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_species),
      cmocka_unit_test(test_any_species_and_gzip),
      cmocka_unit_test(test_bad_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
