/*
 * category_stage.c - the category step of `bmdstream analyze` in memory
 * (see bs/category_stage.h) and the output writer it shares with
 * `bmdstream categories`.
 */
#include "bs/category_stage.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs/annotation.h"
#include "bs/bmd_curves.h"
#include "bs/category_export.h"
#include "bs/category_input.h"

bs_category_stage_args bs_category_stage_defaults(void) {
  bs_category_stage_args a;
  memset(&a, 0, sizeof a);
  a.opt = bmd_category_options_default();
  a.tpod = bmd_tpod_options_default();
  a.plot_min_genes = 1;
  a.n_curves = 10;
  return a;
}

static const bs_category_flag flags[] = {
    {"probe-map", 1, "probe -> gene map (BMDExpress defined-category probe file)"},
    {"category-map", 1, "BMDExpress defined category map"},
    {"gmt", 1, "gene sets as GMT (with --probe-map)"},
    {"gene-level", 0, "each gene its own category"},
    {"keep-promiscuous", 0, "keep probes mapped to more than one gene"},
    {"no-high-dose-filter", 0, "keep probes with BMD > highest dose"},
    {"fit-p-min", 1, "remove probes with best fit p below this (BMDExpress 0.1)"},
    {"r-squared-min", 1, "remove probes with R2 below this (0.5)"},
    {"bmd-bmdl-max", 1, "remove probes with BMD/BMDL above this (20)"},
    {"bmdu-bmd-max", 1, "remove probes with BMDU/BMD above this (20)"},
    {"bmdu-bmdl-max", 1, "remove probes with BMDU/BMDL above this (40)"},
    {"low-dose-fold", 1, "remove probes with BMD this many times below the lowest dose (10)"},
    {"fold-change-min", 1, "remove probes with |max fold change| below this (1.2)"},
    {"remove-direction", 1, "remove probes going up or down"},
    {"min-genes", 1, "skip categories with fewer platform genes (20)"},
    {"max-genes", 1, "skip categories with more platform genes (500)"},
    {"tpod-min-set-genes", 1, "tPOD active set: at least this many genes with BMDs (3)"},
    {"tpod-min-set-fraction", 1, "tPOD active set: at least this fraction of its genes (0.05)"},
    {"tpod-rank", 1, "tPOD: the BMD of the gene of this rank (25)"},
    {"tpod-percentile", 1, "tPOD: this percentile of gene BMDs (0.10)"},
    {"plot-min-genes", 1, "category plot: categories with at least this many genes (1)"},
    {"curves", 1, "curve plots of this many most sensitive probes (10)"},
};

const bs_category_flag *bs_category_stage_flags(size_t *n) {
  *n = sizeof flags / sizeof flags[0];
  return flags;
}

static int flag_num(const char *name, const char *v, double *out, char *errstr, size_t size) {
  char *end;
  errno = 0;
  double d = v ? strtod(v, &end) : NAN;
  if (!v || end == v || *end || errno || !isfinite(d) || d < 0) {
    snprintf(errstr, size, "--%s: not a non-negative number: \"%s\"", name, v ? v : "");
    return -1;
  }
  *out = d;
  return 0;
}

static int flag_count(const char *name, const char *v, size_t *out, char *errstr, size_t size) {
  double d;
  if (flag_num(name, v, &d, errstr, size) != 0)
    return -1;
  if (d != floor(d) || d > 1e15) {
    snprintf(errstr, size, "--%s: not a count: \"%s\"", name, v);
    return -1;
  }
  *out = (size_t)d;
  return 0;
}

int bs_category_stage_flag(bs_category_stage_args *a, const char *name, const char *value,
                           char *errstr, size_t errstr_size) {
  bmd_category_options *o = &a->opt;
  /* filters with a threshold: name, filter, field */
  static const struct {
    const char *name;
    bmd_cat_filter filter;
    size_t offset;
  } thresholds[] = {
      {"fit-p-min", BMD_CAT_FILTER_FIT_P, offsetof(bmd_category_options, fit_p_min)},
      {"r-squared-min", BMD_CAT_FILTER_R_SQUARED, offsetof(bmd_category_options, r_squared_min)},
      {"bmd-bmdl-max", BMD_CAT_FILTER_BMD_BMDL, offsetof(bmd_category_options, bmd_bmdl_max)},
      {"bmdu-bmd-max", BMD_CAT_FILTER_BMDU_BMD, offsetof(bmd_category_options, bmdu_bmd_max)},
      {"bmdu-bmdl-max", BMD_CAT_FILTER_BMDU_BMDL, offsetof(bmd_category_options, bmdu_bmdl_max)},
      {"low-dose-fold", BMD_CAT_FILTER_LOW_DOSE, offsetof(bmd_category_options, low_dose_fold)},
      {"fold-change-min", BMD_CAT_FILTER_FOLD_CHANGE,
       offsetof(bmd_category_options, fold_change_min)},
  };
  for (size_t i = 0; i < sizeof thresholds / sizeof thresholds[0]; i++)
    if (strcmp(name, thresholds[i].name) == 0) {
      double *field = (double *)((char *)o + thresholds[i].offset);
      if (flag_num(name, value, field, errstr, errstr_size) != 0)
        return -1;
      o->filter_on[thresholds[i].filter] = 1;
      return 1;
    }
  if (strcmp(name, "probe-map") == 0)
    a->probe_map = value;
  else if (strcmp(name, "category-map") == 0)
    a->category_map = value, a->gmt = NULL, a->gene_level = 0;
  else if (strcmp(name, "gmt") == 0)
    a->gmt = value, a->category_map = NULL, a->gene_level = 0;
  else if (strcmp(name, "gene-level") == 0)
    a->gene_level = 1, a->category_map = a->gmt = NULL;
  else if (strcmp(name, "keep-promiscuous") == 0)
    o->remove_promiscuous = 0;
  else if (strcmp(name, "no-high-dose-filter") == 0)
    o->filter_on[BMD_CAT_FILTER_HIGH_DOSE] = 0;
  else if (strcmp(name, "remove-direction") == 0) {
    if (!value || (strcmp(value, "up") != 0 && strcmp(value, "down") != 0)) {
      snprintf(errstr, errstr_size, "--remove-direction: up or down, not \"%s\"",
               value ? value : "");
      return -1;
    }
    o->filter_on[BMD_CAT_FILTER_DIRECTION] = 1;
    o->remove_direction = strcmp(value, "up") == 0 ? 1 : -1;
  } else if (strcmp(name, "min-genes") == 0) {
    o->min_genes_on = 1;
    return flag_count(name, value, &o->min_genes, errstr, errstr_size) ? -1 : 1;
  } else if (strcmp(name, "max-genes") == 0) {
    o->max_genes_on = 1;
    return flag_count(name, value, &o->max_genes, errstr, errstr_size) ? -1 : 1;
  } else if (strcmp(name, "tpod-min-set-genes") == 0)
    return flag_count(name, value, &a->tpod.min_set_genes, errstr, errstr_size) ? -1 : 1;
  else if (strcmp(name, "tpod-min-set-fraction") == 0)
    return flag_num(name, value, &a->tpod.min_set_fraction, errstr, errstr_size) ? -1 : 1;
  else if (strcmp(name, "tpod-rank") == 0)
    return flag_count(name, value, &a->tpod.rank, errstr, errstr_size) ? -1 : 1;
  else if (strcmp(name, "tpod-percentile") == 0)
    return flag_num(name, value, &a->tpod.percentile, errstr, errstr_size) ? -1 : 1;
  else if (strcmp(name, "plot-min-genes") == 0)
    return flag_count(name, value, &a->plot_min_genes, errstr, errstr_size) ? -1 : 1;
  else if (strcmp(name, "curves") == 0)
    return flag_count(name, value, &a->n_curves, errstr, errstr_size) ? -1 : 1;
  else
    return 0;
  return 1;
}

int bs_category_stage_from_config(bs_category_stage_args *a, const bs_bmdx_config *cfg, size_t k,
                                  char **owned_probe_map, char **owned_category_map) {
  if (k >= cfg->n_category)
    return -1;
  const bs_bmdx_category *c = &cfg->category[k];
  a->opt = bs_bmdx_category_options(c);
  if (strcmp(c->type, "gene") == 0) {
    a->gene_level = 1;
    a->category_map = a->gmt = NULL;
    return 0;
  }
  *owned_probe_map = bs_bmdx_config_resolve(cfg, c->probe_file);
  *owned_category_map = bs_bmdx_config_resolve(cfg, c->category_file);
  if (!*owned_probe_map || !*owned_category_map)
    return -1;
  a->probe_map = *owned_probe_map;
  a->category_map = *owned_category_map;
  a->gmt = NULL;
  a->gene_level = 0;
  return 0;
}

static int make_dir(const char *path, char *errstr, size_t errstr_size) {
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int bs_category_write_outputs(const char *dir, const bmd_category_analysis *ca,
                              const bmd_cat_probe *probes, const bmd_category_options *opt,
                              const bmd_tpod *tpod, size_t plot_min_genes, char *errstr,
                              size_t errstr_size) {
  char path[4096];
  FILE *f = NULL;
  int rc = -1;
  json_t *tj = NULL;
  if (make_dir(dir, errstr, errstr_size) != 0)
    return -1;
  snprintf(path, sizeof path, "%s/plots", dir);
  if (make_dir(path, errstr, errstr_size) != 0)
    return -1;
  for (int which = 0; which < 3; which++) {
    static const char *const names[] = {"categories.tsv", "plots/gene_accumulation.svg",
                                        "plots/category_accumulation.svg"};
    snprintf(path, sizeof path, "%s/%s", dir, names[which]);
    if (!(f = fopen(path, "w"))) {
      snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
      goto done;
    }
    int wrc = which == 0   ? bs_categories_tsv_write(f, ca, probes, opt)
              : which == 1 ? bs_plot_gene_accumulation_svg(f, ca, NULL)
                           : bs_plot_category_accumulation_svg(f, ca, plot_min_genes, NULL);
    int crc = fclose(f);
    f = NULL;
    if (wrc != 0 || crc != 0) {
      snprintf(errstr, errstr_size, "%s: write error", path);
      goto done;
    }
  }
  tj = bs_tpod_json(tpod, bmd_category_n_genes(ca), bmd_category_n_results(ca));
  snprintf(path, sizeof path, "%s/tpod.json", dir);
  if (!tj || json_dump_file(tj, path, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0) {
    snprintf(errstr, errstr_size, "%s: write error", path);
    goto done;
  }
  rc = 0;
done:
  json_decref(tj);
  return rc;
}

typedef struct sensitive {
  double bmd;
  size_t i;
} sensitive;

static int cmp_sensitive(const void *x, const void *y) {
  const sensitive *a = x, *b = y;
  if (a->bmd != b->bmd)
    return a->bmd < b->bmd ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

/* Curve plots of the n_curves probes with the smallest positive best BMD
 * (<= highest dose when that filter is on): DIR/plots/curve_NN_<probe>.svg. */
static int write_curves(const char *dir, const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n,
                        const bs_category_stage_args *a, char *errstr, size_t errstr_size) {
  if (a->n_curves == 0 || ds->n_groups == 0)
    return 0;
  double highest = ds->group_dose[ds->n_groups - 1];
  sensitive *s = malloc((n + 1) * sizeof *s);
  size_t m = 0;
  if (!s) {
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    const bmd_select_result *b = &fits[i].best;
    if (b->best < 0 || !(b->bmd > 0) || !isfinite(b->bmd))
      continue;
    if (a->opt.filter_on[BMD_CAT_FILTER_HIGH_DOSE] && b->bmd > highest)
      continue;
    s[m++] = (sensitive){b->bmd, i};
  }
  qsort(s, m, sizeof *s, cmp_sensitive);
  int rc = 0;
  for (size_t r = 0; r < m && r < a->n_curves && rc == 0; r++) {
    const bmd_probe_fit *pf = &fits[s[r].i];
    char path[4096], safe[128];
    size_t j = 0;
    for (const char *c = ds->probe_ids[pf->probe]; *c && j < sizeof safe - 1; c++)
      safe[j++] = (char)((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                                 (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'
                             ? *c
                             : '_');
    safe[j] = 0;
    snprintf(path, sizeof path, "%s/plots/curve_%02zu_%s.svg", dir, r + 1, safe);
    FILE *f = fopen(path, "w");
    if (!f) {
      snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
      rc = -1;
      break;
    }
    int wrc = bs_plot_probe_curve_svg(f, ds, pf->probe, &pf->fits[pf->best.best], pf->best.bmd,
                                      pf->best.bmdl, pf->best.bmdu);
    if (fclose(f) != 0 || wrc != 0) {
      snprintf(errstr, errstr_size, "%s: write error", path);
      rc = -1;
    }
  }
  free(s);
  return rc;
}

int bs_category_stage_run(const char *dir, const bmd_dataset *ds, const bmd_probe_fit *fits,
                          size_t n, const bs_category_stage_args *a, FILE *report, char *errstr,
                          size_t errstr_size) {
  int rc = -1;
  bs_cat_probes *probes = NULL;
  bmd_annotation *annot = NULL;
  bmd_category_analysis *ca = NULL;
  bmd_tpod t;
  if (!a->probe_map || (!!a->category_map + !!a->gmt + !!a->gene_level) != 1) {
    snprintf(errstr, errstr_size,
             "the category step needs a probe map and one of a category map, a GMT file or "
             "gene-level analysis");
    return -1;
  }
  if (!(probes = bs_cat_probes_from_fits(ds, fits, n))) {
    snprintf(errstr, errstr_size, "out of memory");
    goto done;
  }
  annot =
      bs_annotation_load(a->probe_map, a->category_map, a->gmt, a->gene_level, errstr, errstr_size);
  if (!annot)
    goto done;
  double highest = ds->n_groups ? ds->group_dose[ds->n_groups - 1] : NAN, lowest = NAN;
  for (size_t g = 0; g < ds->n_groups && !isfinite(lowest); g++)
    if (ds->group_dose[g] > 0)
      lowest = ds->group_dose[g];
  /* "All Genes (Expression Data)": every probe of the experiment */
  ca = bmd_category_run(annot, probes->probes, probes->n, (const char *const *)ds->probe_ids,
                        ds->n_probes, highest, lowest, &a->opt, errstr, errstr_size);
  if (!ca)
    goto done;
  bmd_tpod_compute(ca, &a->tpod, &t);
  if (bs_category_write_outputs(dir, ca, probes->probes, &a->opt, &t, a->plot_min_genes, errstr,
                                errstr_size) != 0 ||
      write_curves(dir, ds, fits, n, a, errstr, errstr_size) != 0)
    goto done;
  if (report) {
    fprintf(report,
            "%zu probes, %zu genes passed the filters, %zu of %zu categories written to "
            "%s/categories.tsv\n",
            probes->n, bmd_category_n_genes(ca), bmd_category_n_results(ca),
            bmd_annotation_n_categories(annot), dir);
    bs_tpod_print(report, &t);
  }
  rc = 0;
done:
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(annot);
  bs_cat_probes_destroy(probes);
  return rc;
}
