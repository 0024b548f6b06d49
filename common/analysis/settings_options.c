/*
 * settings_options.c - the settings JSON into the core option structs
 * (bs/settings.h, bs_settings_options): the one place where a setting's
 * value becomes what core reads. The JSON is normalized first, so every
 * value here is present and in bounds.
 */
#include "bs/settings.h"

#include <math.h>
#include <string.h>

#include "bmd/fit.h"

static double number(const json_t *s, const char *path) {
  return json_number_value(bs_settings_get(s, path));
}

static int flag(const json_t *s, const char *path) {
  return json_is_true(bs_settings_get(s, path));
}

static const char *text(const json_t *s, const char *path) {
  return json_string_value(bs_settings_get(s, path));
}

/* The index of path's value among its setting's choices. */
static int choice(const json_t *s, const char *path) {
  const bs_setting *def = bs_setting_find(path);
  const char *v = text(s, path);
  for (int i = 0; v && def->choices[i]; i++)
    if (strcmp(def->choices[i], v) == 0)
      return i;
  return 0; /* unreachable on normalized settings */
}

/* A nullable number: on (1) with its value in *v, or off (0). */
static int optional(const json_t *s, const char *path, double *v) {
  json_t *j = bs_settings_get(s, path);
  if (json_is_null(j))
    return 0;
  *v = json_number_value(j);
  return 1;
}

static void prefilter_options(const json_t *j, bs_settings *o) {
  o->method = bmd_prefilter_method_find(text(j, "prefilter.method"));
  o->test.permutations = (unsigned)json_integer_value(bs_settings_get(j, "prefilter.permutations"));
  o->test.seed = (uint64_t)json_integer_value(bs_settings_get(j, "prefilter.seed"));
  o->test.threads = 1;
  o->log_base = (bmd_log_base)bs_settings_log_base_parse(text(j, "prefilter.log_base"));
  bmd_prefilter_options *p = &o->prefilter;
  *p = bmd_prefilter_options_default();
  if (!optional(j, "prefilter.p_cutoff", &p->p_cutoff))
    p->p_cutoff = 9999; /* core's "no cut-off" */
  p->use_adjusted = strcmp(text(j, "prefilter.mtc"), "bh") == 0;
  p->filter_controls = flag(j, "prefilter.filter_controls");
  if (!optional(j, "prefilter.fold_filter", &p->fold_threshold))
    p->fold_threshold = 0;
  p->notel_test = (bmd_notel_test)choice(j, "prefilter.notel_test"); /* ttest, dunnett */
  p->notel_p = number(j, "prefilter.notel_p");
  p->notel_fc = number(j, "prefilter.notel_fc");
  bmd_curvefit_options *c = &o->test.curvefit;
  *c = bmd_curvefit_options_default();
  c->model_mask = 0;
  size_t i;
  json_t *m;
  json_array_foreach(bs_settings_get(j, "prefilter.curvefit.models"), i, m) {
    c->model_mask |= 1u << bmd_model_parse(json_string_value(m));
  }
  c->bmr = number(j, "prefilter.curvefit.bmr_factor");
  if (!optional(j, "prefilter.curvefit.poly2_bmr_factor", &c->poly2_bmr))
    c->poly2_bmr = NAN;
  c->variance = flag(j, "prefilter.curvefit.constant_variance") ? BMD_VARIANCE_CONSTANT
                                                                : BMD_VARIANCE_NONCONSTANT;
}

static void bmd_options(const json_t *j, bs_settings *o) {
  bmd_probes_options *b = &o->bmd;
  *b = bmd_probes_options_default();
  b->model_mask = 0;
  size_t i;
  json_t *m;
  json_array_foreach(bs_settings_get(j, "bmd.models"), i, m) {
    b->model_mask |= 1u << bmd_model_parse(json_string_value(m));
  }
  b->threads = 1;
  b->fit.log_base = o->log_base;
  b->fit.variance = (bmd_variance)choice(j, "bmd.variance"); /* constant, nonconstant */
  b->fit.bmr_type = (bmd_bmr_type)choice(j, "bmd.bmr_type"); /* sd, rel, abs */
  b->fit.bmr = number(j, "bmd.bmr");
  b->fit.alpha = 1.0 - number(j, "bmd.confidence_level");
  b->fit.limit_method = (bmd_limit_method)choice(j, "bmd.limits"); /* profile, wald */
  b->fit.compat = (bmd_compat)choice(j, "bmd.compat");             /* bmds3, bmds2 */
  /* bmdexpress3, bmdexpress2, pybmds (one fit with pybmds' restriction) */
  static const bmd_poly_fit poly_fits[] = {BMD_POLY_FIT_BMDX3, BMD_POLY_FIT_BMDX2,
                                           BMD_POLY_FIT_SINGLE};
  b->fit.poly_fit = poly_fits[choice(j, "bmd.poly.fit")];
  b->fit.poly_restricted = -1;
  b->fit.poly2_monotone = flag(j, "bmd.poly.poly2_monotone");
  const json_t *poly2_bmr = bs_settings_get(j, "bmd.poly.poly2_bmr");
  b->fit.poly2_bmr = json_is_number(poly2_bmr) ? json_number_value(poly2_bmr) : NAN;
  b->fit.power_restricted = flag(j, "bmd.restrict.power");
  b->fit.hill_restricted = flag(j, "bmd.restrict.hill");
  b->step_threshold = number(j, "bmd.step_threshold");
  bmd_select_options *sel = &b->select;
  sel->poly_test =
      (bmd_poly_test)choice(j, "bmd.selection.poly_test"); /* nested_chi2, lowest_aic */
  sel->poly_p = number(j, "bmd.selection.poly_p");
  sel->limit_use = (bmd_limit_use)json_integer_value(bs_settings_get(j, "bmd.selection.limit_use"));
  /* BMDExpress's "do not compute" skips the limits altogether (profile or Wald) */
  b->fit.compute_limits = sel->limit_use != BMD_USE_NO_LIMITS;
  sel->flag_hill = flag(j, "bmd.selection.flag_hill");
  sel->hill_k_fraction = number(j, "bmd.selection.hill_k_fraction");
  sel->flagged_hill =
      (bmd_flagged_hill)json_integer_value(bs_settings_get(j, "bmd.selection.flagged_hill"));
  sel->flagged_hill_fraction = number(j, "bmd.selection.flagged_hill_fraction");
  sel->next_best_p = number(j, "bmd.selection.next_best_p");
}

/* category.go.* (normalized: strings fit, codes are at most 15 bytes) */
static void go_options(const json_t *j, bs_go_settings *g) {
  const char *obo = text(j, "category.go.obo"), *ann = text(j, "category.go.annotations");
  snprintf(g->obo, sizeof(g->obo), "%s", obo ? obo : "");
  snprintf(g->annotations, sizeof(g->annotations), "%s", ann ? ann : "");
  g->aspect = choice(j, "category.go.aspect"); /* bs_go_aspect order */
  size_t i;
  json_t *code;
  json_array_foreach(bs_settings_get(j, "category.go.exclude_evidence"), i, code) {
    if (i < BS_GO_MAX_EVIDENCE)
      snprintf(g->exclude_evidence[i], sizeof(g->exclude_evidence[i]), "%s",
               json_string_value(code));
  }
  g->n_exclude_evidence = i < BS_GO_MAX_EVIDENCE ? i : BS_GO_MAX_EVIDENCE;
  double taxon;
  g->taxon = optional(j, "category.go.taxon", &taxon) ? (long)taxon : 0;
}

/* category.pathway.* (normalized strings) */
static void pathway_options(const json_t *j, bs_pathway_settings *p) {
  const char *ann = text(j, "category.pathway.annotations");
  const char *species = text(j, "category.pathway.species");
  snprintf(p->annotations, sizeof(p->annotations), "%s", ann ? ann : "");
  snprintf(p->species, sizeof(p->species), "%s", species ? species : "");
}

static void category_options(const json_t *j, bs_settings *o) {
  o->category_type = (bs_category_type)choice(j, "category.type"); /* none .. pathway */
  go_options(j, &o->go);
  pathway_options(j, &o->pathway);
  bmd_category_options *c = &o->category;
  *c = bmd_category_options_default();
  for (int f = 0; f < BMD_CAT_FILTER_COUNT; f++)
    c->filter_on[f] = 0;
  c->remove_promiscuous = flag(j, "category.filters.remove_promiscuous");
  c->filter_on[BMD_CAT_FILTER_HIGH_DOSE] =
      flag(j, "category.filters.remove_bmd_above_highest_dose");
  c->filter_on[BMD_CAT_FILTER_FIT_P] = optional(j, "category.filters.fit_p_min", &c->fit_p_min);
  c->filter_on[BMD_CAT_FILTER_R_SQUARED] =
      optional(j, "category.filters.r_squared_min", &c->r_squared_min);
  c->filter_on[BMD_CAT_FILTER_BMD_BMDL] =
      optional(j, "category.filters.bmd_bmdl_ratio_max", &c->bmd_bmdl_max);
  c->filter_on[BMD_CAT_FILTER_BMDU_BMD] =
      optional(j, "category.filters.bmdu_bmd_ratio_max", &c->bmdu_bmd_max);
  c->filter_on[BMD_CAT_FILTER_BMDU_BMDL] =
      optional(j, "category.filters.bmdu_bmdl_ratio_max", &c->bmdu_bmdl_max);
  c->filter_on[BMD_CAT_FILTER_LOW_DOSE] =
      optional(j, "category.filters.low_dose_fold", &c->low_dose_fold);
  c->filter_on[BMD_CAT_FILTER_FOLD_CHANGE] =
      optional(j, "category.filters.fold_change_min", &c->fold_change_min);
  c->filter_on[BMD_CAT_FILTER_STEP] = flag(j, "category.filters.remove_step_function");
  c->filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE] =
      flag(j, "category.filters.remove_step_function_bmd_lower");
  const char *direction = text(j, "category.filters.remove_direction");
  c->filter_on[BMD_CAT_FILTER_DIRECTION] = direction != NULL;
  if (direction)
    c->remove_direction = strcmp(direction, "up") == 0 ? 1 : -1;
  c->identify_conflicting =
      optional(j, "category.filters.conflicting_probe_r", &c->conflict_r_cutoff);
  c->deduplicate = flag(j, "category.filters.deduplicate_gene_sets");
  double v;
  if ((c->min_genes_on = optional(j, "category.filters.min_genes_in_set", &v)))
    c->min_genes = (size_t)v;
  if ((c->max_genes_on = optional(j, "category.filters.max_genes_in_set", &v)))
    c->max_genes = (size_t)v;

  bmd_tpod_options *t = &o->tpod;
  *t = bmd_tpod_options_default();
  t->min_set_genes = (size_t)json_integer_value(bs_settings_get(j, "tpod.min_set_genes"));
  t->min_set_fraction = number(j, "tpod.min_set_fraction");
  t->rank = (size_t)json_integer_value(bs_settings_get(j, "tpod.rank"));
  t->percentile = number(j, "tpod.percentile");
  o->curve_plots = (size_t)json_integer_value(bs_settings_get(j, "plots.curves"));
  o->plot_category_min_genes =
      (size_t)json_integer_value(bs_settings_get(j, "plots.category_min_genes"));
}

bs_status bs_settings_options(const json_t *settings, bs_settings *out, char *errstr,
                              size_t errstr_size) {
  json_t *j = NULL;
  memset(out, 0, sizeof(*out));
  bs_status st = bs_settings_normalize(settings, &j, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  out->last_step = (bs_last_step)choice(j, "last_step"); /* prefilter, bmd, category */
  prefilter_options(j, out);
  bmd_options(j, out);
  category_options(j, out);
  json_decref(j);
  return BS_OK;
}
