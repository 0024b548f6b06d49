/*
 * bmdx_names.c - the names BMDExpress 3 gives the results of an analyze
 * config when the section has no outputName (bs/bmdx_config.h), so that
 * `analyze --config` names its result directories the way BMDExpress
 * names its data sets. Read from auerbachs/BMDExpress-3:
 *
 *   prefilters   service/PrefilterService.java (oneWayANOVAAnalysis,
 *                williamsTrendAnalysis, oriogenAnalysis,
 *                curveFitPrefilterAnalysis):
 *                  <data set>_oneway_<p>_(MTC|NOMTC)_(foldfilter<fc>|nofoldfilter)
 *                  <data set>_williams_<p>_..., <data set>_oriogen_<p>_...
 *                  <data set>_curvefitprefilter_(foldfilter<fc>|nofoldfilter)
 *                with p as DecimalFormat("#.####") and fc as Java's
 *                Double.toString (2.0, 1.5);
 *   categories   util/categoryanalysis/CategoryMapTool.java (constructor):
 *                  <BMD result>_<chip>[_GO_<category>|_<pathway DB>|
 *                  _DEFINED-<category file without extension>]
 *                then _true (removePromiscuousProbes), _true
 *                (removeBMDGreaterHighDose), _pval<p>, _ratio<r> for
 *                bmdBMDLRatioMin, bmduBMDLRatioMin, bmduBMDRatioMin in that
 *                order, _nfold<n> ("#.#"), _conf<c> (identifyConflicting-
 *                ProbeSets). Gene-level analyses add no type part there.
 */
#include "bs/bmdx_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DecimalFormat("#.####") or ("#.#"): at most `decimals` decimals, no
 * trailing zeros, no trailing point. */
static void decimal_format(char *out, size_t size, double v, int decimals) {
  snprintf(out, size, "%.*f", decimals, v);
  char *dot = strchr(out, '.');
  if (!dot)
    return;
  char *end = out + strlen(out) - 1;
  while (end > dot && *end == '0')
    *end-- = '\0';
  if (end == dot)
    *end = '\0';
}

/* Java's Double.toString for plain magnitudes: the shortest decimal that
 * reads back to v, with ".0" when it is whole (2.0, 1.5, 0.25). */
static void java_double(char *out, size_t size, double v) {
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(out, size, "%.*g", digits, v);
    if (strtod(out, NULL) == v)
      break;
  }
  if (!strpbrk(out, ".eEn"))
    strncat(out, ".0", size - strlen(out) - 1);
}

static double num(const json_t *o, const char *key, double dflt, int *given) {
  json_t *v = json_object_get(o, key);
  if (given)
    *given = json_is_number(v);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

static int truth(const json_t *o, const char *key, int dflt) {
  json_t *v = json_object_get(o, key);
  return json_is_boolean(v) ? json_is_true(v) : dflt;
}

char *bs_bmdx_prefilter_suffix(const json_t *section) {
  const char *type = json_string_value(json_object_get(section, "@type"));
  char p[32], fc[40], out[160];
  /* the defaults bmdx_config.c fills in for absent keys */
  decimal_format(p, sizeof p, num(section, "pValueCutoff", 0.05, NULL), 4);
  java_double(fc, sizeof fc, num(section, "foldChange", 2.0, NULL));
  const char *mtc = truth(section, "useMultipleTestingCorrection", 0) ? "_MTC" : "_NOMTC";
  int fold = truth(section, "useFoldChange", 1);
  const char *kind = !type                          ? "_prefilter_"
                     : strcmp(type, "anova") == 0   ? "_oneway_"
                     : strcmp(type, "oriogen") == 0 ? "_oriogen_"
                                                    : "_williams_";
  if (type && strcmp(type, "curvefit") == 0)
    snprintf(out, sizeof out, "_curvefitprefilter%s%s", fold ? "_foldfilter" : "_nofoldfilter",
             fold ? fc : "");
  else
    snprintf(out, sizeof out, "%s%s%s%s%s", kind, p, mtc, fold ? "_foldfilter" : "_nofoldfilter",
             fold ? fc : "");
  return strdup(out);
}

char *bs_bmdx_category_suffix(const json_t *section) {
  const char *type = json_string_value(json_object_get(section, "@type"));
  char out[512] = "", v[40];
  size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(out + n, n < sizeof out ? sizeof out - n : 0, __VA_ARGS__))
  if (type && strcmp(type, "go") == 0) {
    const char *go = json_string_value(json_object_get(section, "goCategory"));
    ADD("_GO_%s", go ? go : "");
  } else if (type && strcmp(type, "pathway") == 0) {
    const char *db = json_string_value(json_object_get(section, "signalingPathway"));
    ADD("_%s", db ? db : "");
  } else if (type && strcmp(type, "defined") == 0) {
    const char *path = json_string_value(json_object_get(section, "categoryFilePath"));
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path ? path : "";
    const char *dot = strrchr(base, '.');
    ADD("_DEFINED-%.*s", (int)(dot ? (size_t)(dot - base) : strlen(base)), base);
  }
  if (truth(section, "removePromiscuousProbes", 0))
    ADD("_true");
  if (truth(section, "removeBMDGreaterHighDose", 0))
    ADD("_true");
  int given;
  double x = num(section, "bmdPValueCutoff", 0, &given);
  if (given && (decimal_format(v, sizeof v, x, 4), 1))
    ADD("_pval%s", v);
  static const char *const ratios[] = {"bmdBMDLRatioMin", "bmduBMDLRatioMin", "bmduBMDRatioMin"};
  for (size_t i = 0; i < 3; i++) {
    x = num(section, ratios[i], 0, &given);
    if (given && (decimal_format(v, sizeof v, x, 4), 1))
      ADD("_ratio%s", v);
  }
  x = num(section, "nFoldBelowLowestDose", 0, &given);
  if (given && (decimal_format(v, sizeof v, x, 1), 1))
    ADD("_nfold%s", v);
  if (truth(section, "identifyConflictingProbeSets", 0)) {
    decimal_format(v, sizeof v, num(section, "correlationCutoffForConflictingProbeSets", 0.5, NULL),
                   4);
    ADD("_conf%s", v);
  }
#undef ADD
  return strdup(out);
}
