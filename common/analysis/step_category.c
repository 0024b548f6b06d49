/*
 * step_category.c - the category step (bs/steps.h): the BMD step's fits
 * as category inputs (bs/category_input.h), the category analysis and the
 * tPOD (core bmd_category_run, bmd_tpod_compute), then every export of
 * the step, written here and nowhere else:
 *
 *   categories.tsv, results.csv (the same table as CSV), tpod.json,
 *   plots/gene_accumulation.svg, plots/category_accumulation.svg
 *     (categories with at least plots.category_min_genes genes), and
 *   plots/curve_<probe>.svg for the plots.curves most sensitive probes:
 *     with a category analysis, those that passed its filters with the
 *     lowest best BMD, labelled with their gene (bs_plot_sensitive_probes);
 *     for category type none, the fitted probes with the lowest finite
 *     best BMD, unlabelled (bs_plot_lowest_bmd_fits);
 *   report.html: all of the above on one page (bs/report.h), for category
 *     type none too.
 *
 * Also the annotation the settings ask for, from local files.
 */
#include <stdlib.h>
#include <string.h>

#include "bs/annotation.h"
#include "bs/category_export.h"
#include "bs/category_input.h"
#include "bs/go.h"
#include "bs/log.h"
#include "bs/plot_curve.h"
#include "bs/reactome.h"
#include "bs/report.h"
#include "steps_internal.h"

/* ---- annotation ------------------------------------------------------ */

/* Each probe id of ds its own gene (no probe map). NULL when out of memory. */
static bmd_annotation *identity_map(const bmd_dataset *ds) {
  bmd_annotation *a = bmd_annotation_new();
  for (size_t i = 0; a && i < ds->n_probes; i++)
    if (bmd_annotation_add_probe_gene(a, ds->probe_ids[i], ds->probe_ids[i]) != 0) {
      bmd_annotation_destroy(a);
      a = NULL;
    }
  return a;
}

/* The probe map's genes with GO categories (bs/go.h) from the settings'
 * category.go.* files; the annotation file's skipped lines are logged. */
static bs_status go_annotation(const bs_settings *s, const char *probe_map, bmd_annotation **out,
                               char *errstr, size_t errstr_size) {
  const bs_go_settings *g = &s->go;
  if (!g->obo[0] || !g->annotations[0]) {
    snprintf(errstr, errstr_size, "category type go needs %s",
             !g->obo[0] ? "category.go.obo (--go-obo)"
                        : "category.go.annotations (--go-annotations)");
    return BS_ERR_PERMANENT;
  }
  const char *codes[BS_GO_MAX_EVIDENCE];
  for (size_t i = 0; i < g->n_exclude_evidence; i++)
    codes[i] = g->exclude_evidence[i];
  bs_go_options opt = {(bs_go_aspect)g->aspect, codes, g->n_exclude_evidence, g->taxon};
  bs_go_counts c;
  bmd_annotation *a = bmd_annotation_new();
  bs_go_ontology *o = NULL;
  if (!a) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  if (bs_annotation_read_probe_map(a, probe_map, errstr, errstr_size) != 0 ||
      !(o = bs_go_ontology_read(g->obo, errstr, errstr_size)) ||
      bs_go_annotation_add(a, o, g->annotations, &opt, &c, errstr, errstr_size) != 0) {
    bs_go_ontology_destroy(o);
    bmd_annotation_destroy(a);
    return BS_ERR_PERMANENT;
  }
  BS_LOG(BS_LOG_NOTICE,
         "GO %s: %s: %zu lines, %zu annotations used; skipped: %zu comment, %zu NOT, "
         "%zu excluded evidence, %zu other taxon, %zu unknown term, %zu obsolete term, "
         "%zu off platform; %zu categories",
         bs_go_aspect_name(opt.aspect), g->annotations, c.lines, c.used, c.comments,
         c.not_qualified, c.excluded_evidence, c.other_taxon, c.unknown_term, c.obsolete_term,
         c.off_platform, bmd_annotation_n_categories(a));
  bs_go_ontology_destroy(o);
  *out = a;
  return BS_OK;
}

/* The probe map's genes with Reactome pathway categories (bs/reactome.h)
 * from the settings' category.pathway.* file; skipped lines are logged. */
static bs_status pathway_annotation(const bs_settings *s, const char *probe_map,
                                    bmd_annotation **out, char *errstr, size_t errstr_size) {
  const bs_pathway_settings *p = &s->pathway;
  if (!p->annotations[0]) {
    snprintf(errstr, errstr_size,
             "category type pathway needs category.pathway.annotations (--pathway-annotations)");
    return BS_ERR_PERMANENT;
  }
  bs_reactome_counts c;
  bmd_annotation *a = bmd_annotation_new();
  if (!a) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  if (bs_annotation_read_probe_map(a, probe_map, errstr, errstr_size) != 0 ||
      bs_reactome_add(a, p->annotations, p->species, &c, errstr, errstr_size) != 0) {
    bmd_annotation_destroy(a);
    return BS_ERR_PERMANENT;
  }
  BS_LOG(BS_LOG_NOTICE,
         "Reactome: %s: %zu lines, %zu gene-pathway pairs used; skipped: %zu comment, %zu other "
         "species, %zu off platform, %zu repeated; %zu categories",
         p->annotations, c.lines, c.used, c.comments, c.other_species, c.off_platform, c.repeated,
         bmd_annotation_n_categories(a));
  *out = a;
  return BS_OK;
}

bs_status bs_step_annotation_load(const bs_settings *s, const bs_analysis_inputs *files,
                                  const bmd_dataset *ds, bmd_annotation **out, char *errstr,
                                  size_t errstr_size) {
  *out = NULL;
  const char *cmap = s->category_type == BS_CATEGORY_DEFINED ? files->category_map : NULL;
  const char *gmt = s->category_type == BS_CATEGORY_GMT ? files->gmt : NULL;
  int gene_level = s->category_type == BS_CATEGORY_GENE;
  switch (s->category_type) {
  case BS_CATEGORY_NONE:
    return BS_OK;
  case BS_CATEGORY_DEFINED:
  case BS_CATEGORY_GMT:
    if (!files->probe_map || (!cmap && !gmt)) {
      snprintf(errstr, errstr_size, "category type %s needs a probe map and %s",
               s->category_type == BS_CATEGORY_GMT ? "gmt" : "defined",
               s->category_type == BS_CATEGORY_GMT ? "a GMT file" : "a category map");
      return BS_ERR_PERMANENT;
    }
    break;
  case BS_CATEGORY_GENE:
    break;
  case BS_CATEGORY_GO:
    if (!files->probe_map) {
      snprintf(errstr, errstr_size, "category type go needs a probe map");
      return BS_ERR_PERMANENT;
    }
    return go_annotation(s, files->probe_map, out, errstr, errstr_size);
  case BS_CATEGORY_PATHWAY:
    if (!files->probe_map) {
      snprintf(errstr, errstr_size, "category type pathway needs a probe map");
      return BS_ERR_PERMANENT;
    }
    return pathway_annotation(s, files->probe_map, out, errstr, errstr_size);
  }
  if (files->probe_map) {
    *out = bs_annotation_load(files->probe_map, cmap, gmt, gene_level, errstr, errstr_size);
    return *out ? BS_OK : BS_ERR_PERMANENT;
  }
  /* gene level without a probe map: each probe is its own gene and set */
  bmd_annotation *a = identity_map(ds);
  if (!a || bmd_annotation_gene_level(a) != 0) {
    bmd_annotation_destroy(a);
    snprintf(errstr, errstr_size, "out of memory building the gene-level annotation");
    return BS_ERR_RETRIABLE;
  }
  *out = a;
  return BS_OK;
}

/* ---- exports --------------------------------------------------------- */

typedef struct export_args {
  const bs_settings *s;
  const bmd_category_analysis *ca;
  const bmd_cat_probe *probes;
  const json_t *tpod;
} export_args;

static int render_categories(FILE *out, const void *arg) {
  const export_args *a = arg;
  return bs_categories_tsv_write(out, a->ca, a->probes, &a->s->category);
}

static int render_tpod(FILE *out, const void *arg) {
  return json_dumpf(((const export_args *)arg)->tpod, out, JSON_INDENT(2) | JSON_SORT_KEYS);
}

static int render_gene_plot(FILE *out, const void *arg) {
  return bs_plot_gene_accumulation_svg(out, ((const export_args *)arg)->ca,
                                       "Gene BMD accumulation");
}

static int render_category_plot(FILE *out, const void *arg) {
  const export_args *a = arg;
  return bs_plot_category_accumulation_svg(out, a->ca, a->s->plot_category_min_genes,
                                           "Category median BMD accumulation");
}

bs_status bs_category_exports_put(const bs_settings *s, const bmd_category_analysis *ca,
                                  const bmd_cat_probe *probes, const json_t *tpod,
                                  const bs_export_target *to, char *errstr, size_t errstr_size) {
  export_args a = {s, ca, probes, tpod};
  char *tsv = NULL, *csv = NULL;
  size_t tsv_len = 0, csv_len = 0;
  bs_status st = BS_ERR_RETRIABLE;
  /* categories.tsv, and results.csv from the same bytes */
  FILE *f = open_memstream(&tsv, &tsv_len);
  int rc = f ? render_categories(f, &a) : -1;
  if (f && fclose(f) != 0)
    rc = -1;
  if (rc != 0 || !tsv || bs_export_tsv_to_csv(tsv, tsv_len, &csv, &csv_len) != 0) {
    snprintf(errstr, errstr_size, "export categories.tsv: cannot render (out of memory)");
    goto done;
  }
  st = bs_export_put(to, "categories.tsv", tsv, tsv_len, "text/tab-separated-values", errstr,
                     errstr_size);
  if (st == BS_OK)
    st = bs_export_put(to, "results.csv", csv, csv_len, "text/csv", errstr, errstr_size);
  if (st == BS_OK)
    st = bs_export_render_put(to, "tpod.json", "application/json", render_tpod, &a, errstr,
                              errstr_size);
  if (st == BS_OK)
    st = bs_export_render_put(to, "plots/gene_accumulation.svg", "image/svg+xml", render_gene_plot,
                              &a, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_export_render_put(to, "plots/category_accumulation.svg", "image/svg+xml",
                              render_category_plot, &a, errstr, errstr_size);
done:
  free(tsv);
  free(csv);
  return st;
}

typedef struct curve_args {
  const bmd_dataset *ds;
  const bmd_probe_fit *fit;
  const char *label;
} curve_args;

static int render_curve(FILE *out, const void *arg) {
  const curve_args *a = arg;
  return bs_plot_curve_svg(out, a->ds, a->fit, a->label);
}

bs_status bs_curve_plot_put(const bs_export_target *to, const bmd_dataset *ds,
                            const bmd_probe_fit *fit, const char *label, char *errstr,
                            size_t errstr_size) {
  char name[320], file[300];
  bs_plot_curve_name(ds->probe_ids[fit->probe], file, sizeof(file));
  snprintf(name, sizeof(name), "plots/%s", file);
  curve_args a = {ds, fit, label};
  return bs_export_render_put(to, name, "image/svg+xml", render_curve, &a, errstr, errstr_size);
}

/* The probes of the curve plots (see the top of the file): sel[0..n)
 * indices into the fits, genes[q] the gene of sel[q] (NULL without a
 * category analysis). Both owned. */
typedef struct curve_pick {
  size_t *sel;
  const char **genes;
  size_t n;
} curve_pick;

static bs_status pick_curves(const bs_settings *s, const bmd_probe_fit *fits, size_t n,
                             const bmd_category_analysis *ca, const bmd_cat_probe *probes,
                             curve_pick *pick, char *errstr, size_t errstr_size) {
  size_t k = s->curve_plots, m = (size_t)-1;
  if (k == 0 || n == 0)
    return BS_OK;
  pick->sel = malloc(k * sizeof(*pick->sel));
  pick->genes = calloc(k, sizeof(*pick->genes));
  if (pick->sel && pick->genes)
    m = ca ? bs_plot_sensitive_probes(ca, probes, k, pick->sel, pick->genes)
           : bs_plot_lowest_bmd_fits(fits, n, k, pick->sel);
  if (m == (size_t)-1) {
    snprintf(errstr, errstr_size, "curve plots: out of memory");
    return BS_ERR_RETRIABLE;
  }
  pick->n = m;
  return BS_OK;
}

/* ---- the step -------------------------------------------------------- */

/* The category analysis of fits[0..n) into o (ca, tpod, tpod_values), its
 * exports, and the probes of its curve plots into pick. */
static bs_status run_analysis(const bs_settings *s, const bmd_dataset *ds,
                              const bmd_probe_fit *fits, size_t n, const bmd_annotation *annot,
                              const bs_export_target *to, bs_category_output *o, curve_pick *pick,
                              char *errstr, size_t errstr_size) {
  bs_status st = BS_ERR_PERMANENT;
  bs_cat_probes *cp = NULL;
  if (!annot || ds->n_groups == 0) {
    snprintf(errstr, errstr_size, "category: %s",
             !annot ? "the analysis needs an annotation" : "the dataset has no dose group");
    goto done;
  }
  if (!(cp = bs_cat_probes_from_fits(ds, fits, n))) {
    snprintf(errstr, errstr_size, "category: out of memory for %zu probes", n);
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  /* the dose range: the highest dose, the lowest positive one */
  double lowest = 0;
  for (size_t g = 0; g < ds->n_groups && lowest <= 0; g++)
    lowest = ds->group_dose[g];
  o->ca =
      bmd_category_run(annot, cp->probes, n, (const char *const *)ds->probe_ids, ds->n_probes,
                       ds->group_dose[ds->n_groups - 1], lowest, &s->category, errstr, errstr_size);
  if (!o->ca)
    goto done;
  /* conflicting probe sets: the experiment's expression rows, over every
   * probe-map probe of a gene, promiscuous or not (0: BMDExpress's
   * probe-file analyses, ProbeCategoryMaps.subGenesAllProbes) */
  if (s->category.identify_conflicting &&
      bmd_category_conflicts(o->ca, annot, (const char *const *)ds->probe_ids, ds->values,
                             ds->n_probes, ds->n_samples, 0, s->category.conflict_r_cutoff, errstr,
                             errstr_size) != 0) {
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  bmd_tpod_compute(o->ca, &s->tpod, &o->tpod_values);
  o->tpod =
      bs_tpod_json(&o->tpod_values, bmd_category_n_genes(o->ca), bmd_category_n_results(o->ca));
  if (!o->tpod) {
    snprintf(errstr, errstr_size, "category: out of memory for the tPOD");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  st = bs_category_exports_put(s, o->ca, cp->probes, o->tpod, to, errstr, errstr_size);
  if (st == BS_OK)
    st = pick_curves(s, fits, n, o->ca, cp->probes, pick, errstr, errstr_size);
done:
  bs_cat_probes_destroy(cp);
  return st;
}

/* The curve plots of pick, then report.html of everything. */
static bs_status put_curves_and_report(const bs_settings *s, const json_t *settings,
                                       const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n,
                                       const bs_category_output *o, const curve_pick *pick,
                                       const bs_export_target *to, char *errstr,
                                       size_t errstr_size) {
  bs_status st = BS_OK;
  for (size_t q = 0; q < pick->n && st == BS_OK; q++)
    st = bs_curve_plot_put(to, ds, &fits[pick->sel[q]], pick->genes[q], errstr, errstr_size);
  if (st != BS_OK)
    return st;
  bs_report r = {.settings = settings,
                 .ds = ds,
                 .fits = fits,
                 .n_fits = n,
                 .ca = o->ca,
                 .tpod = o->ca ? &o->tpod_values : NULL,
                 .category_min_genes = s->plot_category_min_genes,
                 .curves = pick->sel,
                 .curve_genes = pick->genes,
                 .n_curves = pick->n};
  return bs_report_put(to, &r, errstr, errstr_size);
}

void bs_category_output_destroy(bs_category_output *o) {
  if (!o)
    return;
  json_decref(o->tpod);
  bmd_category_analysis_destroy(o->ca);
  free(o);
}

bs_status bs_step_category(const bs_settings *s, const json_t *settings, const bmd_dataset *ds,
                           const bmd_probe_fit *fits, size_t n, const bmd_annotation *annot,
                           const bs_export_target *to, bs_category_output **out, char *errstr,
                           size_t errstr_size) {
  *out = NULL;
  curve_pick pick = {NULL, NULL, 0};
  bs_category_output *o = calloc(1, sizeof(*o));
  if (!o) {
    snprintf(errstr, errstr_size, "category: out of memory");
    return BS_ERR_RETRIABLE;
  }
  bs_status st = s->category_type == BS_CATEGORY_NONE
                     ? pick_curves(s, fits, n, NULL, NULL, &pick, errstr, errstr_size)
                     : run_analysis(s, ds, fits, n, annot, to, o, &pick, errstr, errstr_size);
  if (st == BS_OK)
    st = put_curves_and_report(s, settings, ds, fits, n, o, &pick, to, errstr, errstr_size);
  free(pick.sel);
  free(pick.genes);
  if (st != BS_OK) {
    bs_category_output_destroy(o);
    return st;
  }
  o->n_curves = pick.n;
  *out = o;
  return BS_OK;
}
