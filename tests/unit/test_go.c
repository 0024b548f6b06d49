/*
 * test_go.c - GO categories from an OBO ontology and GAF / gene2go
 * annotations (bs/go.h), on the hand-made files in tests/data/go/.
 *
 * small.obo (is_a: solid, part_of: [p], regulates: ignored):
 *
 *   BP  GO:1 root process (level 1)
 *        +- GO:2 process A (alt_id GO:92; level 2)
 *        |    +- GO:4 process A1 (is_a GO:2, part_of GO:3 [p]; level 3)
 *        +- GO:3 process B (level 2)
 *        +- GO:5 regulation of process A1 (regulates GO:4: not followed; level 2)
 *      GO:6 obsolete process (level 0)
 *   MF  GO:10 root function (1) +- GO:11 binding (2)
 *   CC  GO:20 root component (1) +- GO:21 nucleus (2)
 *   (GO:n stands for GO:000000n.)
 *
 * probe_map.txt: p1..p5 -> genes 101..105, p6 -> SYMF.
 *
 * gene2go.txt, row by row (11 lines):
 *   header                          comment
 *   101 GO:4  IDA  9606             used
 *   102 GO:92 IEA  9606             used (alt_id of GO:2)
 *   103 GO:5  TAS  9606             used
 *   103 GO:4  IDA  "NOT involved_in" not qualified
 *   104 GO:11 IDA  9606             used
 *   104 GO:6  IDA  9606             obsolete term
 *   105 GO:21 ND   9606             used
 *   105 GO:3  IDA  10090            used (other taxon when taxon = 9606)
 *   999 GO:3  IDA  9606             off platform
 *   101 GO:9999999                  unknown term
 * Propagated, biological_process, no filter (gene: its terms):
 *   101: 4 2 3 1   102: 2 1   103: 5 1   105: 3 1
 *   so GO:1 {101 102 103 105}, GO:2 {101 102}, GO:3 {101 105}, GO:4 {101},
 *   GO:5 {103}.
 * taxon 9606: 105 loses GO:3 -> GO:1 {101 102 103}, GO:3 {101}.
 * taxon 9606, exclude IEA and ND: 102 goes too -> GO:1 {101 103}, GO:2 {101}.
 * molecular_function: GO:10 {104}, GO:11 {104}; cellular_component:
 * GO:20 {105}, GO:21 {105}; universal: the BP five, MF two, CC two.
 *
 * small.gaf (GAF 2.2, two '!' lines):
 *   NCBIGene 101 GENEA  GO:4  P 9606            col 2 (Entrez id) matches
 *   NCBIGene 102 GENEB  GO:2  P 9606 IEA
 *   NCBIGene 103 GENEC  GO:3  NOT|involved_in   not qualified
 *   UniProtKB Q00001 SYMF GO:11 F 9606|10090    col 3 (symbol) matches
 *   NCBIGene 103 GENEC  GO:5  P 10090
 *   BP: GO:1 {101 102 103}, GO:2 {101 102}, GO:3 {101}, GO:4 {101},
 *   GO:5 {103}; MF: GO:10 {SYMF}, GO:11 {SYMF}.
 *
 * cycle.obo: GO:1 root; GO:2 is_a GO:1 and GO:3; GO:3 is_a GO:2 (a cycle
 * reachable from the root: levels 1, 2, 3); GO:7 is_a GO:8, GO:8 part_of
 * GO:7 (a cycle no root reaches: level 0); ancestors of GO:3 are {3, 2, 1},
 * of GO:7 {7, 8}, and the walks end.
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
#include "bs/go.h"

#define GO BS_TEST_DATA "/go/"

/* "GO:0000001 101,102;GO:0000002 ..." of a's categories, in order */
static void describe(const bmd_annotation *a, char *out, size_t size) {
  size_t len = 0, genes[64];
  out[0] = '\0';
  for (size_t c = 0; c < bmd_annotation_n_categories(a); c++) {
    size_t n = bmd_annotation_category_genes(a, c, genes);
    len += (size_t)snprintf(out + len, size - len, "%s%s ", c ? ";" : "",
                            bmd_annotation_category_id(a, c));
    for (size_t i = 0; i < n; i++)
      len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "",
                              bmd_annotation_gene_id(a, genes[i]));
  }
}

/* The categories of annotations file under opt, described. */
static void run(bs_go_ontology *o, const char *file, const bs_go_options *opt, bs_go_counts *counts,
                char *out, size_t size) {
  char err[512];
  bmd_annotation *a = bmd_annotation_new();
  assert_non_null(a);
  assert_int_equal(bs_annotation_read_probe_map(a, GO "probe_map.txt", err, sizeof(err)), 0);
  int rc = bs_go_annotation_add(a, o, file, opt, counts, err, sizeof(err));
  if (rc != 0)
    fail_msg("%s", err);
  describe(a, out, size);
  bmd_annotation_destroy(a);
}

static void test_ontology(void **state) {
  (void)state;
  char err[512];
  bs_go_ontology *o = bs_go_ontology_read(GO "small.obo", err, sizeof(err));
  if (!o)
    fail_msg("%s", err);
  assert_int_equal(bs_go_ontology_n_terms(o), 10);
  size_t t4 = bs_go_term_find(o, "GO:0000004");
  assert_string_equal(bs_go_term_name(o, t4), "process A1");
  assert_int_equal(bs_go_term_aspect(o, t4), BS_GO_BIOLOGICAL_PROCESS);
  assert_int_equal(bs_go_term_find(o, "GO:0000092"), bs_go_term_find(o, "GO:0000002"));
  assert_int_equal(bs_go_term_find(o, "GO:0000099"), (size_t)-1);
  assert_true(bs_go_term_obsolete(o, bs_go_term_find(o, "GO:0000006")));
  static const struct {
    const char *id;
    unsigned level;
  } levels[] = {{"GO:0000001", 1}, {"GO:0000002", 2}, {"GO:0000003", 2}, {"GO:0000004", 3},
                {"GO:0000005", 2}, {"GO:0000006", 0}, {"GO:0000010", 1}, {"GO:0000011", 2},
                {"GO:0000020", 1}, {"GO:0000021", 2}};
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
    assert_int_equal(bs_go_term_level(o, bs_go_term_find(o, levels[i].id)), levels[i].level);
  size_t anc[10];
  assert_int_equal(bs_go_term_ancestors(o, &t4, 1, anc), 4); /* 4, 2, 3, 1 */
  assert_string_equal(bs_go_term_id(o, anc[3]), "GO:0000001");
  size_t t5 = bs_go_term_find(o, "GO:0000005");
  assert_int_equal(bs_go_term_ancestors(o, &t5, 1, anc), 2); /* regulates not followed */
  bs_go_ontology_destroy(o);
}

static void test_cycles(void **state) {
  (void)state;
  char err[512];
  bs_go_ontology *o = bs_go_ontology_read(GO "cycle.obo", err, sizeof(err));
  if (!o)
    fail_msg("%s", err);
  size_t t3 = bs_go_term_find(o, "GO:0000003"), t7 = bs_go_term_find(o, "GO:0000007"), anc[5];
  assert_int_equal(bs_go_term_level(o, bs_go_term_find(o, "GO:0000002")), 2);
  assert_int_equal(bs_go_term_level(o, t3), 3);
  assert_int_equal(bs_go_term_level(o, t7), 0);
  assert_int_equal(bs_go_term_ancestors(o, &t3, 1, anc), 3);
  assert_int_equal(bs_go_term_ancestors(o, &t7, 1, anc), 2);
  bs_go_ontology_destroy(o);
}

static void test_gene2go(void **state) {
  (void)state;
  char err[512], got[1024];
  bs_go_ontology *o = bs_go_ontology_read(GO "small.obo", err, sizeof(err));
  assert_non_null(o);
  bs_go_options opt = {BS_GO_BIOLOGICAL_PROCESS, NULL, 0, 0};
  bs_go_counts c;
  run(o, GO "gene2go.txt", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000001 101,102,103,105;GO:0000002 101,102;GO:0000003 101,105;"
                           "GO:0000004 101;GO:0000005 103");
  assert_int_equal(c.format, BS_GO_FORMAT_GENE2GO);
  assert_int_equal(c.lines, 11);
  assert_int_equal(c.comments, 1);
  assert_int_equal(c.not_qualified, 1);
  assert_int_equal(c.obsolete_term, 1);
  assert_int_equal(c.unknown_term, 1);
  assert_int_equal(c.off_platform, 1);
  assert_int_equal(c.other_taxon, 0);
  assert_int_equal(c.used, 6);
  /* gzip gives the same */
  run(o, GO "gene2go.txt.gz", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000001 101,102,103,105;GO:0000002 101,102;GO:0000003 101,105;"
                           "GO:0000004 101;GO:0000005 103");
  opt.taxon = 9606;
  run(o, GO "gene2go.txt", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000001 101,102,103;GO:0000002 101,102;GO:0000003 101;"
                           "GO:0000004 101;GO:0000005 103");
  assert_int_equal(c.other_taxon, 1);
  assert_int_equal(c.used, 5);
  const char *const codes[] = {"IEA", "ND"};
  opt.exclude_evidence = codes;
  opt.n_exclude_evidence = 2;
  run(o, GO "gene2go.txt", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000001 101,103;GO:0000002 101;GO:0000003 101;"
                           "GO:0000004 101;GO:0000005 103");
  assert_int_equal(c.excluded_evidence, 2);
  opt = (bs_go_options){BS_GO_MOLECULAR_FUNCTION, NULL, 0, 0};
  run(o, GO "gene2go.txt", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000010 104;GO:0000011 104");
  opt.aspect = BS_GO_CELLULAR_COMPONENT;
  run(o, GO "gene2go.txt", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000020 105;GO:0000021 105");
  opt.aspect = BS_GO_UNIVERSAL;
  run(o, GO "gene2go.txt", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000001 101,102,103,105;GO:0000002 101,102;GO:0000003 101,105;"
                           "GO:0000004 101;GO:0000005 103;GO:0000010 104;GO:0000011 104;"
                           "GO:0000020 105;GO:0000021 105");
  bs_go_ontology_destroy(o);
}

static void test_gaf(void **state) {
  (void)state;
  char err[512], got[1024];
  bs_go_ontology *o = bs_go_ontology_read(GO "small.obo", err, sizeof(err));
  assert_non_null(o);
  bs_go_options opt = {BS_GO_BIOLOGICAL_PROCESS, NULL, 0, 0};
  bs_go_counts c;
  run(o, GO "small.gaf", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000001 101,102,103;GO:0000002 101,102;GO:0000003 101;"
                           "GO:0000004 101;GO:0000005 103");
  assert_int_equal(c.format, BS_GO_FORMAT_GAF);
  assert_int_equal(c.comments, 2);
  assert_int_equal(c.not_qualified, 1);
  assert_int_equal(c.used, 4);
  opt.aspect = BS_GO_MOLECULAR_FUNCTION;
  opt.taxon = 9606; /* the first taxon of "taxon:9606|taxon:10090" */
  run(o, GO "small.gaf", &opt, &c, got, sizeof(got));
  assert_string_equal(got, "GO:0000010 SYMF;GO:0000011 SYMF");
  assert_int_equal(c.other_taxon, 1); /* 103's GO:5 row, taxon 10090 */
  bs_go_ontology_destroy(o);
}

static void test_bad_files(void **state) {
  (void)state;
  static const struct {
    const char *file, *want;
  } obo[] = {
      {"bad_tag.obo", "bad_tag.obo:5: expected 'tag: value'"},
      {"bad_parent.obo", "bad_parent.obo:5: term GO:0000001: parent GO:0000009 is not in"},
      {"bad_namespace.obo", "bad_namespace.obo:4: unknown namespace 'biological_stuff'"},
      {"bad_duplicate.obo", "bad_duplicate.obo:6: duplicate term GO:0000001 (first at line 1)"},
      {"probe_map.txt", "probe_map.txt:1: expected 'tag: value'"},
      {"missing.obo", "missing.obo: cannot open"},
  };
  char err[512];
  for (size_t i = 0; i < sizeof(obo) / sizeof(obo[0]); i++) {
    char path[512];
    snprintf(path, sizeof(path), GO "%s", obo[i].file);
    assert_null(bs_go_ontology_read(path, err, sizeof(err)));
    if (!strstr(err, obo[i].want))
      fail_msg("%s: got '%s'", obo[i].file, err);
  }
  static const struct {
    const char *file, *want;
  } ann[] = {
      {"bad_columns.gaf", "bad_columns.gaf:3: expected 15 to 17 tab-separated GAF columns, got 5"},
      {"bad_aspect.gaf", "bad_aspect.gaf:2: aspect (column 9) must be P, F or C"},
      {"bad_taxon.txt", "bad_taxon.txt:2: tax_id (column 1) must be a positive integer"},
      {"bad_format.txt", "bad_format.txt:1: neither a GAF"},
  };
  bs_go_ontology *o = bs_go_ontology_read(GO "small.obo", err, sizeof(err));
  assert_non_null(o);
  bs_go_options opt = {BS_GO_BIOLOGICAL_PROCESS, NULL, 0, 0};
  bs_go_counts c;
  for (size_t i = 0; i < sizeof(ann) / sizeof(ann[0]); i++) {
    char path[512];
    snprintf(path, sizeof(path), GO "%s", ann[i].file);
    bmd_annotation *a = bmd_annotation_new();
    assert_int_equal(bs_annotation_read_probe_map(a, GO "probe_map.txt", err, sizeof(err)), 0);
    assert_int_equal(bs_go_annotation_add(a, o, path, &opt, &c, err, sizeof(err)), -1);
    if (!strstr(err, ann[i].want))
      fail_msg("%s: got '%s'", ann[i].file, err);
    bmd_annotation_destroy(a);
  }
  bs_go_ontology_destroy(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ontology),  cmocka_unit_test(test_cycles),
      cmocka_unit_test(test_gene2go),   cmocka_unit_test(test_gaf),
      cmocka_unit_test(test_bad_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
