/*
 * test_bmdx_config.c - BMDExpress 3 analyze configs: the five examples
 * BMDExpress ships (values checked against what the files say), the
 * sections we do not run named in `unsupported`, and bad files refused
 * with the file and the key path or JSON line. Category sections go
 * through bs_category_config_parse, so its refusals (e.g. DTT's
 * step-function option) reach the whole-file reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/bmdx_config.h"
#include "bs/settings.h"
#include "bs/settings_bmdx.h"

#define CONFIGS BS_TEST_DATA "/bmdexpress/analyze-configs/"

static int has_unsupported(const bs_bmdx_config *cfg, const char *needle) {
  for (size_t i = 0; i < cfg->n_unsupported; i++)
    if (strstr(cfg->unsupported[i], needle))
      return 1;
  return 0;
}

static void test_etap(void **state) {
  (void)state;
  char err[512];
  bs_bmdx_config *cfg = bs_bmdx_config_read(CONFIGS "analyze-ETAP.json", err, sizeof err);
  assert_non_null(cfg);
  assert_int_equal(cfg->n_expression, 1);
  assert_string_equal(cfg->expression[0].input_file_name, "/path/to/data/");
  assert_int_equal(cfg->expression[0].log_base, BMD_LOG_BASE2);
  assert_string_equal(cfg->expression[0].platform, "S1500_Plus_Human");
  assert_int_equal(cfg->n_prefilter, 1);
  assert_string_equal(cfg->prefilter[0].type, "williams");
  assert_true(cfg->prefilter[0].p_value_cutoff == 0.05);
  assert_int_equal(cfg->prefilter[0].number_of_permutations, 10000);
  assert_true(cfg->prefilter[0].fold_change == 1.5);
  assert_int_equal(cfg->prefilter[0].use_multiple_testing, 0);
  assert_int_equal(cfg->n_bmds, 1);
  const bs_bmdx_bmds *b = &cfg->bmds[0];
  assert_int_equal(b->n_models, 6);
  const char *models[] = {"hill", "power", "poly1", "poly2", "exp3", "exp5"};
  for (size_t i = 0; i < 6; i++)
    assert_string_equal(b->models[i], models[i]);
  assert_int_equal(b->best_poly_test, 2);
  assert_int_equal(b->k_parameter_value, 3);
  assert_int_equal(b->best_model_with_flagged_hill, 2);
  assert_true(b->bmr_factor == 1.349);
  assert_int_equal(b->bmr_type, 1);
  assert_string_equal(b->input_category, "williams");
  /* its only category section is GO: named, not run */
  assert_int_equal(cfg->n_category, 0);
  assert_true(has_unsupported(cfg, "categoryAnalysisConfigs[0]: GO category analysis"));
  assert_true(has_unsupported(cfg, "bm2FileName"));
  bs_bmdx_config_destroy(cfg);
}

/* DTT: the curve-fit prefilter takes the Williams results
 * (inputCategory), the gene-level section's step-function filter runs,
 * the GO section without GO files is skipped. */
static void test_dtt(void **state) {
  (void)state;
  char err[512];
  bs_bmdx_config *cfg = bs_bmdx_config_read(CONFIGS "analyze-DTT.json", err, sizeof err);
  assert_non_null(cfg);
  assert_int_equal(cfg->n_prefilter, 2); /* williams, curvefit */
  assert_int_equal(cfg->prefilter_at[0], 0);
  assert_int_equal(cfg->prefilter_at[1], 1);
  assert_null(cfg->prefilter[0].input_category);
  assert_string_equal(cfg->prefilter[1].type, "curvefit");
  assert_string_equal(cfg->prefilter[1].input_category, "williams");
  assert_string_equal(cfg->prefilter[1].name_suffix, "_curvefitprefilter_nofoldfilter");
  /* the gene-level section runs, with removeStepFunctionWithBMDLower only */
  assert_int_equal(cfg->n_category, 1);
  assert_int_equal(cfg->category_at[0], 1);
  assert_false(cfg->category[0].options.filter_on[BMD_CAT_FILTER_STEP]);
  assert_true(cfg->category[0].options.filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE]);
  /* CategoryMapTool's name parts: removeBMDGreaterHighDose _true, BMD/BMDL
   * 10.0 as "#.####" -> _ratio10, conflicting probe sets 0.5 -> _conf0.5
   * (the step-function filters add none) */
  assert_string_equal(cfg->category[0].name_suffix, "_true_ratio10_conf0.5");
  /* skipped, list by list: maConfigs[0], then GO without GO files */
  assert_int_equal(cfg->n_skipped, 2);
  assert_string_equal(cfg->skipped[0].list, "maConfigs");
  assert_string_equal(cfg->skipped[0].input_category, "curvefit_prefilter");
  assert_string_equal(cfg->skipped[1].list, "categoryAnalysisConfigs");
  assert_int_equal(cfg->skipped[1].index, 0);
  assert_non_null(strstr(cfg->skipped[1].reason, "goOboFile"));
  assert_string_equal(cfg->skipped[1].name_suffix, "_GO_biological_process_true_ratio10_conf0.5");
  bs_bmdx_config_destroy(cfg);
}

/* PrefilterService's names: p as "#.####" (0.05), the fold change as
 * Java's Double.toString (2.0 -> "2.0", 1.5 -> "1.5"). */
static void test_names(void **state) {
  (void)state;
  json_t *anova =
      json_pack("{s:s, s:f, s:b, s:b, s:f}", "@type", "anova", "pValueCutoff", 0.05,
                "useMultipleTestingCorrection", 0, "useFoldChange", 1, "foldChange", 2.0);
  json_t *williams =
      json_pack("{s:s, s:f, s:b, s:b, s:f}", "@type", "williams", "pValueCutoff", 0.012345,
                "useMultipleTestingCorrection", 1, "useFoldChange", 1, "foldChange", 1.5);
  json_t *nofold = json_pack("{s:s, s:b}", "@type", "anova", "useFoldChange", 0);
  json_t *defined = json_pack("{s:s, s:s, s:b, s:f, s:f}", "@type", "defined", "categoryFilePath",
                              "maps/my.cats.txt", "removePromiscuousProbes", 1, "bmdPValueCutoff",
                              0.1, "nFoldBelowLowestDose", 10.25);
  char *a = bs_bmdx_prefilter_suffix(anova), *w = bs_bmdx_prefilter_suffix(williams),
       *n = bs_bmdx_prefilter_suffix(nofold), *d = bs_bmdx_category_suffix(defined);
  assert_string_equal(a, "_oneway_0.05_NOMTC_foldfilter2.0");
  /* 0.012345 to 4 decimals: 0.0123 */
  assert_string_equal(w, "_williams_0.0123_MTC_foldfilter1.5");
  assert_string_equal(n, "_oneway_0.05_NOMTC_nofoldfilter");
  /* the category file without its last extension; n-fold as "#.#": 10.25
   * is a tie, rounded half-even as DecimalFormat does: 10.2 */
  assert_string_equal(d, "_DEFINED-my.cats_true_pval0.1_nfold10.2");
  free(a);
  free(w);
  free(n);
  free(d);
  json_decref(anova);
  json_decref(williams);
  json_decref(nofold);
  json_decref(defined);
}

static void test_config1_defined(void **state) {
  (void)state;
  char err[512];
  bs_bmdx_config *cfg = bs_bmdx_config_read(CONFIGS "analyze-config1.json", err, sizeof err);
  assert_non_null(cfg);
  assert_int_equal(cfg->expression[0].has_headers, 0);
  assert_int_equal(cfg->n_prefilter, 3); /* anova, williams, curvefit */
  assert_string_equal(cfg->prefilter[0].type, "anova");
  const bs_bmdx_prefilter *cf = &cfg->prefilter[2];
  assert_string_equal(cf->type, "curvefit");
  assert_int_equal(cf->n_models, 6); /* hill, power, poly1, poly2, exp5, exp3 */
  assert_string_equal(cf->models[2], "poly1");
  assert_true(cf->bmr_factor == 1.021 && cf->poly2_bmr_factor == 1.021);
  assert_int_equal(cf->constant_variance, 1);
  assert_int_equal(cf->lotel_test, 2);
  assert_true(cfg->prefilter[0].fold_change == 2.0);
  assert_int_equal(cfg->prefilter[1].number_of_permutations, 50);
  assert_int_equal(cfg->n_bmds, 2);
  assert_int_equal(cfg->bmds[1].n_models, 7);
  assert_string_equal(cfg->bmds[1].models[4], "poly3");
  assert_true(cfg->bmds[0].modify_flagged_hill_fraction == 0.05);
  assert_int_equal(cfg->n_category, 1);
  const bs_bmdx_category *k = &cfg->category[0];
  assert_string_equal(k->type, "defined");
  assert_string_equal(k->probe_file, "defined/probes.txt");
  char *p = bs_bmdx_config_resolve(cfg, k->category_file);
  assert_string_equal(p, CONFIGS "defined/categories.txt");
  free(p);
  const bmd_category_options o = k->options;
  assert_int_equal(o.filter_on[BMD_CAT_FILTER_FIT_P], 1);
  assert_true(o.fit_p_min == 0.1);
  assert_int_equal(o.filter_on[BMD_CAT_FILTER_BMDU_BMDL], 1);
  assert_true(o.bmdu_bmdl_max == 20.0);
  assert_int_equal(o.filter_on[BMD_CAT_FILTER_LOW_DOSE], 1);
  assert_true(o.low_dose_fold == 10.0);
  assert_int_equal(o.filter_on[BMD_CAT_FILTER_BMD_BMDL], 0); /* null */
  assert_true(has_unsupported(cfg, "pathway category analysis"));
  bs_bmdx_config_destroy(cfg);
}

static void test_all_examples_parse(void **state) {
  (void)state;
  const char *names[] = {"analyze-config2.json", "analyze-config3.json"};
  for (size_t i = 0; i < 2; i++) {
    char path[512], err[512];
    snprintf(path, sizeof path, CONFIGS "%s", names[i]);
    bs_bmdx_config *cfg = bs_bmdx_config_read(path, err, sizeof err);
    if (!cfg)
      fail_msg("%s", err);
    assert_true(cfg->n_unsupported > 0);
    assert_true(cfg->n_category > 0); /* the defined sections */
    bs_bmdx_config_destroy(cfg);
  }
}

/* Writes text to a temporary file, reads it, returns the error text. */
static void expect_refusal(const char *text, const char *needle) {
  char path[] = "/tmp/bmdx_config_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  char err[512] = "";
  bs_bmdx_config *cfg = bs_bmdx_config_read(path, err, sizeof err);
  unlink(path);
  if (cfg)
    fail_msg("accepted: %s", text);
  if (!strstr(err, needle) || !strstr(err, path))
    fail_msg("error \"%s\" lacks \"%s\" or the file name", err, needle);
}

/* Writes text to a temporary file and reads it (the file is removed). */
static bs_bmdx_config *read_text(const char *text, char *path, char *err, size_t size) {
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  bs_bmdx_config *cfg = bs_bmdx_config_read(path, err, size);
  unlink(path);
  return cfg;
}

/* GO sections: run when they name goOboFile and goAnnotationFile (our
 * extension keys), named and skipped when not; the mapping takes the files
 * from the section (resolved against the config's folder) or from the
 * settings, and refuses naming the setting when neither has them. */
static void test_go_sections(void **state) {
  (void)state;
  char path[] = "/tmp/bmdx_go_XXXXXX", err[1024] = "";
  bs_bmdx_config *cfg = read_text(
      "{\"expressionDataConfigs\":[{\"inputFileName\":\"x.txt\"}],"
      " \"categoryAnalysisConfigs\":["
      "  {\"@type\":\"go\", \"goCategory\":\"biological_process\"},"
      "  {\"@type\":\"go\", \"goCategory\":\"universal\", \"goOboFile\":\"go-basic.obo\","
      "   \"goAnnotationFile\":\"/data/goa_human.gaf.gz\", \"probeFilePath\":\"probes.txt\","
      "   \"minGenesInSet\":5}]}",
      path, err, sizeof(err));
  if (!cfg)
    fail_msg("%s", err);
  assert_true(has_unsupported(cfg, "categoryAnalysisConfigs[0]: GO category analysis needs the "
                                   "GO files"));
  assert_true(has_unsupported(cfg, "\"goOboFile\""));
  assert_int_equal(cfg->n_category, 1);
  bs_bmdx_category *k = &cfg->category[0];
  assert_string_equal(k->type, "go");
  assert_string_equal(k->go_category, "universal");

  json_t *sparse = json_object();
  bs_bmdx_analysis a;
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof(err)),
      0);
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.type")), "go");
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.go.aspect")),
                      "universal");
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.go.obo")),
                      "/tmp/go-basic.obo");
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.go.annotations")),
                      "/data/goa_human.gaf.gz");
  assert_int_equal(json_integer_value(bs_settings_get(sparse, "category.filters.min_genes_in_set")),
                   5);
  assert_string_equal(a.probe_map, "/tmp/probes.txt");
  bs_bmdx_analysis_free(&a);
  json_decref(sparse);

  /* without the files in the section: from the settings, else refused */
  free(k->go_obo_file);
  free(k->go_annotation_file);
  k->go_obo_file = k->go_annotation_file = NULL;
  sparse = json_object();
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof(err)),
      -1);
  assert_non_null(strstr(err, "categoryAnalysisConfigs[0]: GO category analysis needs the GO "
                              "ontology (OBO): name it with \"goOboFile\" in the section or the "
                              "setting category.go.obo (--go-obo)"));
  assert_int_equal(bs_settings_set_text(sparse, bs_setting_find("category.go.obo"), "mine.obo", err,
                                        sizeof(err)),
                   0);
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof(err)),
      -1);
  assert_non_null(strstr(err, "setting category.go.annotations (--go-annotations)"));
  assert_int_equal(bs_settings_set_text(sparse, bs_setting_find("category.go.annotations"),
                                        "gene2go.gz", err, sizeof(err)),
                   0);
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof(err)),
      0);
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.go.obo")), "mine.obo");
  bs_bmdx_analysis_free(&a);
  json_decref(sparse);
  bs_bmdx_config_destroy(cfg);

  /* a bad goCategory is refused with the section named */
  char path2[] = "/tmp/bmdx_go_XXXXXX";
  assert_null(read_text("{\"expressionDataConfigs\":[{\"inputFileName\":\"x.txt\"}],"
                        " \"categoryAnalysisConfigs\":[{\"@type\":\"go\", \"goCategory\":\"all\","
                        " \"goOboFile\":\"a.obo\", \"goAnnotationFile\":\"a.gaf\"}]}",
                        path2, err, sizeof(err)));
  assert_non_null(strstr(err, "categoryAnalysisConfigs[0]: \"goCategory\" must be"));
}

/* pathway sections (REACTOME): run when they name pathwayAnnotationFile,
 * named and skipped when not; the mapping takes the file from the section
 * (resolved against the config's folder) or the settings, and refuses
 * naming the setting when neither has it. */
static void test_pathway_sections(void **state) {
  (void)state;
  char path[] = "/tmp/bmdx_rx_XXXXXX", err[1024] = "";
  bs_bmdx_config *cfg = read_text(
      "{\"expressionDataConfigs\":[{\"inputFileName\":\"x.txt\"}],"
      " \"categoryAnalysisConfigs\":["
      "  {\"@type\":\"pathway\", \"signalingPathway\":\"REACTOME\"},"
      "  {\"@type\":\"pathway\", \"signalingPathway\":\"REACTOME\","
      "   \"pathwayAnnotationFile\":\"NCBI2Reactome.txt\", \"pathwaySpecies\":\"Homo sapiens\","
      "   \"probeFilePath\":\"probes.txt\"}]}",
      path, err, sizeof(err));
  if (!cfg)
    fail_msg("%s", err);
  assert_true(has_unsupported(cfg, "categoryAnalysisConfigs[0]: pathway category analysis needs "
                                   "the pathway file"));
  assert_int_equal(cfg->n_category, 1);
  bs_bmdx_category *k = &cfg->category[0];
  assert_string_equal(k->type, "pathway");
  assert_string_equal(k->name_suffix, "_REACTOME");

  json_t *sparse = json_object();
  bs_bmdx_analysis a;
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof(err)),
      0);
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.type")), "pathway");
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.pathway.annotations")),
                      "/tmp/NCBI2Reactome.txt");
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.pathway.species")),
                      "Homo sapiens");
  assert_string_equal(a.probe_map, "/tmp/probes.txt");
  bs_bmdx_analysis_free(&a);
  json_decref(sparse);

  free(k->pathway_annotation_file);
  k->pathway_annotation_file = NULL;
  sparse = json_object();
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof(err)),
      -1);
  assert_non_null(strstr(err, "categoryAnalysisConfigs[0]: pathway category analysis needs "
                              "Reactome's gene -> pathway file (NCBI2Reactome.txt): name it with "
                              "\"pathwayAnnotationFile\" in the section or the setting "
                              "category.pathway.annotations (--pathway-annotations)"));
  assert_int_equal(bs_settings_set_text(sparse, bs_setting_find("category.pathway.annotations"),
                                        "mine.txt", err, sizeof(err)),
                   0);
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof(err)),
      0);
  assert_string_equal(json_string_value(bs_settings_get(sparse, "category.pathway.annotations")),
                      "mine.txt");
  bs_bmdx_analysis_free(&a);
  json_decref(sparse);
  bs_bmdx_config_destroy(cfg);
}

static void test_bad_configs(void **state) {
  (void)state;
  const char *expr = "\"expressionDataConfigs\":[{\"inputFileName\":\"x.txt\"}]";
  char buf[1024];
  expect_refusal("{\"expressionDataConfigs\":[{\"inputFileName\":\"x\"}],\n \"oops\" 1}", "line 2");
  expect_refusal("[]", "expected a JSON object");
  expect_refusal("{}", "expressionDataConfigs: at least one");
  snprintf(buf, sizeof buf, "{%s, \"bmdsConfig\":[]}", expr);
  expect_refusal(buf, "(top).bmdsConfig: unknown key");
  snprintf(buf, sizeof buf,
           "{%s, \"categoryAnalysisConfigs\":[{\"@type\":\"gene\",\"bmdPValueCutof\":0.1}]}", expr);
  expect_refusal(buf, "categoryAnalysisConfigs[0]: unknown key \"bmdPValueCutof\"");
  snprintf(buf, sizeof buf,
           "{%s, \"categoryAnalysisConfigs\":[{\"@type\":\"gene\",\"bmdPValueCutoff\":\"0.1\"}]}",
           expr);
  expect_refusal(buf, "categoryAnalysisConfigs[0]: \"bmdPValueCutoff\" must be a number");
  snprintf(buf, sizeof buf, "{%s, \"categoryAnalysisConfigs\":[{\"@type\":\"defined\"}]}", expr);
  expect_refusal(buf, "needs probeFilePath and categoryFilePath");
  snprintf(buf, sizeof buf,
           "{%s, \"bmdsConfigs\":[{\"modelConfigs\":[{\"@type\":\"poly\",\"degree\":7}]}]}", expr);
  expect_refusal(buf, "bmdsConfigs[0].modelConfigs[0].degree: expected 1 to 4");
  snprintf(buf, sizeof buf, "{%s, \"preFilterConfigs\":[{\"@type\":\"magic\"}]}", expr);
  expect_refusal(buf, "unknown prefilter \"magic\"");
  expect_refusal(
      "{\"expressionDataConfigs\":[{\"inputFileName\":\"x\",\"logTransformation\":\"LOG7\"}]}",
      "expressionDataConfigs[0].logTransformation");
  char err[256];
  assert_null(bs_bmdx_config_read("/nonexistent/cfg.json", err, sizeof err));
  assert_non_null(strstr(err, "/nonexistent/cfg.json"));
  bs_bmdx_config_destroy(NULL);
}

/* The category filters of BMDExpress 3 as settings (settings_bmdx.c):
 * identifyConflictingProbeSets + cut-off -> conflicting_probe_r,
 * deduplicateGeneSets, removeAdverseDirection -1 -> "down",
 * nFoldBelowLowestDose, removePromiscuousProbes. */
static void test_category_filter_settings(void **state) {
  (void)state;
  char path[] = "/tmp/bmdx_config_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("{\"expressionDataConfigs\":[{\"inputFileName\":\"x.txt\"}],"
        " \"categoryAnalysisConfigs\":[{\"@type\":\"gene\", \"identifyConflictingProbeSets\":true,"
        " \"correlationCutoffForConflictingProbeSets\":0.4, \"deduplicateGeneSets\":true,"
        " \"removeAdverseDirection\":-1, \"nFoldBelowLowestDose\":5,"
        " \"removePromiscuousProbes\":false}]}",
        f);
  fclose(f);
  char err[512];
  bs_bmdx_config *cfg = bs_bmdx_config_read(path, err, sizeof err);
  unlink(path);
  if (!cfg)
    fail_msg("%s", err);
  json_t *sparse = json_object();
  bs_bmdx_analysis a;
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, BS_BMDX_NONE, BS_BMDX_NONE, 0, sparse, &a, err, sizeof err), 0);
  assert_true(json_real_value(bs_settings_get(sparse, "category.filters.conflicting_probe_r")) ==
              0.4);
  assert_true(json_is_true(bs_settings_get(sparse, "category.filters.deduplicate_gene_sets")));
  assert_string_equal(
      json_string_value(bs_settings_get(sparse, "category.filters.remove_direction")), "down");
  assert_true(json_number_value(bs_settings_get(sparse, "category.filters.low_dose_fold")) == 5);
  assert_true(json_is_false(bs_settings_get(sparse, "category.filters.remove_promiscuous")));
  bs_bmdx_analysis_free(&a);
  json_decref(sparse);
  bs_bmdx_config_destroy(cfg);
}

/* Reads text as a config (it must parse), maps its first sections onto
 * settings and expects a refusal naming the file and needle. Found by
 * fuzz_bmdx_config: a refused value used to come back as "out of memory",
 * or with no message at all. */
static void expect_mapping_refusal(const char *text, const char *needle) {
  char path[] = "/tmp/bmdx_config_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  char err[512] = "";
  bs_bmdx_config *cfg = bs_bmdx_config_read(path, err, sizeof err);
  unlink(path);
  if (!cfg)
    fail_msg("refused while reading: %s", err);
  json_t *sparse = json_object();
  bs_bmdx_analysis a;
  size_t prefilter = cfg->n_prefilter ? 0 : BS_BMDX_NONE, bmds = cfg->n_bmds ? 0 : BS_BMDX_NONE;
  assert_int_equal(
      bs_settings_from_bmdx(cfg, 0, prefilter, bmds, BS_BMDX_NONE, sparse, &a, err, sizeof err),
      -1);
  if (!strstr(err, needle) || !strstr(err, path))
    fail_msg("error \"%s\" lacks \"%s\" or the file name", err, needle);
  json_decref(sparse);
  bs_bmdx_config_destroy(cfg);
}

static void test_mapping_refusals(void **state) {
  (void)state;
  const char *expr = "\"expressionDataConfigs\":[{\"inputFileName\":\"x.txt\"}]";
  char buf[1024];
  snprintf(buf, sizeof buf,
           "{%s, "
           "\"bmdsConfigs\":[{\"inputCategory\":\"anova\",\"modelConfigs\":[{\"@type\":\"poly\","
           "\"degree\":1},"
           "{\"@type\":\"poly\",\"degree\":1}]}]}",
           expr);
  expect_mapping_refusal(buf, "bmdsConfigs[0]: modelConfigs:");
  snprintf(buf, sizeof buf, "{%s, \"preFilterConfigs\":[{\"@type\":\"anova\",\"pValueCutoff\":5}]}",
           expr);
  expect_mapping_refusal(buf, "prefilter.p_cutoff");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_etap),
      cmocka_unit_test(test_dtt),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_config1_defined),
      cmocka_unit_test(test_all_examples_parse),
      cmocka_unit_test(test_go_sections),
      cmocka_unit_test(test_pathway_sections),
      cmocka_unit_test(test_bad_configs),
      cmocka_unit_test(test_category_filter_settings),
      cmocka_unit_test(test_mapping_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
