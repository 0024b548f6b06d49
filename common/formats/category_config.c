/*
 * category_config.c - a BMDExpress 3 categoryAnalysisConfigs entry as
 * category options (see bs/category_config.h).
 */
#include "bs/category_config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bs/error.h"

static void add_warning(bs_category_config *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_warning(bs_category_config *c, const char *fmt, ...) {
  size_t len = strlen(c->warnings);
  if (len && len + 2 < sizeof(c->warnings))
    strcat(c->warnings, "; "), len += 2;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->warnings + len, sizeof(c->warnings) - len, fmt, ap);
  va_end(ap);
}

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
    {"removeStepFunction", "the step-function filters are not implemented yet"},
    {"removeStepFunctionWithBMDLower", "the step-function filters are not implemented yet"},
    {"absZScoreMax", "Z-score filters are not implemented yet"},
    {"absModelFoldChangeMax", "model fold-change filters are not implemented yet"},
    {"deduplicateGeneSets", "gene-set de-duplication is not implemented yet"},
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
  } else if (strcmp(type, "go") == 0 || strcmp(type, "pathway") == 0) {
    bs_set_err(errstr, errstr_size,
               "%s: \"@type\": \"%s\" is not supported: it needs BMDExpress's downloaded %s "
               "annotation; use a \"defined\" analysis with a GMT or category map instead",
               where, type, strcmp(type, "go") == 0 ? "GO" : "pathway");
    return -1;
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
  if (get_number(section, "removeAdverseDirection", &on, &v) != 0 || (on && v != 1 && v != -1)) {
    bs_set_err(errstr, errstr_size,
               "%s: \"removeAdverseDirection\" must be 1 (remove UP probes), -1 (DOWN) or null",
               where);
    return -1;
  }
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
  if ((b = json_object_get(section, "identifyConflictingProbeSets")) && json_is_true(b))
    add_warning(out,
                "%s: identifyConflictingProbeSets is not implemented yet: the \"Genes with "
                "Conflicting Probesets\" column is not written",
                where);
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
                                "correlationCutoffForConflictingProbeSets"};
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
