/*
 * params.c - settings JSON <-> core options, and their hash.
 */
#include "bs/params.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *bs_params_log_base_name(bmd_log_base base) {
  switch (base) {
  case BMD_LOG_BASE2:
    return "2";
  case BMD_LOG_BASE10:
    return "10";
  case BMD_LOG_NATURAL:
    return "e";
  case BMD_LOG_NONE:
    return "none";
  }
  return "2";
}

int bs_params_log_base_parse(const char *name) {
  if (!name)
    return -1;
  if (!strcmp(name, "2") || !strcmp(name, "base2"))
    return BMD_LOG_BASE2;
  if (!strcmp(name, "10") || !strcmp(name, "base10"))
    return BMD_LOG_BASE10;
  if (!strcmp(name, "e") || !strcmp(name, "natural"))
    return BMD_LOG_NATURAL;
  if (!strcmp(name, "none"))
    return BMD_LOG_NONE;
  return -1;
}

int bs_params_hash(const json_t *settings, char out[65]) {
  char *text = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if (!text)
    return -1;
  unsigned char md[32];
  unsigned int len = 0;
  int ok = EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
  free(text);
  if (!ok)
    return -1;
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(errstr, errstr_size, __VA_ARGS__);                                                    \
    return BS_ERR_PERMANENT;                                                                       \
  } while (0)

static int get_number(const json_t *o, const char *key, double *v) {
  json_t *j = json_object_get(o, key);
  if (!json_is_number(j))
    return -1;
  *v = json_number_value(j);
  return 0;
}

static int get_bool(const json_t *o, const char *key, int *v) {
  json_t *j = json_object_get(o, key);
  if (!json_is_boolean(j))
    return -1;
  *v = json_is_true(j);
  return 0;
}

bs_status bs_params_bmd_parse(const json_t *bmd, bmd_log_base log_base, bmd_probes_options *opt,
                              char *errstr, size_t errstr_size) {
  *opt = bmd_probes_options_default();
  opt->fit.log_base = log_base;
  if (!json_is_object(bmd))
    FAIL("parameters.bmd: expected an object");
  json_t *models = json_object_get(bmd, "models");
  if (!json_is_array(models) || json_array_size(models) == 0)
    FAIL("parameters.bmd.models: expected a non-empty list");
  opt->model_mask = 0;
  size_t i;
  json_t *m;
  json_array_foreach(models, i, m) {
    int id = bmd_model_parse(json_string_value(m));
    if (id < 0)
      FAIL("parameters.bmd.models[%zu]: unknown model", i);
    opt->model_mask |= 1u << id;
  }
  const char *variance = json_string_value(json_object_get(bmd, "variance"));
  if (!variance || (strcmp(variance, "constant") && strcmp(variance, "nonconstant")))
    FAIL("parameters.bmd.variance: expected constant or nonconstant");
  opt->fit.variance =
      strcmp(variance, "constant") ? BMD_VARIANCE_NONCONSTANT : BMD_VARIANCE_CONSTANT;
  const char *bmr_type = json_string_value(json_object_get(bmd, "bmr_type"));
  if (!bmr_type)
    FAIL("parameters.bmd.bmr_type: expected sd, rel or abs");
  if (!strcmp(bmr_type, "sd"))
    opt->fit.bmr_type = BMD_BMR_SD;
  else if (!strcmp(bmr_type, "rel"))
    opt->fit.bmr_type = BMD_BMR_REL;
  else if (!strcmp(bmr_type, "abs"))
    opt->fit.bmr_type = BMD_BMR_ABS;
  else
    FAIL("parameters.bmd.bmr_type: expected sd, rel or abs");
  if (get_number(bmd, "bmr", &opt->fit.bmr) || !(opt->fit.bmr > 0))
    FAIL("parameters.bmd.bmr: expected a number > 0");
  double level;
  if (get_number(bmd, "confidence_level", &level) || !(level > 0.5 && level < 1))
    FAIL("parameters.bmd.confidence_level: expected a number in (0.5, 1)");
  opt->fit.alpha = 1.0 - level;
  json_t *restrict_ = json_object_get(bmd, "restrict");
  int poly, power, hill;
  if (get_bool(restrict_, "poly", &poly) || get_bool(restrict_, "power", &power) ||
      get_bool(restrict_, "hill", &hill))
    FAIL("parameters.bmd.restrict: expected booleans poly, power and hill");
  opt->fit.poly_restricted = poly ? -1 : 0; /* -1: pybmds restricted polynomials */
  opt->fit.power_restricted = power;
  opt->fit.hill_restricted = hill;
  json_t *sel = json_object_get(bmd, "selection");
  const char *poly_test = json_string_value(json_object_get(sel, "poly_test"));
  if (!poly_test || (strcmp(poly_test, "nested_chi2") && strcmp(poly_test, "lowest_aic")))
    FAIL("parameters.bmd.selection.poly_test: expected nested_chi2 or lowest_aic");
  opt->select.poly_test =
      strcmp(poly_test, "nested_chi2") ? BMD_POLY_LOWEST_AIC : BMD_POLY_NESTED_CHI2;
  double flagged;
  if (get_number(sel, "poly_p", &opt->select.poly_p) ||
      get_bool(sel, "flag_hill", &opt->select.flag_hill) ||
      get_number(sel, "hill_k_fraction", &opt->select.hill_k_fraction) ||
      get_number(sel, "flagged_hill", &flagged) ||
      get_number(sel, "flagged_hill_fraction", &opt->select.flagged_hill_fraction) ||
      get_number(sel, "next_best_p", &opt->select.next_best_p))
    FAIL("parameters.bmd.selection: poly_p, flag_hill, hill_k_fraction, flagged_hill, "
         "flagged_hill_fraction and next_best_p are required");
  if (flagged < 1 || flagged > 5 || flagged != (int)flagged)
    FAIL("parameters.bmd.selection.flagged_hill: expected 1 to 5");
  opt->select.flagged_hill = (bmd_flagged_hill)(int)flagged;
  return BS_OK;
}

json_t *bs_params_bmd_json(const bmd_probes_options *opt) {
  json_t *models = json_array();
  for (int m = 0; m < BMD_MODEL_COUNT; m++)
    if (opt->model_mask & (1u << m))
      json_array_append_new(models, json_string(bmd_model_name((bmd_model)m)));
  static const char *bmr_types[] = {"sd", "rel", "abs"};
  return json_pack(
      "{s:o, s:s, s:s, s:f, s:f, s:{s:b, s:b, s:b}, s:{s:s, s:f, s:b, s:f, s:i, s:f, s:f}}",
      "models", models, "variance",
      opt->fit.variance == BMD_VARIANCE_CONSTANT ? "constant" : "nonconstant", "bmr_type",
      bmr_types[opt->fit.bmr_type], "bmr", opt->fit.bmr, "confidence_level", 1.0 - opt->fit.alpha,
      "restrict", "poly", opt->fit.poly_restricted != 0, "power", opt->fit.power_restricted != 0,
      "hill", opt->fit.hill_restricted != 0, "selection", "poly_test",
      opt->select.poly_test == BMD_POLY_NESTED_CHI2 ? "nested_chi2" : "lowest_aic", "poly_p",
      opt->select.poly_p, "flag_hill", opt->select.flag_hill != 0, "hill_k_fraction",
      opt->select.hill_k_fraction, "flagged_hill", (int)opt->select.flagged_hill,
      "flagged_hill_fraction", opt->select.flagged_hill_fraction, "next_best_p",
      opt->select.next_best_p);
}

json_t *bs_params_category_json(const char *probe_map_key, const char *category_map_key,
                                const char *gmt_key) {
  const char *type = gmt_key ? "gmt" : category_map_key ? "defined" : "gene";
  json_t *filters =
      json_pack("{s:b, s:f, s:f, s:f, s:n, s:i, s:i}", "remove_bmd_above_highest_dose", 1,
                "fit_p_min", 0.1, "bmdu_bmdl_ratio_max", 40.0, "bmd_bmdl_ratio_max", 20.0,
                "fold_change_min", "min_genes", 3, "min_genes_fraction_percent", 5);
  return json_pack("{s:s, s:o, s:o, s:o, s:o}", "type", type, "probe_map_key",
                   probe_map_key ? json_string(probe_map_key) : json_null(), "category_map_key",
                   category_map_key ? json_string(category_map_key) : json_null(), "gmt_key",
                   gmt_key ? json_string(gmt_key) : json_null(), "filters", filters);
}

bs_status bs_params_category_parse(const json_t *settings, bmd_category_options *opt,
                                   bmd_tpod_options *tpod, char *errstr, size_t errstr_size) {
  *opt = bmd_category_options_default();
  *tpod = bmd_tpod_options_default();
  json_t *f = json_object_get(settings, "filters");
  if (!json_is_object(f)) {
    snprintf(errstr, errstr_size, "parameters.category.filters is missing");
    return BS_ERR_PERMANENT;
  }
  for (int i = 0; i < BMD_CAT_FILTER_COUNT; i++)
    opt->filter_on[i] = 0;
  opt->filter_on[BMD_CAT_FILTER_HIGH_DOSE] =
      json_is_true(json_object_get(f, "remove_bmd_above_highest_dose"));
  json_t *v;
  if (json_is_number(v = json_object_get(f, "fit_p_min"))) {
    opt->filter_on[BMD_CAT_FILTER_FIT_P] = 1;
    opt->fit_p_min = json_number_value(v);
  }
  if (json_is_number(v = json_object_get(f, "bmdu_bmdl_ratio_max"))) {
    opt->filter_on[BMD_CAT_FILTER_BMDU_BMDL] = 1;
    opt->bmdu_bmdl_max = json_number_value(v);
  }
  if (json_is_number(v = json_object_get(f, "bmd_bmdl_ratio_max"))) {
    opt->filter_on[BMD_CAT_FILTER_BMD_BMDL] = 1;
    opt->bmd_bmdl_max = json_number_value(v);
  }
  if (json_is_number(v = json_object_get(f, "fold_change_min"))) {
    opt->filter_on[BMD_CAT_FILTER_FOLD_CHANGE] = 1;
    opt->fold_change_min = json_number_value(v);
  }
  if (json_is_integer(v = json_object_get(f, "min_genes"))) {
    tpod->min_set_genes = (size_t)json_integer_value(v);
  }
  if (json_is_number(v = json_object_get(f, "min_genes_fraction_percent")))
    tpod->min_set_fraction = json_number_value(v) / 100.0;
  return BS_OK;
}
