/*
 * report_results.c - the report's result sections (bs/report.h): the
 * best-BMD distribution, the tPOD with its three definitions, the
 * accumulation plots and the curve plots of the most sensitive probes.
 */
#include <math.h>
#include <stdlib.h>

#include "bmd/fit.h"
#include "bs/category_export.h"
#include "bs/plot_curve.h"
#include "bs/plot_histogram.h"
#include "report_internal.h"

static const char *const TPOD_KEYS[3] = {"gene_set", "rank", "percentile"};

/* "st", "nd", "rd" or "th" after n (11th, 12th, 13th; 21st, 22nd, ...) */
static const char *ordinal(size_t n) {
  if (n % 100 >= 11 && n % 100 <= 13)
    return "th";
  return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* ---- the BMD distribution -------------------------------------------- */

typedef struct histogram_args {
  const double *bmd;
  size_t n;
  bs_plot_marker markers[3];
  size_t n_markers;
} histogram_args;

static int render_histogram(FILE *out, const void *arg) {
  const histogram_args *h = arg;
  return bs_plot_bmd_histogram_svg(out, h->bmd, h->n, h->markers, h->n_markers,
                                   "Best BMD distribution of the fitted probes");
}

int bs_report_bmd(FILE *out, const bs_report *r) {
  double *bmd = malloc((r->n_fits ? r->n_fits : 1) * sizeof(*bmd));
  if (!bmd)
    return -1;
  histogram_args h = {bmd, 0, {{0}}, 0};
  for (size_t i = 0; i < r->n_fits; i++)
    if (r->fits[i].best.best >= 0)
      bmd[h.n++] = r->fits[i].best.bmd;
  if (r->tpod) {
    const bmd_tpod_value *v[3] = {&r->tpod->gene_set, &r->tpod->rank, &r->tpod->percentile};
    static const char *const label[3] = {"tPOD gene set", "tPOD rank", "tPOD percentile"};
    for (int k = 0; k < 3; k++)
      if (v[k]->available)
        h.markers[h.n_markers++] = (bs_plot_marker){label[k], v[k]->bmd};
  }
  fputs("<p>The best BMD of every probe with a best model, in quarter-decade bins; the tPOD "
        "values marked.</p>\n<figure class=\"plot\">",
        out);
  int rc = bs_html_svg(out, render_histogram, &h);
  fputs("</figure>\n", out);
  free(bmd);
  return rc;
}

/* ---- tPOD ------------------------------------------------------------- */

static void tpod_definition(FILE *out, int k, const bmd_tpod_options *o) {
  switch (k) {
  case 0:
    fprintf(out,
            "<b>Gene set</b>: the median BMD (and median BMDL) of the most sensitive active "
            "gene set, active meaning at least %zu genes with BMDs that make up at least "
            "%.4g%% of the set's genes on the platform",
            o->min_set_genes, 100 * o->min_set_fraction);
    break;
  case 1:
    fprintf(out, "<b>Gene rank</b>: the BMD (and BMDL) of the %zu%s most sensitive gene", o->rank,
            ordinal(o->rank));
    break;
  default:
    fprintf(out,
            "<b>Percentile</b>: the %.4g%s percentile of the gene BMDs (and of the gene BMDLs), "
            "linear between order statistics",
            100 * o->percentile, ordinal((size_t)lround(100 * o->percentile)));
  }
}

static void tpod_basis(FILE *out, const bmd_tpod_value *v) {
  if (!v->available) {
    fputs("not given: ", out);
    bs_html_put(out, v->reason);
    return;
  }
  if (v->set_id) {
    bs_html_put(out, v->set_id);
    if (v->set_name) {
      fputs(" ", out);
      bs_html_put(out, v->set_name);
    }
    fprintf(out, ", %zu genes; lowest of %zu active sets", v->n_genes, v->n_sets);
  } else if (v->gene_id) {
    fputs("gene ", out);
    bs_html_put(out, v->gene_id);
    fprintf(out, ", of %zu genes", v->n_genes);
  } else {
    fprintf(out, "%zu genes", v->n_genes);
  }
}

int bs_report_tpod(FILE *out, const bs_report *r) {
  if (!r->tpod) {
    fputs("<p>No category analysis (category type none): no gene BMDs, no tPOD.</p>\n", out);
    return 0;
  }
  fputs("<p>Three definitions over the genes with a BMD after the category filters "
        "(tpod.json).</p>\n<table class=\"tpod\">\n<thead><tr><th>Definition</th><th>BMD</th>"
        "<th>BMDL</th><th>Rests on</th></tr></thead>\n<tbody>\n",
        out);
  const bmd_tpod_value *v[3] = {&r->tpod->gene_set, &r->tpod->rank, &r->tpod->percentile};
  for (int k = 0; k < 3; k++) {
    fprintf(out, "<tr data-tpod=\"%s\" data-available=\"%s\"", TPOD_KEYS[k],
            v[k]->available ? "true" : "false");
    bs_html_attr_num(out, "data-bmd", v[k]->available ? v[k]->bmd : NAN);
    bs_html_attr_num(out, "data-bmdl", v[k]->available ? v[k]->bmdl : NAN);
    fputs("><td>", out);
    tpod_definition(out, k, &r->tpod->options);
    fputs("</td><td class=\"num\">", out);
    bs_html_num(out, v[k]->available ? v[k]->bmd : NAN);
    fputs("</td><td class=\"num\">", out);
    bs_html_num(out, v[k]->available ? v[k]->bmdl : NAN);
    fputs("</td><td>", out);
    tpod_basis(out, v[k]);
    fputs("</td></tr>\n", out);
  }
  fputs("</tbody>\n</table>\n", out);
  return 0;
}

/* ---- accumulation plots ------------------------------------------------ */

static int render_genes(FILE *out, const void *arg) {
  return bs_plot_gene_accumulation_svg(out, ((const bs_report *)arg)->ca, "Gene BMD accumulation");
}

static int render_categories(FILE *out, const void *arg) {
  const bs_report *r = arg;
  return bs_plot_category_accumulation_svg(out, r->ca, r->category_min_genes,
                                           "Category median BMD accumulation");
}

int bs_report_accumulation(FILE *out, const bs_report *r) {
  if (!r->ca) {
    fputs("<p>No category analysis (category type none).</p>\n", out);
    return 0;
  }
  fprintf(out,
          "<p>Left: the genes' BMDs in ascending order. Right: the categories with at least "
          "%zu genes after the filters, by median BMD, with their median BMDL&ndash;BMDU "
          "range.</p>\n<div class=\"plots\">\n<figure class=\"plot\">",
          r->category_min_genes);
  int rc = bs_html_svg(out, render_genes, r);
  fputs("</figure>\n<figure class=\"plot\">", out);
  if (rc == 0)
    rc = bs_html_svg(out, render_categories, r);
  fputs("</figure>\n</div>\n", out);
  return rc;
}

/* ---- curve plots -------------------------------------------------------- */

typedef struct curve_args {
  const bmd_dataset *ds;
  const bmd_probe_fit *fit;
  const char *gene;
} curve_args;

static int render_curve(FILE *out, const void *arg) {
  const curve_args *c = arg;
  return bs_plot_curve_svg(out, c->ds, c->fit, c->gene);
}

static void curve_caption(FILE *out, const bmd_probe_fit *f, const char *model) {
  fputs("<figcaption>", out);
  bs_html_put(out, model);
  fputs(": BMD ", out);
  bs_html_num(out, f->best.bmd);
  fputs(", BMDL ", out);
  bs_html_num(out, f->best.bmdl);
  fputs(", BMDU ", out);
  bs_html_num(out, f->best.bmdu);
  fputs(", fit p ", out);
  bs_html_num(out, f->best.best >= 0 ? f->fits[f->best.best].fit_p : NAN);
  fputs("</figcaption>\n", out);
}

int bs_report_curves(FILE *out, const bs_report *r) {
  fprintf(out,
          "<p>The %zu probes with the lowest best BMD%s (the plots/curve_*.svg files): "
          "dose-group means &plusmn; 1 SD, the best model, BMD (solid), BMDL and BMDU "
          "(dashed).</p>\n<div class=\"curves\">\n",
          r->n_curves, r->ca ? " among those that passed the category filters" : "");
  int rc = 0;
  for (size_t q = 0; q < r->n_curves && rc == 0; q++) {
    const bmd_probe_fit *f = &r->fits[r->curves[q]];
    const char *gene = r->curve_genes ? r->curve_genes[q] : NULL;
    const char *model = f->best.best >= 0 ? bmd_model_label(f->fits[f->best.best].model) : "none";
    fputs("<figure class=\"curve\" data-probe=\"", out);
    bs_html_put(out, r->ds->probe_ids[f->probe]);
    fputs("\" data-gene=\"", out);
    bs_html_put(out, gene ? gene : "");
    fprintf(out, "\" data-model=\"%s\"", model);
    bs_html_attr_num(out, "data-bmd", f->best.bmd);
    bs_html_attr_num(out, "data-bmdl", f->best.bmdl);
    bs_html_attr_num(out, "data-bmdu", f->best.bmdu);
    fputs(">", out);
    curve_args c = {r->ds, f, gene};
    rc = bs_html_svg(out, render_curve, &c);
    curve_caption(out, f, model);
    fputs("</figure>\n", out);
  }
  fputs("</div>\n", out);
  return rc;
}
