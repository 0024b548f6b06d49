/*
 * settings.c - the analysis settings of an import, from its flags, as the
 * experiment-imported event carries them (schemas/README.md, "Settings"),
 * every default filled in.
 */
#include "import.h"

#include <stdio.h>
#include <string.h>

#include "bs/params.h"

const bs_config_param bs_import_params[] = {
    {"user", BS_CFG_STRING, NULL, "the importing user's username (must own the project)", 0},
    {"project", BS_CFG_INT, "0", "project id", 0},
    {"name", BS_CFG_STRING, NULL, "experiment name (default: the file name)", 0},
    {"matrix", BS_CFG_STRING, NULL, "BMDExpress expression file (tab-delimited, gzip ok)", 0},
    {"matrix_key", BS_CFG_STRING, NULL,
     "object key of a matrix already uploaded (BMDExpress text, gzip or matrix.bin)", 0},
    {"log", BS_CFG_STRING, "base2", "log transformation of the data: none|base2|base10|natural", 0},
    {"prefilter", BS_CFG_STRING, "anova", "prefilter: williams|anova|none", 0},
    {"p_cutoff", BS_CFG_DOUBLE, "0.05", "prefilter p-value cut-off", 0},
    {"mtc", BS_CFG_BOOL, "false", "Benjamini-Hochberg correction of prefilter p-values", 0},
    {"fold_filter", BS_CFG_DOUBLE, "2.0", "minimum |fold change| (0: no fold filter)", 0},
    {"permutations", BS_CFG_INT, "10000", "Williams permutations", 0},
    {"seed", BS_CFG_INT, "20260101", "Williams random seed", 0},
    {"models", BS_CFG_STRING, "hill,power,linear,poly2,poly3,exp3,exp5", "models to fit", 0},
    {"variance", BS_CFG_STRING, "constant", "constant|nonconstant", 0},
    {"bmr_type", BS_CFG_STRING, "sd", "sd|rel|abs", 0},
    {"bmr", BS_CFG_DOUBLE, "1.0", "benchmark response factor", 0},
    {"probe_map", BS_CFG_STRING, NULL, "BMDExpress probe map (probe -> gene) for categories", 0},
    {"category_map", BS_CFG_STRING, NULL, "BMDExpress defined-category map (category -> gene)", 0},
    {"gmt", BS_CFG_STRING, NULL, "gene sets in GMT format (instead of --category-map)", 0},
    {"wait", BS_CFG_BOOL, "false", "follow the job to its end (exit 1 if it fails)", 0},
};
const size_t bs_import_params_count = sizeof(bs_import_params) / sizeof(bs_import_params[0]);

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(errstr, errstr_size, __VA_ARGS__);                                                    \
    json_decref(params);                                                                           \
    return NULL;                                                                                   \
  } while (0)

json_t *bs_import_settings(const bs_config *cfg, bmd_log_base base, const char *probe_map_key,
                           const char *category_key, const char *gmt_key, char *errstr,
                           size_t errstr_size) {
  json_t *params = json_object();
  const char *method = bs_config_get(cfg, "prefilter");
  if (strcmp(method, "williams") && strcmp(method, "anova") && strcmp(method, "none"))
    FAIL("--prefilter %s: expected williams, anova or none", method);
  double p = bs_config_get_double(cfg, "p_cutoff"), fold = bs_config_get_double(cfg, "fold_filter");
  if (!(p > 0 && p <= 1))
    FAIL("--p-cutoff %g: expected 0 < p <= 1", p);
  if (fold != 0 && fold < 1)
    FAIL("--fold-filter %g: expected 0 (off) or at least 1", fold);
  json_t *prefilter = json_pack("{s:s, s:f, s:s, s:o, s:I, s:I, s:s}", "method", method, "p_cutoff",
                                p, "mtc", bs_config_get_bool(cfg, "mtc") ? "bh" : "none",
                                "fold_filter", fold > 0 ? json_real(fold) : json_null(),
                                "permutations", (json_int_t)bs_config_get_int(cfg, "permutations"),
                                "seed", (json_int_t)bs_config_get_int(cfg, "seed"), "log_base",
                                bs_params_log_base_name(base));
  json_object_set_new(params, "prefilter", prefilter);

  /* BMD: through the options struct, so the event has every field. */
  bmd_probes_options opt = bmd_probes_options_default();
  opt.model_mask = 0;
  char models[256];
  snprintf(models, sizeof(models), "%s", bs_config_get(cfg, "models"));
  char *save = NULL;
  for (char *m = strtok_r(models, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
    int id = bmd_model_parse(m);
    if (id < 0)
      FAIL("--models: unknown model '%s'", m);
    opt.model_mask |= 1u << id;
  }
  const char *variance = bs_config_get(cfg, "variance"), *bmr_type = bs_config_get(cfg, "bmr_type");
  if (strcmp(variance, "constant") && strcmp(variance, "nonconstant"))
    FAIL("--variance %s: expected constant or nonconstant", variance);
  opt.fit.variance =
      strcmp(variance, "constant") ? BMD_VARIANCE_NONCONSTANT : BMD_VARIANCE_CONSTANT;
  if (!strcmp(bmr_type, "sd"))
    opt.fit.bmr_type = BMD_BMR_SD;
  else if (!strcmp(bmr_type, "rel"))
    opt.fit.bmr_type = BMD_BMR_REL;
  else if (!strcmp(bmr_type, "abs"))
    opt.fit.bmr_type = BMD_BMR_ABS;
  else
    FAIL("--bmr-type %s: expected sd, rel or abs", bmr_type);
  opt.fit.bmr = bs_config_get_double(cfg, "bmr");
  if (!(opt.fit.bmr > 0))
    FAIL("--bmr: expected a number > 0");
  json_object_set_new(params, "bmd", bs_params_bmd_json(&opt));

  /* Categories: BMDExpress's defaults for the probe filters (§4.2). */
  const char *type = gmt_key ? "gmt" : category_key ? "defined" : "gene";
  json_t *filters =
      json_pack("{s:b, s:f, s:f, s:f, s:n, s:i, s:i}", "remove_bmd_above_highest_dose", 1,
                "fit_p_min", 0.1, "bmdu_bmdl_ratio_max", 40.0, "bmd_bmdl_ratio_max", 20.0,
                "fold_change_min", "min_genes", 3, "min_genes_fraction_percent", 5);
  json_t *category =
      json_pack("{s:s, s:o, s:o, s:o, s:o}", "type", type, "probe_map_key",
                probe_map_key ? json_string(probe_map_key) : json_null(), "category_map_key",
                category_key ? json_string(category_key) : json_null(), "gmt_key",
                gmt_key ? json_string(gmt_key) : json_null(), "filters", filters);
  json_object_set_new(params, "category", category);
  return params;
}
