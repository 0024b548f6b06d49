/*
 * category_config.c - a BMDExpress 3 categoryAnalysisConfigs entry as
 * category options (see bs/category_config.h).
 */
#include "bs/category_config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bs/error.h"

/* Keys whose non-null, non-false value changes results we cannot produce. */
static const struct {
  const char *key, *why;
} refused[] = {
    {"anovaPrefilterPValueMaxValue", "prefilter p-value filters need the prefilter results"},
    {"anovaPrefilterAdjustedPValueMaxValue",
     "prefilter p-value filters need the prefilter results"},
    {"williamsPrefilterPValueMaxValue", "prefilter p-value filters need the prefilter results"},
    {"williamsPrefilterAdjustedPValueMaxValue",
     "prefilter p-value filters need the prefilter results"},
    {"oriogenPrefilterPValueMaxValue", "ORIOGEN is not implemented"},
    {"oriogenPrefilterAdjustedPValueMaxValue", "ORIOGEN is not implemented"},
    {"curveFitPrefilterGoFMinValue",
     "prefilter goodness-of-fit filters need the prefilter results"},
    {"absZScoreMax", "Z-score filters are not implemented yet"},
    {"absModelFoldChangeMax", "model fold-change filters are not implemented yet"},
    {"computeIVIVE", "IVIVE / toxicokinetics is not implemented"},
    {"iviveConfig", "IVIVE / toxicokinetics is not implemented"},
};

/* A number or null (absent/null: *on = 0). -1 when of another type. */
static int get_number(const json_t *o, const char *key, int *on, double *v) {
  const json_t *x = json_object_get(o, key);
  if (!x || json_is_null(x)) {
    *on = 0;
    return 0;
  }
  if (!json_is_number(x))
    return -1;
  *on = 1;
  *v = json_number_value(x);
  return 0;
}

int bs_category_config_parse(const json_t *section, const char *where, bs_category_config *out,
                             char *errstr, size_t errstr_size) {
  memset(out, 0, sizeof(*out));
  out->options = bmd_category_options_default();
  if (!json_is_object(section)) {
    bs_set_err(errstr, errstr_size, "%s: not an object", where);
    return -1;
  }
  const char *type = json_string_value(json_object_get(section, "@type"));
  if (!type) {
    bs_set_err(errstr, errstr_size, "%s: no \"@type\" (defined, gene, go or pathway)", where);
    return -1;
  }
  if (strcmp(type, "defined") == 0) {
    out->kind = BS_CATEGORY_DEFINED;
    out->probe_file = json_string_value(json_object_get(section, "probeFilePath"));
    out->category_file = json_string_value(json_object_get(section, "categoryFilePath"));
    if (!out->probe_file || !out->category_file) {
      bs_set_err(errstr, errstr_size,
                 "%s: a \"defined\" analysis needs probeFilePath and "
                 "categoryFilePath",
                 where);
      return -1;
    }
  } else if (strcmp(type, "gene") == 0) {
    out->kind = BS_CATEGORY_GENE;
  } else if (strcmp(type, "go") == 0) {
    out->kind = BS_CATEGORY_CONFIG_GO;
    out->probe_file = json_string_value(json_object_get(section, "probeFilePath"));
    out->go_obo_file = json_string_value(json_object_get(section, "goOboFile"));
    out->go_annotation_file = json_string_value(json_object_get(section, "goAnnotationFile"));
    const json_t *aspect = json_object_get(section, "goCategory");
    out->go_category =
        aspect && !json_is_null(aspect) ? json_string_value(aspect) : "biological_process";
    static const char *const aspects[] = {"biological_process", "molecular_function",
                                          "cellular_component", "universal"};
    int ok = 0;
    for (size_t i = 0; out->go_category && i < 4; i++)
      ok |= strcmp(out->go_category, aspects[i]) == 0;
    if (!ok) {
      bs_set_err(errstr, errstr_size,
                 "%s: \"goCategory\" must be biological_process, molecular_function, "
                 "cellular_component or universal",
                 where);
      return -1;
    }
  } else if (strcmp(type, "pathway") == 0) {
    /* BMDExpress's signalingPathway: REACTOME or BioPlanet
     * (PathwayToGeneSymbolUtility); we read Reactome's public file */
    out->kind = BS_CATEGORY_CONFIG_PATHWAY;
    out->probe_file = json_string_value(json_object_get(section, "probeFilePath"));
    out->pathway_annotation_file =
        json_string_value(json_object_get(section, "pathwayAnnotationFile"));
    out->pathway_species = json_string_value(json_object_get(section, "pathwaySpecies"));
    const json_t *db = json_object_get(section, "signalingPathway");
    const char *name = db && !json_is_null(db) ? json_string_value(db) : "REACTOME";
    if (!name || strcmp(name, "REACTOME") != 0) {
      bs_set_err(errstr, errstr_size,
                 "%s: \"signalingPathway\": %s%s%s is not supported: only REACTOME pathways are "
                 "read (from Reactome's NCBI2Reactome.txt)",
                 where, name ? "\"" : "", name ? name : "a non-string", name ? "\"" : "");
      return -1;
    }
  } else {
    bs_set_err(errstr, errstr_size, "%s: unknown \"@type\": \"%s\"", where, type);
    return -1;
  }
  out->input_name = json_string_value(json_object_get(section, "inputName"));
  out->output_name = json_string_value(json_object_get(section, "outputName"));

  const char *key;
  const json_t *value;
  json_object_foreach((json_t *)section, key, value) {
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
      if (strcmp(key, refused[i].key) == 0 && !json_is_null(value) && !json_is_false(value)) {
        bs_set_err(errstr, errstr_size, "%s: \"%s\" is not supported: %s", where, key,
                   refused[i].why);
        return -1;
      }
  }

  bmd_category_options *o = &out->options;
  const json_t *b;
  if ((b = json_object_get(section, "removePromiscuousProbes")) && !json_is_null(b))
    o->remove_promiscuous = json_is_true(b);
  if ((b = json_object_get(section, "removeBMDGreaterHighDose")) && !json_is_null(b))
    o->filter_on[BMD_CAT_FILTER_HIGH_DOSE] = json_is_true(b);
  static const struct {
    const char *key;
    bmd_cat_filter f;
  } numeric[] = {
      {"bmdPValueCutoff", BMD_CAT_FILTER_FIT_P},
      {"bmdRSquaredCutoff", BMD_CAT_FILTER_R_SQUARED},
      {"bmdBMDLRatioMin", BMD_CAT_FILTER_BMD_BMDL},
      {"bmduBMDRatioMin", BMD_CAT_FILTER_BMDU_BMD},
      {"bmduBMDLRatioMin", BMD_CAT_FILTER_BMDU_BMDL},
      {"nFoldBelowLowestDose", BMD_CAT_FILTER_LOW_DOSE},
      {"maxFoldChange", BMD_CAT_FILTER_FOLD_CHANGE},
  };
  double *target[] = {&o->fit_p_min,     &o->r_squared_min, &o->bmd_bmdl_max,   &o->bmdu_bmd_max,
                      &o->bmdu_bmdl_max, &o->low_dose_fold, &o->fold_change_min};
  for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++) {
    int on;
    if (get_number(section, numeric[i].key, &on, target[i]) != 0) {
      bs_set_err(errstr, errstr_size, "%s: \"%s\" must be a number or null", where, numeric[i].key);
      return -1;
    }
    o->filter_on[numeric[i].f] = on;
  }
  int on;
  double v;
  /* BMDExpress's CLI documentation: 1 UP, -1 DOWN, 0 or null neither */
  if (get_number(section, "removeAdverseDirection", &on, &v) != 0 ||
      (on && v != 1 && v != -1 && v != 0)) {
    bs_set_err(errstr, errstr_size,
               "%s: \"removeAdverseDirection\" must be 1 (remove UP probes), -1 (DOWN), 0 or null "
               "(neither)",
               where);
    return -1;
  }
  on = on && v != 0;
  o->filter_on[BMD_CAT_FILTER_DIRECTION] = on;
  o->remove_direction = on ? (int)v : 1;
  const char *sizes[] = {"minGenesInSet", "maxGenesInSet"};
  for (int k = 0; k < 2; k++) {
    if (get_number(section, sizes[k], &on, &v) != 0 || (on && (v < 0 || v != floor(v)))) {
      bs_set_err(errstr, errstr_size, "%s: \"%s\" must be a count or null", where, sizes[k]);
      return -1;
    }
    if (k == 0)
      o->min_genes_on = on, o->min_genes = on ? (size_t)v : o->min_genes;
    else
      o->max_genes_on = on, o->max_genes = on ? (size_t)v : o->max_genes;
  }
  /* AnalyzeRunner.doCategoryAnalysis: the cut-off stays at
   * CategoryAnalysisParameters' 0.0 when the key is null */
  if (get_number(section, "correlationCutoffForConflictingProbeSets", &on, &v) != 0) {
    bs_set_err(errstr, errstr_size,
               "%s: \"correlationCutoffForConflictingProbeSets\" must be a number or null", where);
    return -1;
  }
  o->conflict_r_cutoff = on ? v : 0.0;
  if ((b = json_object_get(section, "identifyConflictingProbeSets")) && !json_is_null(b))
    o->identify_conflicting = json_is_true(b);
  if ((b = json_object_get(section, "deduplicateGeneSets")) && !json_is_null(b))
    o->deduplicate = json_is_true(b);
  /* Each key turns on its own filter. BMDExpress's AnalyzeRunner.
   * doCatAnalysis sets removeStepFunctionWithBMDLower from
   * getRemoveStepFunction() (the other key) when the key is given; we
   * follow what the config says (docs/categories.md). */
  static const struct {
    const char *key;
    bmd_cat_filter f;
  } steps[] = {{"removeStepFunction", BMD_CAT_FILTER_STEP},
               {"removeStepFunctionWithBMDLower", BMD_CAT_FILTER_STEP_LOW_DOSE}};
  for (size_t i = 0; i < 2; i++) {
    if (!(b = json_object_get(section, steps[i].key)) || json_is_null(b))
      continue;
    if (!json_is_boolean(b)) {
      bs_set_err(errstr, errstr_size, "%s: \"%s\" must be true, false or null", where,
                 steps[i].key);
      return -1;
    }
    o->filter_on[steps[i].f] = json_is_true(b);
  }
  static const char *known[] = {"@type",
                                "inputName",
                                "outputName",
                                "probeFilePath",
                                "categoryFilePath",
                                "removePromiscuousProbes",
                                "removeBMDGreaterHighDose",
                                "bmdPValueCutoff",
                                "bmdRSquaredCutoff",
                                "bmdBMDLRatioMin",
                                "bmduBMDRatioMin",
                                "bmduBMDLRatioMin",
                                "nFoldBelowLowestDose",
                                "maxFoldChange",
                                "removeAdverseDirection",
                                "minGenesInSet",
                                "maxGenesInSet",
                                "identifyConflictingProbeSets",
                                "correlationCutoffForConflictingProbeSets",
                                "deduplicateGeneSets",
                                "removeStepFunction",
                                "removeStepFunctionWithBMDLower",
                                "goCategory",
                                "goOboFile",
                                "goAnnotationFile",
                                "signalingPathway",
                                "pathwayAnnotationFile",
                                "pathwaySpecies"};
  json_object_foreach((json_t *)section, key, value) {
    int found = 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !found; i++)
      found = strcmp(key, known[i]) == 0;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]) && !found; i++)
      found = strcmp(key, refused[i].key) == 0;
    if (!found) {
      bs_set_err(errstr, errstr_size, "%s: unknown key \"%s\"", where, key);
      return -1;
    }
  }
  return 0;
}
