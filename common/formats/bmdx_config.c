/*
 * bmdx_config.c - reads BMDExpress 3 `analyze` config files (see
 * bs/bmdx_config.h). Each section is checked against the keys BMDExpress's
 * command line knows (its commandline/config classes); an unknown key
 * is an error naming its path, a known key we do not run is recorded in
 * cfg->unsupported with the reason.
 */
#include "bs/bmdx_config.h"

#include "bs/category_config.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct parse_ctx {
  bs_bmdx_config *cfg;
  const char *file;
  char *errstr;
  size_t errstr_size;
  int failed;
} parse_ctx;

static void fail(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(parse_ctx *c, const char *fmt, ...) {
  if (c->failed)
    return;
  c->failed = 1;
  int n = snprintf(c->errstr, c->errstr_size, "%s: ", c->file);
  if (n < 0 || (size_t)n >= c->errstr_size)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errstr + n, c->errstr_size - (size_t)n, fmt, ap);
  va_end(ap);
}

static void unsupported(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unsupported(parse_ctx *c, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char **list = realloc(c->cfg->unsupported, (c->cfg->n_unsupported + 1) * sizeof *list);
  char *msg = strdup(buf);
  if (!list || !msg) {
    free(msg);
    if (list)
      c->cfg->unsupported = list;
    fail(c, "out of memory");
    return;
  }
  c->cfg->unsupported = list;
  list[c->cfg->n_unsupported++] = msg;
}

/* Keeps a section we do not run (bs_bmdx_skipped) with its links; reason
 * is what unsupported() recorded, without its leading "where: ". */
static void skip_section(parse_ctx *c, json_t *o, const char *list, size_t index, const char *type,
                         const char *reason) {
  bs_bmdx_config *cfg = c->cfg;
  bs_bmdx_skipped *all = realloc(cfg->skipped, (cfg->n_skipped + 1) * sizeof *all);
  if (!all) {
    fail(c, "out of memory");
    return;
  }
  cfg->skipped = all;
  bs_bmdx_skipped *k = &all[cfg->n_skipped++];
  memset(k, 0, sizeof *k);
  k->list = list;
  k->index = index;
  snprintf(k->type, sizeof k->type, "%s", type ? type : "");
  const char *const keys[] = {"inputName", "outputName", "inputCategory"};
  char **slots[] = {&k->input_name, &k->output_name, &k->input_category};
  for (size_t i = 0; i < 3; i++) {
    json_t *v = json_object_get(o, keys[i]);
    if (json_is_string(v) && !(*slots[i] = strdup(json_string_value(v))))
      fail(c, "out of memory");
  }
  char where[96];
  int n = snprintf(where, sizeof where, "%s[%zu]: ", list, index);
  if (n > 0 && strncmp(reason, where, (size_t)n) == 0)
    reason += n;
  k->name_suffix = strcmp(list, "preFilterConfigs") == 0          ? bs_bmdx_prefilter_suffix(o)
                   : strcmp(list, "categoryAnalysisConfigs") == 0 ? bs_bmdx_category_suffix(o)
                                                                  : strdup("");
  if (!(k->reason = strdup(reason)) || !k->name_suffix)
    fail(c, "out of memory");
}

/* The last message unsupported() recorded. */
static const char *last_unsupported(const parse_ctx *c) {
  return c->cfg->n_unsupported ? c->cfg->unsupported[c->cfg->n_unsupported - 1] : "";
}

/* Every key of obj must be in known[] (NULL-terminated). */
static void check_keys(parse_ctx *c, json_t *obj, const char *where, const char *const *known) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    int ok = 0;
    for (size_t i = 0; known[i] && !ok; i++)
      ok = strcmp(key, known[i]) == 0;
    if (!ok) {
      fail(c, "%s.%s: unknown key (not a BMDExpress 3 analyze setting)", where, key);
      return;
    }
  }
  (void)v;
}

/* Typed getters: absent or null keep the default. */
static int get_bool(parse_ctx *c, json_t *o, const char *where, const char *key, int dflt) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v))
    return dflt;
  if (!json_is_boolean(v)) {
    fail(c, "%s.%s: expected true or false", where, key);
    return dflt;
  }
  return json_is_true(v);
}

static double get_num(parse_ctx *c, json_t *o, const char *where, const char *key, double dflt) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v))
    return dflt;
  if (!json_is_number(v)) {
    fail(c, "%s.%s: expected a number", where, key);
    return dflt;
  }
  return json_number_value(v);
}

static long get_int(parse_ctx *c, json_t *o, const char *where, const char *key, long dflt) {
  double d = get_num(c, o, where, key, (double)dflt);
  if (d != floor(d) || fabs(d) > 1e15) {
    fail(c, "%s.%s: expected an integer", where, key);
    return dflt;
  }
  return (long)d;
}

static char *get_str(parse_ctx *c, json_t *o, const char *where, const char *key) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v))
    return NULL;
  if (!json_is_string(v)) {
    fail(c, "%s.%s: expected a string", where, key);
    return NULL;
  }
  char *s = strdup(json_string_value(v));
  if (!s)
    fail(c, "out of memory");
  return s;
}

/* The section's array (absent = empty); NULL after an error. */
static json_t *get_array(parse_ctx *c, json_t *root, const char *key, size_t *n) {
  json_t *a = json_object_get(root, key);
  *n = 0;
  if (!a || json_is_null(a))
    return NULL;
  if (!json_is_array(a)) {
    fail(c, "%s: expected an array", key);
    return NULL;
  }
  *n = json_array_size(a);
  return a;
}

static const char *type_of(parse_ctx *c, json_t *o, const char *where) {
  json_t *t = json_object_get(o, "@type");
  if (!json_is_string(t)) {
    fail(c, "%s.@type: missing or not a string", where);
    return "";
  }
  return json_string_value(t);
}

/* ---- sections -------------------------------------------------------- */

static void parse_expression(parse_ctx *c, json_t *o, const char *where, bs_bmdx_expression *e) {
  static const char *const known[] = {"inputFileName", "hasHeaders", "logTransformation",
                                      "platform",      "outputName", NULL};
  check_keys(c, o, where, known);
  e->input_file_name = get_str(c, o, where, "inputFileName");
  if (!e->input_file_name)
    fail(c, "%s.inputFileName: missing", where);
  e->has_headers = get_bool(c, o, where, "hasHeaders", 1);
  e->platform = get_str(c, o, where, "platform");
  e->output_name = get_str(c, o, where, "outputName");
  e->log_base = BMD_LOG_BASE2;
  json_t *lt = json_object_get(o, "logTransformation");
  if (lt && !json_is_null(lt)) {
    const char *s = json_is_string(lt) ? json_string_value(lt) : "";
    if (strcmp(s, "NONE") == 0)
      e->log_base = BMD_LOG_NONE;
    else if (strcmp(s, "BASE2") == 0)
      e->log_base = BMD_LOG_BASE2;
    else if (strcmp(s, "BASE10") == 0)
      e->log_base = BMD_LOG_BASE10;
    else if (strcmp(s, "NATURAL") == 0)
      e->log_base = BMD_LOG_NATURAL;
    else
      fail(c, "%s.logTransformation: expected NONE, BASE2, BASE10 or NATURAL", where);
  }
}

static const char *const prefilter_keys[] = {
    "@type", "inputName", "outputName", "pValueCutoff", "useMultipleTestingCorrection",
    "filterOutControlGenes", "useFoldChange", "foldChange", "foldChangeLotel", "pValueLotel",
    "lotelTest", "numberOfThreads", "numberOfPermutations", "inputCategory",
    /* curve-fit and ORIOGEN prefilters */
    "bmrFactor", "poly2BmrFactor", "constantVariance", "modelConfigs", "numberOfBootstraps",
    "shrinkageCorrection", "mtcType", NULL};

static void parse_models(parse_ctx *c, json_t *arr, const char *where, bs_bmdx_bmds *b);

/* The curve fit's own keys (BMDExpress CurveFitPrefilterConfig: models,
 * constantVariance true, bmrFactor and poly2BmrFactor 1.021); its models
 * as a bmdsConfigs section's. */
static void parse_curvefit(parse_ctx *c, json_t *o, const char *where, bs_bmdx_prefilter *p) {
  bs_bmdx_bmds b;
  memset(&b, 0, sizeof(b));
  parse_models(c, json_object_get(o, "modelConfigs"), where, &b);
  p->n_models = b.n_models;
  memcpy(p->models, b.models, sizeof(p->models));
  p->constant_variance = get_bool(c, o, where, "constantVariance", 1);
  p->bmr_factor = get_num(c, o, where, "bmrFactor", 1.021);
  /* absent: the field's initial 1.021; null: none (the BMR factor) */
  json_t *poly2 = json_object_get(o, "poly2BmrFactor");
  p->poly2_bmr_factor =
      poly2 && json_is_null(poly2) ? NAN : get_num(c, o, where, "poly2BmrFactor", 1.021);
  if (!(p->bmr_factor > 0) || !(p->poly2_bmr_factor > 0 || isnan(p->poly2_bmr_factor)))
    fail(c, "%s: bmrFactor and poly2BmrFactor must be > 0", where);
}

/* Returns 1 when the section is one we run (filled into *p). */
static int parse_prefilter(parse_ctx *c, json_t *o, const char *where, bs_bmdx_prefilter *p) {
  check_keys(c, o, where, prefilter_keys);
  const char *type = type_of(c, o, where);
  if (c->failed)
    return 0;
  if (strcmp(type, "anova") != 0 && strcmp(type, "williams") != 0 &&
      strcmp(type, "curvefit") != 0) {
    if (strcmp(type, "oriogen") == 0)
      unsupported(c, "%s: the %s prefilter is not supported (anova, williams and curvefit are)",
                  where, type);
    else
      fail(c, "%s.@type: unknown prefilter \"%s\"", where, type);
    return 0;
  }
  snprintf(p->type, sizeof p->type, "%s", type);
  p->p_value_cutoff = get_num(c, o, where, "pValueCutoff", 0.05);
  p->use_multiple_testing = get_bool(c, o, where, "useMultipleTestingCorrection", 0);
  p->filter_out_control_genes = get_bool(c, o, where, "filterOutControlGenes", 1);
  p->use_fold_change = get_bool(c, o, where, "useFoldChange", 1);
  p->fold_change = get_num(c, o, where, "foldChange", 2.0);
  p->fold_change_lotel = get_num(c, o, where, "foldChangeLotel", 1.5);
  p->p_value_lotel = get_num(c, o, where, "pValueLotel", 0.05);
  p->lotel_test = (int)get_int(c, o, where, "lotelTest", 1);
  if (p->lotel_test != 1 && p->lotel_test != 2)
    fail(c, "%s.lotelTest: expected 1 (Dunnett's test) or 2 (t-test), got %d", where,
         p->lotel_test);
  p->number_of_permutations = get_int(c, o, where, "numberOfPermutations", 1000);
  p->number_of_threads = (int)get_int(c, o, where, "numberOfThreads", 1);
  p->input_name = get_str(c, o, where, "inputName");
  p->output_name = get_str(c, o, where, "outputName");
  if (strcmp(type, "curvefit") == 0) {
    parse_curvefit(c, o, where, p);
    /* AnalyzeRunner.doPrefilter reads inputCategory of a curve fit only:
     * absent, "" or expression: the data sets; williams, anova, oriogen
     * (any case): those prefilters' results */
    p->input_category = get_str(c, o, where, "inputCategory");
    const char *ic = p->input_category;
    if (ic && (!*ic || strcasecmp(ic, "expression") == 0)) {
      free(p->input_category);
      p->input_category = NULL;
    } else if (ic && strcasecmp(ic, "williams") != 0 && strcasecmp(ic, "anova") != 0 &&
               strcasecmp(ic, "oriogen") != 0) {
      fail(c, "%s.inputCategory: unknown \"%s\" (expected expression, williams, anova or oriogen)",
           where, ic);
    }
  }
  if (!(p->name_suffix = bs_bmdx_prefilter_suffix(o)))
    fail(c, "out of memory");
  return 1;
}

/* modelConfigs[] -> "hill", "power", "polyN", "expN". */
static void parse_models(parse_ctx *c, json_t *arr, const char *where, bs_bmdx_bmds *b) {
  size_t i;
  json_t *m;
  if (!json_is_array(arr) || json_array_size(arr) == 0) {
    fail(c, "%s.modelConfigs: expected a non-empty array", where);
    return;
  }
  json_array_foreach(arr, i, m) {
    char w[160];
    snprintf(w, sizeof w, "%s.modelConfigs[%zu]", where, i);
    static const char *const known[] = {"@type", "degree", "expModel", NULL};
    check_keys(c, m, w, known);
    const char *type = type_of(c, m, w);
    if (c->failed)
      return;
    if (b->n_models >= sizeof b->models / sizeof b->models[0]) {
      fail(c, "%s: too many models", w);
      return;
    }
    char *slot = b->models[b->n_models];
    if (strcmp(type, "hill") == 0 || strcmp(type, "power") == 0) {
      snprintf(slot, sizeof b->models[0], "%s", type);
    } else if (strcmp(type, "poly") == 0) {
      long deg = get_int(c, m, w, "degree", 1);
      if (deg < 1 || deg > 4) {
        fail(c, "%s.degree: expected 1 to 4", w);
        return;
      }
      snprintf(slot, sizeof b->models[0], "poly%ld", deg);
    } else if (strcmp(type, "exp") == 0) {
      long em = get_int(c, m, w, "expModel", 3);
      if (em < 2 || em > 5) {
        fail(c, "%s.expModel: expected 2 to 5", w);
        return;
      }
      snprintf(slot, sizeof b->models[0], "exp%ld", em);
    } else if (strcmp(type, "funl") == 0) {
      unsupported(c, "%s: the FUNL model is not supported", w);
      continue;
    } else {
      fail(c, "%s.@type: unknown model \"%s\"", w, type);
      return;
    }
    b->n_models++;
  }
}

static void parse_bmds(parse_ctx *c, json_t *o, const char *where, bs_bmdx_bmds *b) {
  static const char *const known[] = {"modelConfigs",    "bmdsBestModelSelection",
                                      "bmdsInputConfig", "inputCategory",
                                      "inputName",       "outputName",
                                      "numberOfThreads", NULL};
  check_keys(c, o, where, known);
  parse_models(c, json_object_get(o, "modelConfigs"), where, b);
  b->number_of_threads = (int)get_int(c, o, where, "numberOfThreads", 1);
  b->input_category = get_str(c, o, where, "inputCategory");
  /* AnalyzeRunner.doBMDSAnalysis matches it (ignoring case) against
   * BMDExpressCommandLine's anova, williams, oriogen, curvefit_prefilter
   * and expression; it has no default there */
  static const char *const inputs[] = {"anova", "williams", "oriogen", "curvefit_prefilter",
                                       "expression"};
  int known_input = 0;
  for (size_t i = 0; b->input_category && i < sizeof inputs / sizeof inputs[0]; i++)
    known_input |= strcasecmp(b->input_category, inputs[i]) == 0;
  if (!c->failed && !known_input)
    fail(c,
         "%s.inputCategory: %s%s%s (expected anova, williams, oriogen, curvefit_prefilter or "
         "expression)",
         where, b->input_category ? "unknown \"" : "missing",
         b->input_category ? b->input_category : "", b->input_category ? "\"" : "");
  b->input_name = get_str(c, o, where, "inputName");
  b->output_name = get_str(c, o, where, "outputName");

  char w[160];
  json_t *sel = json_object_get(o, "bmdsBestModelSelection");
  json_t *empty = json_object();
  snprintf(w, sizeof w, "%s.bmdsBestModelSelection", where);
  if (!sel || json_is_null(sel))
    sel = empty;
  static const char *const sel_keys[] = {"bestPolyTest",
                                         "pValueCutoff",
                                         "bmdlBMDUUse",
                                         "flagHillWithKParameter",
                                         "kParameterValue",
                                         "bestModelSelectionWithFlaggedHill",
                                         "modifyFlaggedHillWithFractionMinBMD",
                                         "modifyFlaggedHillWtihFractionMinBMD",
                                         NULL};
  check_keys(c, sel, w, sel_keys);
  b->best_poly_test = (int)get_int(c, sel, w, "bestPolyTest", 1);
  b->p_value_cutoff = get_num(c, sel, w, "pValueCutoff", 0.05);
  b->bmdl_bmdu_use = (int)get_int(c, sel, w, "bmdlBMDUUse", 1);
  b->flag_hill_with_k = get_bool(c, sel, w, "flagHillWithKParameter", 1);
  b->k_parameter_value = (int)get_int(c, sel, w, "kParameterValue", 2);
  b->best_model_with_flagged_hill = (int)get_int(c, sel, w, "bestModelSelectionWithFlaggedHill", 5);
  b->modify_flagged_hill_fraction =
      get_num(c, sel, w, "modifyFlaggedHillWithFractionMinBMD",
              get_num(c, sel, w, "modifyFlaggedHillWtihFractionMinBMD", 0.5));
  if (b->best_poly_test < 1 || b->best_poly_test > 2)
    fail(c, "%s.bestPolyTest: expected 1 (nested chi-square) or 2 (lowest AIC)", w);
  if (b->bmdl_bmdu_use < 1 || b->bmdl_bmdu_use > 4)
    fail(c, "%s.bmdlBMDUUse: expected 1 to 4", w);
  if (b->k_parameter_value < 1 || b->k_parameter_value > 3)
    fail(c, "%s.kParameterValue: expected 1, 2 or 3", w);
  if (b->best_model_with_flagged_hill < 1 || b->best_model_with_flagged_hill > 5)
    fail(c, "%s.bestModelSelectionWithFlaggedHill: expected 1 to 5", w);

  json_t *in = json_object_get(o, "bmdsInputConfig");
  snprintf(w, sizeof w, "%s.bmdsInputConfig", where);
  if (!in || json_is_null(in))
    in = empty;
  static const char *const in_keys[] = {"constantVariance",
                                        "bmrType",
                                        "bmrFactor",
                                        "bmdUBmdLEstimationMethod",
                                        "restrictPolyToMonotonic",
                                        "stepFunctionThreshold",
                                        "maxIterations",
                                        "confidenceLevel",
                                        NULL};
  check_keys(c, in, w, in_keys);
  b->constant_variance = get_bool(c, in, w, "constantVariance", 1);
  b->bmr_type = (int)get_int(c, in, w, "bmrType", 1);
  b->bmr_factor = get_num(c, in, w, "bmrFactor", 1.021);
  b->bmdu_bmdl_method = (int)get_int(c, in, w, "bmdUBmdLEstimationMethod", 1);
  b->restrict_poly_monotonic = get_bool(c, in, w, "restrictPolyToMonotonic", 0);
  b->step_function_threshold = get_num(c, in, w, "stepFunctionThreshold", 0.75);
  if (b->bmr_type < 1 || b->bmr_type > 2)
    fail(c, "%s.bmrType: expected 1 (standard deviation) or 2 (relative deviation)", w);
  if (b->bmdu_bmdl_method < 1 || b->bmdu_bmdl_method > 2)
    fail(c, "%s.bmdUBmdLEstimationMethod: expected 1 (profile) or 2 (Wald)", w);
  if (!(b->bmr_factor > 0))
    fail(c, "%s.bmrFactor: expected a positive number", w);
  if (!(b->step_function_threshold > 0 && b->step_function_threshold <= 1))
    fail(c, "%s.stepFunctionThreshold: expected a number above 0 and at most 1", w);
  json_decref(empty);
}

/* Returns 1 when the section is one we run. GO and pathway sections that
 * do not name the files BMDExpress would download are named and skipped. A defined
 * or gene section is read by bs_category_config_parse (bs/category_config.h),
 * which refuses options that would change its result and warns about
 * those that only add output. */
static int parse_category(parse_ctx *c, json_t *o, const char *where, bs_bmdx_category *k) {
  const char *type = type_of(c, o, where);
  if (c->failed)
    return 0;
  if (strcmp(type, "go") == 0 && (!json_is_string(json_object_get(o, "goOboFile")) ||
                                  !json_is_string(json_object_get(o, "goAnnotationFile")))) {
    unsupported(c,
                "%s: GO category analysis needs the GO files, which BMDExpress downloads: name "
                "them in the section (\"goOboFile\": the ontology, setting category.go.obo; "
                "\"goAnnotationFile\": GAF or gene2go, setting category.go.annotations)",
                where);
    return 0;
  }
  if (strcmp(type, "pathway") == 0 &&
      !json_is_string(json_object_get(o, "pathwayAnnotationFile"))) {
    unsupported(c,
                "%s: pathway category analysis needs the pathway file, which BMDExpress "
                "downloads: name Reactome's NCBI2Reactome.txt in the section "
                "(\"pathwayAnnotationFile\", setting category.pathway.annotations)",
                where);
    return 0;
  }
  bs_category_config cc;
  char err[512];
  if (bs_category_config_parse(o, where, &cc, err, sizeof err) != 0) {
    /* an option we do not run skips this section, not the file */
    if (strstr(err, " is not supported: "))
      unsupported(c, "%s", err);
    else
      fail(c, "%s", err);
    return 0;
  }
  snprintf(k->type, sizeof k->type, "%s",
           cc.kind == BS_CATEGORY_GENE             ? "gene"
           : cc.kind == BS_CATEGORY_CONFIG_GO      ? "go"
           : cc.kind == BS_CATEGORY_CONFIG_PATHWAY ? "pathway"
                                                   : "defined");
  if (cc.kind == BS_CATEGORY_CONFIG_GO)
    snprintf(k->go_category, sizeof k->go_category, "%s", cc.go_category);
  k->options = cc.options;
  if ((cc.go_obo_file && !(k->go_obo_file = strdup(cc.go_obo_file))) ||
      (cc.go_annotation_file && !(k->go_annotation_file = strdup(cc.go_annotation_file))) ||
      (cc.pathway_annotation_file &&
       !(k->pathway_annotation_file = strdup(cc.pathway_annotation_file))) ||
      (cc.pathway_species && !(k->pathway_species = strdup(cc.pathway_species))) ||
      (cc.probe_file && !(k->probe_file = strdup(cc.probe_file))) ||
      (cc.category_file && !(k->category_file = strdup(cc.category_file))) ||
      (cc.input_name && !(k->input_name = strdup(cc.input_name))) ||
      (cc.output_name && !(k->output_name = strdup(cc.output_name))) ||
      !(k->name_suffix = bs_bmdx_category_suffix(o))) {
    fail(c, "out of memory");
    return 0;
  }
  if (cc.warnings[0])
    unsupported(c, "%s", cc.warnings);
  return 1;
}

/* ---- the file ------------------------------------------------------------ */

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

bs_bmdx_config *bs_bmdx_config_read(const char *path, char *errstr, size_t errstr_size) {
  parse_ctx c = {NULL, path, errstr, errstr_size, 0};
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr) /* duplicates: last wins, as in Jackson */;
  bs_bmdx_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) {
    snprintf(errstr, errstr_size, "%s: out of memory", path);
    json_decref(root);
    return NULL;
  }
  c.cfg = cfg;
  if (!root) {
    fail(&c, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    goto fail;
  }
  if (!json_is_object(root)) {
    fail(&c, "expected a JSON object at the top");
    goto fail;
  }
  static const char *const top_keys[] = {
      "bm2FileName",           "jsonExportFileName",      "overwrite",   "basePath",
      "expressionDataConfigs", "preFilterConfigs",        "bmdsConfigs", "maConfigs",
      "nonParametricConfigs",  "categoryAnalysisConfigs", NULL};
  check_keys(&c, root, "(top)", top_keys);
  cfg->path = strdup(path);
  cfg->bm2_file_name = get_str(&c, root, "(top)", "bm2FileName");
  cfg->json_export_file_name = get_str(&c, root, "(top)", "jsonExportFileName");
  cfg->overwrite = get_bool(&c, root, "(top)", "overwrite", 0);
  cfg->base_path = get_str(&c, root, "(top)", "basePath");
  if (!cfg->base_path && !c.failed)
    cfg->base_path = dir_of(path);
  if (!cfg->path || !cfg->base_path)
    fail(&c, "out of memory");
  if (c.failed)
    goto fail;
  if (cfg->bm2_file_name)
    unsupported(&c, "bm2FileName: .bm2 project files are not written (results go to the output "
                    "directory as TSV and JSON)");
  if (cfg->json_export_file_name)
    unsupported(&c, "jsonExportFileName: the BMDExpress JSON project export is not written");

  size_t n, i;
  json_t *a, *o;
  char where[96];
  if ((a = get_array(&c, root, "maConfigs", &n)) && n > 0) {
    unsupported(&c, "maConfigs: ToxicR model averaging is not supported (%zu section%s)", n,
                n == 1 ? "" : "s");
    json_array_foreach(a, i, o)
        skip_section(&c, o, "maConfigs", i, "ma", "ToxicR model averaging is not supported");
  }
  if ((a = get_array(&c, root, "nonParametricConfigs", &n)) && n > 0)
    unsupported(&c, "nonParametricConfigs: GCurveP is not supported (%zu section%s)", n,
                n == 1 ? "" : "s");

  a = get_array(&c, root, "expressionDataConfigs", &n);
  if (n == 0 && !c.failed)
    fail(&c, "expressionDataConfigs: at least one expression data section is needed");
  if (c.failed || !(cfg->expression = calloc(n ? n : 1, sizeof *cfg->expression)))
    goto fail;
  json_array_foreach(a, i, o) {
    snprintf(where, sizeof where, "expressionDataConfigs[%zu]", i);
    parse_expression(&c, o, where, &cfg->expression[cfg->n_expression++]);
  }

  a = get_array(&c, root, "preFilterConfigs", &n);
  if (c.failed || !(cfg->prefilter = calloc(n ? n : 1, sizeof *cfg->prefilter)) ||
      !(cfg->prefilter_at = calloc(n ? n : 1, sizeof *cfg->prefilter_at)))
    goto fail;
  json_array_foreach(a, i, o) {
    snprintf(where, sizeof where, "preFilterConfigs[%zu]", i);
    if (!json_is_object(o))
      fail(&c, "%s: expected an object", where);
    else if (parse_prefilter(&c, o, where, &cfg->prefilter[cfg->n_prefilter]))
      cfg->prefilter_at[cfg->n_prefilter++] = i;
    else if (!c.failed)
      skip_section(&c, o, "preFilterConfigs", i, json_string_value(json_object_get(o, "@type")),
                   last_unsupported(&c));
  }

  a = get_array(&c, root, "bmdsConfigs", &n);
  if (c.failed || !(cfg->bmds = calloc(n ? n : 1, sizeof *cfg->bmds)))
    goto fail;
  json_array_foreach(a, i, o) {
    snprintf(where, sizeof where, "bmdsConfigs[%zu]", i);
    if (!json_is_object(o))
      fail(&c, "%s: expected an object", where);
    else
      parse_bmds(&c, o, where, &cfg->bmds[cfg->n_bmds++]);
  }

  a = get_array(&c, root, "categoryAnalysisConfigs", &n);
  if (c.failed || !(cfg->category = calloc(n ? n : 1, sizeof *cfg->category)) ||
      !(cfg->category_at = calloc(n ? n : 1, sizeof *cfg->category_at)))
    goto fail;
  json_array_foreach(a, i, o) {
    snprintf(where, sizeof where, "categoryAnalysisConfigs[%zu]", i);
    if (!json_is_object(o)) {
      fail(&c, "%s: expected an object", where);
    } else if (parse_category(&c, o, where, &cfg->category[cfg->n_category])) {
      cfg->category_at[cfg->n_category++] = i;
    } else if (!c.failed) { /* skipped: clear what a partial parse left */
      bs_bmdx_category *k = &cfg->category[cfg->n_category];
      free(k->probe_file);
      free(k->category_file);
      free(k->go_obo_file);
      free(k->go_annotation_file);
      free(k->input_name);
      free(k->output_name);
      free(k->name_suffix);
      memset(k, 0, sizeof *k);
      skip_section(&c, o, "categoryAnalysisConfigs", i,
                   json_string_value(json_object_get(o, "@type")), last_unsupported(&c));
    }
  }
  if (c.failed)
    goto fail;
  json_decref(root);
  return cfg;
fail:
  if (!c.failed)
    fail(&c, "out of memory");
  json_decref(root);
  bs_bmdx_config_destroy(cfg);
  return NULL;
}

void bs_bmdx_config_destroy(bs_bmdx_config *cfg) {
  if (!cfg)
    return;
  for (size_t i = 0; i < cfg->n_expression; i++) {
    free(cfg->expression[i].input_file_name);
    free(cfg->expression[i].platform);
    free(cfg->expression[i].output_name);
  }
  for (size_t i = 0; i < cfg->n_prefilter; i++) {
    free(cfg->prefilter[i].input_name);
    free(cfg->prefilter[i].output_name);
    free(cfg->prefilter[i].input_category);
    free(cfg->prefilter[i].name_suffix);
  }
  for (size_t i = 0; i < cfg->n_bmds; i++) {
    free(cfg->bmds[i].input_category);
    free(cfg->bmds[i].input_name);
    free(cfg->bmds[i].output_name);
  }
  for (size_t i = 0; i < cfg->n_category; i++) {
    free(cfg->category[i].probe_file);
    free(cfg->category[i].go_obo_file);
    free(cfg->category[i].go_annotation_file);
    free(cfg->category[i].pathway_annotation_file);
    free(cfg->category[i].pathway_species);
    free(cfg->category[i].category_file);
    free(cfg->category[i].input_name);
    free(cfg->category[i].output_name);
    free(cfg->category[i].name_suffix);
  }
  for (size_t i = 0; i < cfg->n_skipped; i++) {
    free(cfg->skipped[i].input_name);
    free(cfg->skipped[i].output_name);
    free(cfg->skipped[i].input_category);
    free(cfg->skipped[i].reason);
    free(cfg->skipped[i].name_suffix);
  }
  free(cfg->skipped);
  free(cfg->prefilter_at);
  free(cfg->category_at);
  for (size_t i = 0; i < cfg->n_unsupported; i++)
    free(cfg->unsupported[i]);
  free(cfg->unsupported);
  free(cfg->expression);
  free(cfg->prefilter);
  free(cfg->bmds);
  free(cfg->category);
  free(cfg->path);
  free(cfg->base_path);
  free(cfg->bm2_file_name);
  free(cfg->json_export_file_name);
  free(cfg);
}

char *bs_bmdx_config_resolve(const bs_bmdx_config *cfg, const char *name) {
  if (!name)
    return NULL;
  if (name[0] == '/' || !cfg->base_path || !cfg->base_path[0])
    return strdup(name);
  size_t n = strlen(cfg->base_path) + strlen(name) + 2;
  char *s = malloc(n);
  if (s)
    snprintf(s, n, "%s/%s", cfg->base_path, name);
  return s;
}
