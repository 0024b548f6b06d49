/*
 * category_stage.c - the category step of `bmdstream analyze` in memory
 * (see bs/category_stage.h) and the output writer it shares with
 * `bmdstream categories`.
 */
#include "bs/category_stage.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
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
