/*
 * analyze_config.c - `bmdstream analyze --config FILE.json`: a BMDExpress 3
 * analyze config (bs/bmdx_config.h) as analyze options. The first
 * expression file, the first anova/williams prefilter, the first BMDS
 * analysis and the first defined/gene category analysis run; everything
 * else in the file is named on stderr as not run. Flags given on the
 * command line override the config.
 */
#include "analyze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs/bmdx_config.h"

struct bs_analyze_config {
  bs_bmdx_config *cfg;
  char *matrix, *probe_map, *category_map;
  bmd_category_options category_opt;
};

void bs_analyze_config_destroy(bs_analyze_config *ac) {
  if (!ac)
    return;
  bs_bmdx_config_destroy(ac->cfg);
  free(ac->matrix);
  free(ac->probe_map);
  free(ac->category_map);
  free(ac);
}

static void not_run(const char *path, const char *fmt, const char *what, size_t n) {
  fprintf(stderr, "bmdstream analyze: %s: not run: ", path);
  fprintf(stderr, fmt, what, n);
  fputc('\n', stderr);
}

bs_analyze_config *bs_analyze_config_apply(const char *path, bs_analyze_options *o, char *errstr,
                                           size_t errstr_size) {
  bs_analyze_config *ac = calloc(1, sizeof *ac);
  if (!ac) {
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
  }
  if (!(ac->cfg = bs_bmdx_config_read(path, errstr, errstr_size)))
    goto fail;
  const bs_bmdx_config *cfg = ac->cfg;
  for (size_t i = 0; i < cfg->n_unsupported; i++)
    fprintf(stderr, "bmdstream analyze: %s: not run: %s\n", path, cfg->unsupported[i]);

  /* expression data: one file */
  const bs_bmdx_expression *e = &cfg->expression[0];
  struct stat st;
  if (!(ac->matrix = bs_bmdx_config_resolve(cfg, e->input_file_name)))
    goto oom;
  if (stat(ac->matrix, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(errstr, errstr_size,
             "%s: expressionDataConfigs[0].inputFileName: %s is a directory; analyze runs one "
             "expression file (name it, or run once per file)",
             path, ac->matrix);
    goto fail;
  }
  if (cfg->n_expression > 1)
    not_run(path, "expressionDataConfigs[1..]: %s%zu more expression files", "",
            cfg->n_expression - 1);
  o->matrix = ac->matrix;
  o->log_base = e->log_base;

  /* prefilter: the first anova / williams section, else none */
  if (cfg->n_prefilter == 0) {
    o->prefilter = BS_PREFILTER_NONE;
    o->fold_filter = 0;
  } else {
    const bs_bmdx_prefilter *p = &cfg->prefilter[0];
    o->prefilter = strcmp(p->type, "williams") == 0 ? BS_PREFILTER_WILLIAMS : BS_PREFILTER_ANOVA;
    o->p_cutoff = p->p_value_cutoff;
    o->mtc = p->use_multiple_testing;
    o->filter_controls = p->filter_out_control_genes;
    o->fold_filter = p->use_fold_change ? p->fold_change : 0;
    o->notel_p = p->p_value_lotel;
    o->notel_fc = p->fold_change_lotel;
    if (p->number_of_permutations > 0)
      o->permutations = (unsigned)p->number_of_permutations;
    if (p->number_of_threads > 0)
      o->threads = (unsigned)p->number_of_threads;
    if (p->lotel_test != 1)
      fprintf(stderr,
              "bmdstream analyze: %s: preFilterConfigs[0].lotelTest %d: NOTEL/LOTEL use the "
              "t-test (Dunnett's test is not available); the prefilter itself is unaffected\n",
              path, p->lotel_test);
    if (cfg->n_prefilter > 1)
      not_run(path, "preFilterConfigs: %s%zu more prefilter analyses", "", cfg->n_prefilter - 1);
  }

  /* BMD: the first BMDS section */
  if (cfg->n_bmds > 0) {
    const bs_bmdx_bmds *b = &cfg->bmds[0];
    unsigned mask = 0;
    for (size_t i = 0; i < b->n_models; i++) {
      int id = bmd_model_parse(b->models[i]);
      if (id < 0) {
        snprintf(errstr, errstr_size, "%s: bmdsConfigs[0]: model %s is not available", path,
                 b->models[i]);
        goto fail;
      }
      mask |= 1u << id;
    }
    o->bmd.model_mask = mask;
    o->bmd.fit.variance = b->constant_variance ? BMD_VARIANCE_CONSTANT : BMD_VARIANCE_NONCONSTANT;
    o->bmd.fit.bmr_type = b->bmr_type == 2 ? BMD_BMR_REL : BMD_BMR_SD;
    o->bmd.fit.bmr = b->bmr_factor;
    o->bmd.select.poly_test = b->best_poly_test == 2 ? BMD_POLY_LOWEST_AIC : BMD_POLY_NESTED_CHI2;
    o->bmd.select.poly_p = b->p_value_cutoff;
    o->bmd.select.limit_use = (bmd_limit_use)b->bmdl_bmdu_use;
    o->bmd.select.flag_hill = b->flag_hill_with_k;
    o->bmd.select.hill_k_fraction = 1.0 / b->k_parameter_value; /* 1, 2 or 3 -> 1, 1/2, 1/3 */
    o->bmd.select.flagged_hill = (bmd_flagged_hill)b->best_model_with_flagged_hill;
    o->bmd.select.flagged_hill_fraction = b->modify_flagged_hill_fraction;
    if (b->number_of_threads > 0)
      o->threads = (unsigned)b->number_of_threads;
    if (b->bmdu_bmdl_method == 2) {
      snprintf(errstr, errstr_size,
               "%s: bmdsConfigs[0].bmdUBmdLEstimationMethod 2 (Wald) is not supported: BMDL/BMDU "
               "are profile-likelihood limits",
               path);
      goto fail;
    }
    if (cfg->n_bmds > 1)
      not_run(path, "bmdsConfigs: %s%zu more BMDS analyses", "", cfg->n_bmds - 1);
  } else {
    o->run_bmd = 0;
  }

  /* categories: the first defined / gene section */
  if (cfg->n_category > 0) {
    const bs_bmdx_category *k = &cfg->category[0];
    if (strcmp(k->type, "defined") == 0) {
      if (!(ac->probe_map = bs_bmdx_config_resolve(cfg, k->probe_file)) ||
          !(ac->category_map = bs_bmdx_config_resolve(cfg, k->category_file)))
        goto oom;
      o->probe_map = ac->probe_map;
      o->category_map = ac->category_map;
    }
    o->run_categories = 1; /* gene level: --probe-map gives the genes */
    ac->category_opt = k->options;
    o->category_opt = &ac->category_opt;
    if (cfg->n_category > 1)
      not_run(path, "categoryAnalysisConfigs: %s%zu more category analyses", "",
              cfg->n_category - 1);
  }
  return ac;
oom:
  snprintf(errstr, errstr_size, "out of memory");
fail:
  bs_analyze_config_destroy(ac);
  return NULL;
}
