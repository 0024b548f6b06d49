/*
 * settings_bmdx.c - one analysis of a BMDExpress 3 analyze config as
 * settings (bs/settings_bmdx.h). Each BMDExpress key maps to one setting;
 * the names are BMDExpress's commandline/config classes (bs/bmdx_config.h
 * keeps them as read).
 */
#include "bs/settings_bmdx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/fit.h"
#include "bs/bmdx_plan.h"
#include "bs/settings.h"

/* Sets path to value (JSON, stolen) in sparse; -1 when the setting refuses
 * the value (errstr, unless already filled, says which and why) or when out
 * of memory (errstr left as it is). */
static int set(json_t *sparse, const char *path, json_t *value, char *errstr, size_t errstr_size) {
  const bs_setting *s = bs_setting_find(path);
  char *text = value && json_is_string(value)            ? strdup(json_string_value(value))
               : json_is_null(value) && s && s->off_word ? strdup(s->off_word)
                                                         : json_dumps(value, JSON_ENCODE_ANY);
  char err[256];
  int rc = s && text ? bs_settings_set_text(sparse, s, text, err, sizeof(err)) : -1;
  if (rc != 0 && s && text && !errstr[0])
    snprintf(errstr, errstr_size, "setting %s: %s", path, err);
  free(text);
  json_decref(value);
  return rc;
}

static json_t *optional(int on, double v) {
  return on ? json_real(v) : json_null();
}

/* A "curvefit" section (CurveFitPrefilterConfig). BMDExpress's AnalyzeRunner
 * passes the curve fit neither pValueCutoff, useMultipleTestingCorrection
 * nor filterOutControlGenes (PrefilterService.curveFitPrefilterAnalysis has
 * no such parameters): no p-value, control probes kept. */
static int curvefit_settings(const bs_bmdx_prefilter *p, json_t *s, char *errstr,
                             size_t errstr_size) {
  char list[256] = "", err[256];
  size_t len = 0;
  unsigned seen = 0; /* a model listed twice (analyze-config3.json's Poly 2) is fitted once */
  for (size_t i = 0; i < p->n_models && len < sizeof(list); i++) {
    int m = bmd_model_parse(p->models[i]);
    if (m >= 0 && (seen & (1u << m)))
      continue;
    seen |= m >= 0 ? 1u << m : 0;
    len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? "," : "", p->models[i]);
  }
  if (bs_settings_set_text(s, bs_setting_find("prefilter.curvefit.models"), list, err,
                           sizeof(err)) != 0) {
    snprintf(errstr, errstr_size, "curvefit modelConfigs: %s", err);
    return -1;
  }
  int rc = set(s, "prefilter.curvefit.bmr_factor", json_real(p->bmr_factor), errstr, errstr_size);
  rc |= set(s, "prefilter.curvefit.poly2_bmr_factor",
            optional(!isnan(p->poly2_bmr_factor), p->poly2_bmr_factor), errstr, errstr_size);
  rc |= set(s, "prefilter.curvefit.constant_variance", json_boolean(p->constant_variance), errstr,
            errstr_size);
  rc |= set(s, "prefilter.filter_controls", json_false(), errstr, errstr_size);
  return rc;
}

static int prefilter_settings(const bs_bmdx_prefilter *p, json_t *s, bs_bmdx_analysis *a,
                              char *errstr, size_t errstr_size) {
  int rc = set(s, "prefilter.method", json_string(p->type), errstr, errstr_size);
  rc |= set(s, "prefilter.p_cutoff", json_real(p->p_value_cutoff), errstr, errstr_size);
  rc |= set(s, "prefilter.mtc", json_string(p->use_multiple_testing ? "bh" : "none"), errstr,
            errstr_size);
  rc |= set(s, "prefilter.filter_controls", json_boolean(p->filter_out_control_genes), errstr,
            errstr_size);
  rc |= set(s, "prefilter.fold_filter", optional(p->use_fold_change, p->fold_change), errstr,
            errstr_size);
  /* lotelTest 1 Dunnett, 2 t-test (BMDExpress PrefilterConfig; AnalyzeRunner
   * passes lotelTest == 2 as PrefilterService's tTest flag) */
  rc |= set(s, "prefilter.notel_test", json_string(p->lotel_test == 2 ? "ttest" : "dunnett"),
            errstr, errstr_size);
  rc |= set(s, "prefilter.notel_p", json_real(p->p_value_lotel), errstr, errstr_size);
  rc |= set(s, "prefilter.notel_fc", json_real(p->fold_change_lotel), errstr, errstr_size);
  if (p->number_of_permutations > 0)
    rc |= set(s, "prefilter.permutations", json_integer(p->number_of_permutations), errstr,
              errstr_size);
  if (p->number_of_threads > 0)
    a->threads = (unsigned)p->number_of_threads;
  if (strcmp(p->type, "curvefit") == 0)
    rc |= curvefit_settings(p, s, errstr, errstr_size);
  return rc;
}

static int bmds_settings(const bs_bmdx_bmds *b, const char *where, json_t *s, bs_bmdx_analysis *a,
                         char *errstr, size_t errstr_size) {
  char list[256] = "";
  size_t len = 0;
  for (size_t i = 0; i < b->n_models; i++) {
    if (bmd_model_parse(b->models[i]) < 0) {
      snprintf(errstr, errstr_size, "%s: model %s is not available", where, b->models[i]);
      return -1;
    }
    if (len < sizeof(list))
      len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", b->models[i]);
  }
  char err[256];
  if (bs_settings_set_text(s, bs_setting_find("bmd.models"), list, err, sizeof(err)) != 0) {
    snprintf(errstr, errstr_size, "%s: modelConfigs: %s", where, err);
    return -1;
  }
  int rc = 0;
  /* bmdUBmdLEstimationMethod 1 profile, 2 Wald (BMDExpress BMDSInputConfig;
   * AnalyzeRunner sets ToxicR's "fast" limits for 2) */
  rc |= set(s, "bmd.limits", json_string(b->bmdu_bmdl_method == 2 ? "wald" : "profile"), errstr,
            errstr_size);
  rc |= set(s, "bmd.variance", json_string(b->constant_variance ? "constant" : "nonconstant"),
            errstr, errstr_size);
  rc |= set(s, "bmd.bmr_type", json_string(b->bmr_type == 2 ? "rel" : "sd"), errstr, errstr_size);
  rc |= set(s, "bmd.bmr", json_real(b->bmr_factor), errstr, errstr_size);
  rc |= set(s, "bmd.poly.poly2_monotone", json_boolean(b->restrict_poly_monotonic), errstr,
            errstr_size);
  rc |= set(s, "bmd.step_threshold", json_real(b->step_function_threshold), errstr, errstr_size);
  rc |=
      set(s, "bmd.selection.poly_test",
          json_string(b->best_poly_test == 2 ? "lowest_aic" : "nested_chi2"), errstr, errstr_size);
  rc |= set(s, "bmd.selection.poly_p", json_real(b->p_value_cutoff), errstr, errstr_size);
  rc |= set(s, "bmd.selection.limit_use", json_integer(b->bmdl_bmdu_use), errstr, errstr_size);
  rc |= set(s, "bmd.selection.flag_hill", json_boolean(b->flag_hill_with_k), errstr, errstr_size);
  /* kParameterValue 1, 2, 3: k flagged below 1, 1/2, 1/3 of the lowest dose */
  rc |= set(s, "bmd.selection.hill_k_fraction", json_real(1.0 / b->k_parameter_value), errstr,
            errstr_size);
  rc |= set(s, "bmd.selection.flagged_hill", json_integer(b->best_model_with_flagged_hill), errstr,
            errstr_size);
  rc |= set(s, "bmd.selection.flagged_hill_fraction", json_real(b->modify_flagged_hill_fraction),
            errstr, errstr_size);
  if (b->number_of_threads > 0)
    a->threads = (unsigned)b->number_of_threads;
  return rc;
}

static int category_settings(const bmd_category_options *o, json_t *s, char *errstr,
                             size_t errstr_size) {
  const int *on = o->filter_on;
  int rc = set(s, "category.filters.remove_promiscuous", json_boolean(o->remove_promiscuous),
               errstr, errstr_size);
  rc |= set(s, "category.filters.remove_bmd_above_highest_dose",
            json_boolean(on[BMD_CAT_FILTER_HIGH_DOSE]), errstr, errstr_size);
  rc |= set(s, "category.filters.fit_p_min", optional(on[BMD_CAT_FILTER_FIT_P], o->fit_p_min),
            errstr, errstr_size);
  rc |= set(s, "category.filters.r_squared_min",
            optional(on[BMD_CAT_FILTER_R_SQUARED], o->r_squared_min), errstr, errstr_size);
  rc |= set(s, "category.filters.bmd_bmdl_ratio_max",
            optional(on[BMD_CAT_FILTER_BMD_BMDL], o->bmd_bmdl_max), errstr, errstr_size);
  rc |= set(s, "category.filters.bmdu_bmd_ratio_max",
            optional(on[BMD_CAT_FILTER_BMDU_BMD], o->bmdu_bmd_max), errstr, errstr_size);
  rc |= set(s, "category.filters.bmdu_bmdl_ratio_max",
            optional(on[BMD_CAT_FILTER_BMDU_BMDL], o->bmdu_bmdl_max), errstr, errstr_size);
  rc |= set(s, "category.filters.low_dose_fold",
            optional(on[BMD_CAT_FILTER_LOW_DOSE], o->low_dose_fold), errstr, errstr_size);
  rc |= set(s, "category.filters.fold_change_min",
            optional(on[BMD_CAT_FILTER_FOLD_CHANGE], o->fold_change_min), errstr, errstr_size);
  rc |= set(s, "category.filters.remove_step_function", json_boolean(on[BMD_CAT_FILTER_STEP]),
            errstr, errstr_size);
  rc |= set(s, "category.filters.remove_step_function_bmd_lower",
            json_boolean(on[BMD_CAT_FILTER_STEP_LOW_DOSE]), errstr, errstr_size);
  rc |= set(s, "category.filters.remove_direction",
            on[BMD_CAT_FILTER_DIRECTION] ? json_string(o->remove_direction > 0 ? "up" : "down")
                                         : json_null(),
            errstr, errstr_size);
  rc |= set(s, "category.filters.conflicting_probe_r",
            optional(o->identify_conflicting, o->conflict_r_cutoff), errstr, errstr_size);
  rc |= set(s, "category.filters.deduplicate_gene_sets", json_boolean(o->deduplicate), errstr,
            errstr_size);
  rc |= set(s, "category.filters.min_genes_in_set",
            o->min_genes_on ? json_integer((json_int_t)o->min_genes) : json_null(), errstr,
            errstr_size);
  rc |= set(s, "category.filters.max_genes_in_set",
            o->max_genes_on ? json_integer((json_int_t)o->max_genes) : json_null(), errstr,
            errstr_size);
  return rc;
}

/* A go section: goCategory -> category.go.aspect; the files from the
 * section's goOboFile / goAnnotationFile (resolved like the other names),
 * else from settings already in sparse; refused, naming the setting, when
 * neither gives one. probeFilePath, when given, is the probe map. */
static int go_settings(const bs_bmdx_config *cfg, const bs_bmdx_category *k, const char *where,
                       json_t *sparse, bs_bmdx_analysis *a, char *errstr, size_t errstr_size) {
  static const struct {
    const char *key, *path, *flag, *what;
  } files[] = {{"goOboFile", "category.go.obo", "--go-obo", "the GO ontology (OBO)"},
               {"goAnnotationFile", "category.go.annotations", "--go-annotations",
                "the GO annotations (GAF or gene2go)"}};
  const char *given[] = {k->go_obo_file, k->go_annotation_file};
  for (size_t i = 0; i < 2; i++) {
    if (!given[i]) {
      if (json_is_string(bs_settings_get(sparse, files[i].path)))
        continue;
      snprintf(errstr, errstr_size,
               "%s: GO category analysis needs %s: name it with \"%s\" in the section or the "
               "setting %s (%s)",
               where, files[i].what, files[i].key, files[i].path, files[i].flag);
      return -1;
    }
    char *file = bs_bmdx_config_resolve(cfg, given[i]);
    int rc = file ? set(sparse, files[i].path, json_string(file), errstr, errstr_size) : -1;
    free(file);
    if (rc != 0)
      goto refused;
  }
  if (set(sparse, "category.go.aspect",
          json_string(k->go_category[0] ? k->go_category : "biological_process"), errstr,
          errstr_size) != 0)
    goto refused;
  if (k->probe_file && !(a->probe_map = bs_bmdx_config_resolve(cfg, k->probe_file)))
    goto oom;
  return 0;
refused:
  if (errstr[0]) { /* the setting said why */
    char why[512];
    snprintf(why, sizeof(why), "%s", errstr);
    snprintf(errstr, errstr_size, "%s: %s", where, why);
    return -1;
  }
oom:
  snprintf(errstr, errstr_size, "out of memory");
  return -1;
}

/* A pathway section (REACTOME): the file from the section's
 * pathwayAnnotationFile (resolved like the other names), else from
 * settings already in sparse; refused, naming the setting, when neither
 * gives one. pathwaySpecies -> category.pathway.species; probeFilePath,
 * when given, is the probe map. */
static int pathway_settings(const bs_bmdx_config *cfg, const bs_bmdx_category *k, const char *where,
                            json_t *sparse, bs_bmdx_analysis *a, char *errstr, size_t errstr_size) {
  int rc = 0;
  if (k->pathway_annotation_file) {
    char *file = bs_bmdx_config_resolve(cfg, k->pathway_annotation_file);
    if (!file)
      goto oom;
    rc = set(sparse, "category.pathway.annotations", json_string(file), errstr, errstr_size);
    free(file);
  } else if (!json_is_string(bs_settings_get(sparse, "category.pathway.annotations"))) {
    snprintf(errstr, errstr_size,
             "%s: pathway category analysis needs Reactome's gene -> pathway file "
             "(NCBI2Reactome.txt): name it with \"pathwayAnnotationFile\" in the section or the "
             "setting category.pathway.annotations (--pathway-annotations)",
             where);
    return -1;
  }
  if (rc == 0 && k->pathway_species)
    rc = set(sparse, "category.pathway.species", json_string(k->pathway_species), errstr,
             errstr_size);
  if (rc != 0) {
    if (errstr[0]) { /* the setting said why */
      char why[512];
      snprintf(why, sizeof(why), "%s", errstr);
      snprintf(errstr, errstr_size, "%s: %s", where, why);
      return -1;
    }
    goto oom;
  }
  if (k->probe_file && !(a->probe_map = bs_bmdx_config_resolve(cfg, k->probe_file)))
    goto oom;
  return 0;
oom:
  snprintf(errstr, errstr_size, "out of memory");
  return -1;
}

int bs_settings_from_bmdx(const bs_bmdx_config *cfg, size_t expression, size_t prefilter,
                          size_t bmds, size_t category, json_t *sparse, bs_bmdx_analysis *a,
                          char *errstr, size_t errstr_size) {
  memset(a, 0, sizeof(*a));
  errstr[0] = '\0';
  char where[512];
  if (expression >= cfg->n_expression) {
    snprintf(errstr, errstr_size, "%s: no expressionDataConfigs[%zu]", cfg->path, expression);
    return -1;
  }
  const bs_bmdx_expression *e = &cfg->expression[expression];
  int rc = set(sparse, "prefilter.log_base", json_string(bs_settings_log_base_name(e->log_base)),
               errstr, errstr_size);
  if (!(a->matrix = bs_bmdx_config_resolve(cfg, e->input_file_name)))
    goto oom;
  if (prefilter == BS_BMDX_NONE)
    rc |= set(sparse, "prefilter.method", json_string("none"), errstr, errstr_size);
  else
    rc |= prefilter_settings(&cfg->prefilter[prefilter], sparse, a, errstr, errstr_size);
  if (bmds == BS_BMDX_NONE) {
    rc |= set(sparse, "last_step", json_string("prefilter"), errstr, errstr_size);
  } else {
    snprintf(where, sizeof(where), "%s: bmdsConfigs[%zu]", cfg->path, bmds);
    if (bmds_settings(&cfg->bmds[bmds], where, sparse, a, errstr, errstr_size) != 0)
      goto fail;
  }
  if (category != BS_BMDX_NONE) {
    const bs_bmdx_category *k = &cfg->category[category];
    rc |= set(sparse, "category.type", json_string(k->type), errstr,
              errstr_size); /* defined, gene, go or pathway */
    if (strcmp(k->type, "defined") == 0 &&
        (!(a->probe_map = bs_bmdx_config_resolve(cfg, k->probe_file)) ||
         !(a->category_map = bs_bmdx_config_resolve(cfg, k->category_file))))
      goto oom;
    if (strcmp(k->type, "go") == 0) {
      snprintf(where, sizeof(where), "%s: categoryAnalysisConfigs[%zu]", cfg->path, category);
      if (go_settings(cfg, k, where, sparse, a, errstr, errstr_size) != 0)
        goto fail;
    }
    if (strcmp(k->type, "pathway") == 0) {
      snprintf(where, sizeof(where), "%s: categoryAnalysisConfigs[%zu]", cfg->path, category);
      if (pathway_settings(cfg, k, where, sparse, a, errstr, errstr_size) != 0)
        goto fail;
    }
    rc |= category_settings(&k->options, sparse, errstr, errstr_size);
  }
  if (rc == 0)
    return 0;
  if (errstr[0]) { /* a value the setting refuses */
    char why[512];
    snprintf(why, sizeof(why), "%s", errstr);
    snprintf(errstr, errstr_size, "%s: %s", cfg->path, why);
    goto fail;
  }
oom:
  snprintf(errstr, errstr_size, "out of memory");
fail:
  bs_bmdx_analysis_free(a);
  return -1;
}

void bs_bmdx_analysis_free(bs_bmdx_analysis *a) {
  free(a->matrix);
  free(a->probe_map);
  free(a->category_map);
  a->matrix = a->probe_map = a->category_map = NULL;
}

/* over's members into into, objects merged member by member. */
static int merge(json_t *into, const json_t *over) {
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)over, key, v) {
    json_t *have = json_object_get(into, key);
    int rc =
        json_is_object(have) && json_is_object(v) ? merge(have, v) : json_object_set(into, key, v);
    if (rc != 0)
      return -1;
  }
  return 0;
}

void bs_bmdx_run_files(const bs_bmdx_run *r, const bs_bmdx_analysis *a,
                       const bs_analysis_inputs *given, bs_analysis_inputs *out) {
  *out = (bs_analysis_inputs){a->probe_map, a->category_map, NULL};
  if (r->category == BS_BMDX_NONE)
    return;
  if (given && (given->category_map || given->gmt)) {
    out->category_map = given->category_map;
    out->gmt = given->gmt;
  }
  if (given && given->probe_map)
    out->probe_map = given->probe_map;
}

int bs_settings_from_bmdx_run(const bs_bmdx_config *cfg, const bs_bmdx_run *r, const json_t *flags,
                              const bs_analysis_inputs *files, json_t **settings,
                              bs_bmdx_analysis *a, char *errstr, size_t errstr_size) {
  *settings = NULL;
  json_t *sparse = json_object();
  if (!sparse) {
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
  }
  int rc = bs_settings_from_bmdx(cfg, r->expression, r->prefilter, r->bmds, r->category, sparse, a,
                                 errstr, errstr_size);
  if (rc == 0) {
    free(a->matrix);
    a->matrix = strdup(r->matrix);
    if (!a->matrix || (flags && merge(sparse, flags) != 0)) {
      snprintf(errstr, errstr_size, "out of memory");
      rc = -1;
    }
  }
  if (rc == 0) {
    bs_analysis_inputs run;
    bs_bmdx_run_files(r, a, files, &run);
    const char *type = r->category != BS_BMDX_NONE ? cfg->category[r->category].type : "";
    if (!run.probe_map && (strcmp(type, "go") == 0 || strcmp(type, "pathway") == 0)) {
      /* BMDExpress maps probes to genes by the chip's annotation */
      snprintf(errstr, errstr_size,
               "categoryAnalysisConfigs[%zu]: %s category analysis needs a probe map: name it "
               "with \"probeFilePath\" in the section or give --probe-map beside the config",
               cfg->category_at[r->category], strcmp(type, "go") == 0 ? "GO" : "pathway");
      rc = -1;
    } else
      rc = bs_settings_resolve(sparse, &run, settings, errstr, errstr_size);
  }
  if (rc != 0)
    bs_bmdx_analysis_free(a);
  json_decref(sparse);
  return rc;
}

int bs_settings_from_bmdx_input(const bs_bmdx_config *cfg, const bs_bmdx_run *r,
                                const json_t *flags, const bs_analysis_inputs *files,
                                json_t **input, char *errstr, size_t errstr_size) {
  *input = NULL;
  if (r->input_prefilter == BS_BMDX_NONE)
    return 0;
  bs_bmdx_run up = *r;
  up.prefilter = r->input_prefilter;
  up.input_prefilter = up.bmds = up.category = BS_BMDX_NONE;
  bs_bmdx_analysis unused;
  int rc = bs_settings_from_bmdx_run(cfg, &up, flags, files, input, &unused, errstr, errstr_size);
  if (rc == 0)
    bs_bmdx_analysis_free(&unused);
  return rc;
}
