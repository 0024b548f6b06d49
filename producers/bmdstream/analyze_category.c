/*
 * analyze_category.c - the category stage of `bmdstream analyze`: the
 * probes' best fits go through the category analysis and the tPOD (the
 * same core calls as the pipeline's category stage), and DIR/ receives
 * categories.tsv, tpod.json (also printed) and the SVG plots in plots/
 * (the accumulation plots here, the curve plots in analyze_plots.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "bs/annotation.h"
#include "bs/category_export.h"
#include "bs/category_input.h"
#include "bs/params.h"

static int write_file(const char *dir, const char *name, int (*fn)(FILE *, const void *),
                      const void *arg, char *errstr, size_t errstr_size) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  int rc = f ? fn(f, arg) : -1;
  if (f && fclose(f) != 0)
    rc = -1;
  if (rc != 0)
    snprintf(errstr, errstr_size, "%s: cannot write", path);
  return rc;
}

typedef struct export_ctx {
  const bmd_category_analysis *ca;
  const bmd_cat_probe *probes;
  const bmd_category_options *opt;
  const json_t *tpod;
} export_ctx;

static int write_tsv(FILE *f, const void *arg) {
  const export_ctx *x = arg;
  return bs_categories_tsv_write(f, x->ca, x->probes, x->opt);
}

static int write_tpod(FILE *f, const void *arg) {
  return json_dumpf(((const export_ctx *)arg)->tpod, f, JSON_INDENT(2) | JSON_SORT_KEYS);
}

static int write_gene_plot(FILE *f, const void *arg) {
  return bs_plot_gene_accumulation_svg(f, ((const export_ctx *)arg)->ca, "Gene BMD accumulation");
}

static int write_category_plot(FILE *f, const void *arg) {
  return bs_plot_category_accumulation_svg(f, ((const export_ctx *)arg)->ca, 3,
                                           "Category median BMD accumulation");
}

int bs_analyze_category_run(const bs_analyze_options *o, const bmd_dataset *ds,
                            const bmd_probe_fit *fits, size_t n, char *errstr, size_t errstr_size) {
  int rc = -1;
  bs_cat_probes *cp = bs_cat_probes_from_fits(ds, fits, n);
  const bmd_cat_probe *probes = cp ? cp->probes : NULL;
  bmd_annotation *annot = NULL;
  bmd_category_analysis *ca = NULL;
  json_t *settings = bs_params_category_json(o->probe_map, o->category_map, o->gmt);
  json_t *tpod_json = NULL;
  bmd_category_options opt;
  bmd_tpod_options topt;
  if (!cp) {
    snprintf(errstr, errstr_size, "out of memory");
    goto done;
  }
  if (!settings || bs_params_category_parse(settings, &opt, &topt, errstr, errstr_size) != BS_OK)
    goto done;
  if (o->category_opt) /* --config: the config's probe filters */
    opt = *o->category_opt;
  if (o->probe_map) {
    annot = bs_annotation_load(o->probe_map, o->category_map, o->gmt, !o->category_map && !o->gmt,
                               errstr, errstr_size);
  } else {
    annot = bmd_annotation_new();
    for (size_t i = 0; annot && i < ds->n_probes; i++)
      if (bmd_annotation_add_probe_gene(annot, ds->probe_ids[i], ds->probe_ids[i]) != 0)
        break;
    if (annot && bmd_annotation_gene_level(annot) != 0) {
      bmd_annotation_destroy(annot);
      annot = NULL;
    }
    if (!annot)
      snprintf(errstr, errstr_size, "out of memory building the gene-level annotation");
  }
  if (!annot)
    goto done;
  double lowest = 0;
  for (size_t g = 0; g < ds->n_groups && lowest <= 0; g++)
    lowest = ds->group_dose[g];
  ca = bmd_category_run(annot, probes, n, (const char *const *)ds->probe_ids, ds->n_probes,
                        ds->group_dose[ds->n_groups - 1], lowest, &opt, errstr, errstr_size);
  if (!ca)
    goto done;
  bmd_tpod tpod;
  bmd_tpod_compute(ca, &topt, &tpod);
  tpod_json = bs_tpod_json(&tpod, bmd_category_n_genes(ca), bmd_category_n_results(ca));
  export_ctx x = {ca, probes, &opt, tpod_json};
  char plots[4096];
  snprintf(plots, sizeof(plots), "%s/plots", o->out_dir);
  if (mkdir(plots, 0755) != 0 && errno != EEXIST) {
    snprintf(errstr, errstr_size, "%s: %s", plots, strerror(errno));
    goto done;
  }
  if (write_file(o->out_dir, "categories.tsv", write_tsv, &x, errstr, errstr_size) != 0 ||
      write_file(o->out_dir, "tpod.json", write_tpod, &x, errstr, errstr_size) != 0 ||
      write_file(o->out_dir, "plots/gene_accumulation.svg", write_gene_plot, &x, errstr,
                 errstr_size) != 0 ||
      write_file(o->out_dir, "plots/category_accumulation.svg", write_category_plot, &x, errstr,
                 errstr_size) != 0 ||
      bs_analyze_curves_run(o, ds, fits, n, ca, errstr, errstr_size) != 0)
    goto done;
  bs_tpod_print(stdout, &tpod);
  fprintf(stderr, "bmdstream analyze: %zu categories -> %s/categories.tsv, tpod.json, plots/\n",
          bmd_category_n_results(ca), o->out_dir);
  rc = 0;
done:
  json_decref(tpod_json);
  json_decref(settings);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(annot);
  bs_cat_probes_destroy(cp);
  return rc;
}
