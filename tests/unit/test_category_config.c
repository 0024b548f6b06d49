/*
 * test_category_config.c - BMDExpress 3 categoryAnalysisConfigs entries
 * (shapes of the example analyze configs) mapped to category options, and
 * every unsupported setting named in an error or warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bs/category_config.h"

static json_t *parse(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (!j)
    fail_msg("bad test JSON: %s", e.text);
  return j;
}

/* the "defined" entry of analyze-config1.json */
static void test_defined(void **state) {
  (void)state;
  json_t *j = parse("{\"@type\": \"defined\", \"removePromiscuousProbes\": true,"
                    " \"removeBMDGreaterHighDose\": true, \"bmdPValueCutoff\": 0.1,"
                    " \"bmdRSquaredCutoff\": 0.5, \"bmdBMDLRatioMin\": null,"
                    " \"bmduBMDRatioMin\": null, \"bmduBMDLRatioMin\": 20.0,"
                    " \"nFoldBelowLowestDose\": 10.0, \"identifyConflictingProbeSets\": null,"
                    " \"correlationCutoffForConflictingProbeSets\": null,"
                    " \"probeFilePath\": \"defined/probes.txt\","
                    " \"categoryFilePath\": \"defined/categories.txt\"}");
  bs_category_config c;
  char err[512];
  assert_int_equal(bs_category_config_parse(j, "categoryAnalysisConfigs[2]", &c, err, sizeof(err)),
                   0);
  assert_int_equal(c.kind, BS_CATEGORY_DEFINED);
  assert_string_equal(c.probe_file, "defined/probes.txt");
  assert_string_equal(c.category_file, "defined/categories.txt");
  const bmd_category_options *o = &c.options;
  assert_true(o->remove_promiscuous);
  assert_true(o->filter_on[BMD_CAT_FILTER_HIGH_DOSE]);
  assert_true(o->filter_on[BMD_CAT_FILTER_FIT_P] && o->fit_p_min == 0.1);
  assert_true(o->filter_on[BMD_CAT_FILTER_R_SQUARED] && o->r_squared_min == 0.5);
  assert_false(o->filter_on[BMD_CAT_FILTER_BMD_BMDL]);
  assert_false(o->filter_on[BMD_CAT_FILTER_BMDU_BMD]);
  assert_true(o->filter_on[BMD_CAT_FILTER_BMDU_BMDL] && o->bmdu_bmdl_max == 20.0);
  assert_true(o->filter_on[BMD_CAT_FILTER_LOW_DOSE] && o->low_dose_fold == 10.0);
  assert_false(o->filter_on[BMD_CAT_FILTER_FOLD_CHANGE]);
  assert_false(o->min_genes_on);
  assert_string_equal(c.warnings, "");
  json_decref(j);
}

static void expect(const char *text, int rc, const char *want) {
  json_t *j = parse(text);
  bs_category_config c;
  char err[512] = "";
  int got = bs_category_config_parse(j, "cat[0]", &c, err, sizeof(err));
  const char *msg = got == 0 ? c.warnings : err;
  if (got != rc || !strstr(msg, want))
    fail_msg("rc %d \"%s\", wanted rc %d with \"%s\"", got, msg, rc, want);
  json_decref(j);
}

static void test_refusals_and_warnings(void **state) {
  (void)state;
  expect("{\"@type\": \"go\", \"goCategory\": \"cellular\"}", -1,
         "cat[0]: \"goCategory\" must be biological_process, molecular_function");
  expect("{\"@type\": \"go\", \"goCategory\": \"universal\", \"goOboFile\": \"a.obo\","
         " \"goExtra\": 1}",
         -1, "cat[0]: unknown key \"goExtra\"");
  expect("{\"@type\": \"gene\", \"removeStepFunction\": \"true\"}", -1,
         "cat[0]: \"removeStepFunction\" must be true, false or null");
  /* REACTOME pathways run (from Reactome's file); BioPlanet does not */
  expect("{\"@type\": \"pathway\", \"signalingPathway\": \"REACTOME\","
         " \"pathwayAnnotationFile\": \"NCBI2Reactome.txt\", \"pathwaySpecies\": \"Homo sapiens\"}",
         0, "");
  expect("{\"@type\": \"pathway\", \"signalingPathway\": \"BioPlanet\"}", -1,
         "cat[0]: \"signalingPathway\": \"BioPlanet\" is not supported: only REACTOME");
  expect("{\"@type\": \"pathway\", \"pathwayFile\": \"x\"}", -1, "unknown key \"pathwayFile\"");
  expect("{\"@type\": \"gene\", \"correlationCutoffForConflictingProbeSets\": \"0.5\"}", -1,
         "\"correlationCutoffForConflictingProbeSets\" must be a number or null");
  expect("{\"@type\": \"gene\", \"williamsPrefilterPValueMaxValue\": 0.05}", -1,
         "\"williamsPrefilterPValueMaxValue\" is not supported");
  expect("{\"@type\": \"gene\", \"bmdPvalueCutoff\": 0.1}", -1, "unknown key \"bmdPvalueCutoff\"");
  expect("{\"@type\": \"gene\", \"removeAdverseDirection\": 2}", -1, "removeAdverseDirection");
  expect("{\"@type\": \"gene\", \"bmdRSquaredCutoff\": \"0.5\"}", -1,
         "\"bmdRSquaredCutoff\" must be a number or null");
  expect("{\"@type\": \"defined\", \"probeFilePath\": \"p.txt\"}", -1,
         "needs probeFilePath and categoryFilePath");
  expect("{\"removePromiscuousProbes\": true}", -1, "no \"@type\"");
}

static void test_sizes_and_direction(void **state) {
  (void)state;
  json_t *j = parse("{\"@type\": \"gene\", \"minGenesInSet\": 40, \"maxGenesInSet\": 500,"
                    " \"removeAdverseDirection\": -1, \"maxFoldChange\": 1.5,"
                    " \"removeBMDGreaterHighDose\": false}");
  bs_category_config c;
  char err[256];
  assert_int_equal(bs_category_config_parse(j, "x", &c, err, sizeof(err)), 0);
  assert_true(c.options.min_genes_on && c.options.min_genes == 40);
  assert_true(c.options.max_genes_on && c.options.max_genes == 500);
  assert_true(c.options.filter_on[BMD_CAT_FILTER_DIRECTION] && c.options.remove_direction == -1);
  assert_true(c.options.filter_on[BMD_CAT_FILTER_FOLD_CHANGE] && c.options.fold_change_min == 1.5);
  assert_false(c.options.filter_on[BMD_CAT_FILTER_HIGH_DOSE]);
  json_decref(j);
}

/* identifyConflictingProbeSets + cut-off, deduplicateGeneSets, and
 * removeAdverseDirection 0 (BMDExpress's "neither"). */
static void test_conflicts_dedup(void **state) {
  (void)state;
  json_t *j = parse("{\"@type\": \"gene\", \"identifyConflictingProbeSets\": true,"
                    " \"correlationCutoffForConflictingProbeSets\": 0.5, \"minGenesInSet\": 40,"
                    " \"deduplicateGeneSets\": true, \"removeAdverseDirection\": 0}");
  bs_category_config c;
  char err[256];
  assert_int_equal(bs_category_config_parse(j, "x", &c, err, sizeof(err)), 0);
  assert_true(c.options.identify_conflicting && c.options.conflict_r_cutoff == 0.5);
  assert_true(c.options.deduplicate);
  assert_false(c.options.filter_on[BMD_CAT_FILTER_DIRECTION]);
  assert_string_equal(c.warnings, "");
  json_decref(j);
  /* a null cut-off is CategoryAnalysisParameters' unset 0.0 */
  j = parse("{\"@type\": \"gene\", \"identifyConflictingProbeSets\": true,"
            " \"correlationCutoffForConflictingProbeSets\": null}");
  assert_int_equal(bs_category_config_parse(j, "x", &c, err, sizeof(err)), 0);
  assert_true(c.options.identify_conflicting && c.options.conflict_r_cutoff == 0.0);
  assert_false(c.options.deduplicate);
  json_decref(j);
}

/* The step-function filters of analyze-DTT.json's gene-level entry: each
 * key its own filter (not AnalyzeRunner's, which sets the BMD-lower one
 * from removeStepFunction: false here, so BMDExpress's CLI would run
 * neither). */
static void test_step_function(void **state) {
  (void)state;
  json_t *j = parse("{\"@type\": \"gene\", \"removePromiscuousProbes\": false,"
                    " \"bmdRSquaredCutoff\": 0.6, \"bmdBMDLRatioMin\": 10.0,"
                    " \"removeStepFunction\": false, \"removeStepFunctionWithBMDLower\": true}");
  bs_category_config c;
  char err[256];
  assert_int_equal(bs_category_config_parse(j, "x", &c, err, sizeof(err)), 0);
  assert_false(c.options.filter_on[BMD_CAT_FILTER_STEP]);
  assert_true(c.options.filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE]);
  json_decref(j);
  j = parse("{\"@type\": \"gene\", \"removeStepFunction\": true,"
            " \"removeStepFunctionWithBMDLower\": null}");
  assert_int_equal(bs_category_config_parse(j, "x", &c, err, sizeof(err)), 0);
  assert_true(c.options.filter_on[BMD_CAT_FILTER_STEP]);
  assert_false(c.options.filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE]);
  json_decref(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defined),
      cmocka_unit_test(test_refusals_and_warnings),
      cmocka_unit_test(test_sizes_and_direction),
      cmocka_unit_test(test_conflicts_dedup),
      cmocka_unit_test(test_step_function),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
