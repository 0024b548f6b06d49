/*
 * plot_svg.c - the category step's plots as SVG text (see
 * bs/category_export.h): log-dose x axis with decade ticks, a count y
 * axis, one <circle class="point"> per plotted item carrying its data in
 * data-* attributes so tests and people can read values back.
 */
#include "bs/category_export.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 760.0
#define H 500.0
#define ML 70.0 /* margins: left, right, top, bottom */
#define MR 20.0
#define MT 40.0
#define MB 60.0

typedef struct axes {
  double lx0, lx1; /* log10 range of x */
  double y1;       /* y range 0..y1 */
} axes;

/* x pixel = ML + (log10 v - lx0) / (lx1 - lx0) * (W - ML - MR) */
static double px(const axes *a, double v) {
  return ML + (log10(v) - a->lx0) / (a->lx1 - a->lx0) * (W - ML - MR);
}

/* y pixel = H - MB - y / y1 * (H - MT - MB) */
static double py(const axes *a, double y) {
  return H - MB - y / a->y1 * (H - MT - MB);
}

static void put_escaped(FILE *out, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '&':
      fputs("&amp;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    default:
      if ((unsigned char)*s >= 0x20 || *s == '\t')
        fputc(*s, out);
    }
  }
}

/* Decade range covering [lo, hi] (positive), at least one decade wide. */
static axes make_axes(double lo, double hi, double ymax) {
  axes a;
  if (!(lo > 0) || !isfinite(lo))
    lo = 1;
  if (!(hi >= lo) || !isfinite(hi))
    hi = lo;
  a.lx0 = floor(log10(lo));
  a.lx1 = ceil(log10(hi));
  if (a.lx1 <= a.lx0)
    a.lx1 = a.lx0 + 1;
  a.y1 = ymax > 0 ? ymax : 1;
  return a;
}

static void header(FILE *out, const char *title, const char *kind) {
  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" data-plot=\"%s\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"%.0f\" y=\"24\" font-family=\"sans-serif\" font-size=\"16\" "
          "text-anchor=\"middle\">",
          W, H, W, H, kind, W / 2);
  put_escaped(out, title);
  fputs("</text>\n", out);
}

static void draw_axes(FILE *out, const axes *a, const char *xlabel, const char *ylabel) {
  fprintf(out,
          "<g class=\"axes\" stroke=\"black\" fill=\"none\">"
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
          ML, H - MB, W - MR, H - MB, ML, MT, ML, H - MB);
  fputs("<g class=\"ticks\" font-family=\"sans-serif\" font-size=\"11\">\n", out);
  for (double e = a->lx0; e <= a->lx1 + 1e-9; e += 1) {
    double x = px(a, pow(10, e));
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
            x, H - MB, x, H - MB + 5, x, H - MB + 18, pow(10, e));
  }
  double step = pow(10, floor(log10(a->y1)));
  if (a->y1 / step < 3)
    step /= 2;
  if (step < 1)
    step = 1;
  for (double y = 0; y <= a->y1 + 1e-9; y += step) {
    double yy = py(a, y);
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
            ML - 5, yy, ML, yy, ML - 8, yy + 4, y);
  }
  fprintf(out,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n"
          "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">"
          "%s</text>\n</g>\n",
          (ML + W - MR) / 2, H - 16, xlabel, (MT + H - MB) / 2, (MT + H - MB) / 2, ylabel);
}

typedef struct gpoint {
  double bmd;
  const char *id;
} gpoint;

static int cmp_gpoint(const void *x, const void *y) {
  const gpoint *a = x, *b = y;
  if (a->bmd != b->bmd)
    return a->bmd < b->bmd ? -1 : 1;
  return strcmp(a->id, b->id);
}

/* Gene BMD accumulation: the i-th smallest gene BMD at y = i (1-based). */
int bs_plot_gene_accumulation_svg(FILE *out, const bmd_category_analysis *ca, const char *title) {
  size_t n = bmd_category_n_genes(ca), m = 0;
  gpoint *g = malloc((n + 1) * sizeof(*g));
  if (!g)
    return -1;
  for (size_t i = 0; i < n; i++) {
    const bmd_cat_gene *ge = bmd_category_gene(ca, i);
    if (ge->bmd > 0 && isfinite(ge->bmd))
      g[m].bmd = ge->bmd, g[m++].id = ge->id;
  }
  qsort(g, m, sizeof(*g), cmp_gpoint);
  axes a = make_axes(m ? g[0].bmd : 1, m ? g[m - 1].bmd : 10, (double)m);
  header(out, title ? title : "Gene BMD accumulation", "gene-accumulation");
  fprintf(out, "<desc>%zu genes with BMDs; %zu not plotted (BMD not positive)</desc>\n", m, n - m);
  draw_axes(out, &a, "gene BMD (log scale)", "cumulative genes");
  fputs("<polyline class=\"curve\" fill=\"none\" stroke=\"steelblue\" points=\"", out);
  for (size_t i = 0; i < m; i++)
    fprintf(out, "%s%.2f,%.2f", i ? " " : "", px(&a, g[i].bmd), py(&a, (double)(i + 1)));
  fputs("\"/>\n<g class=\"points\" fill=\"steelblue\">\n", out);
  for (size_t i = 0; i < m; i++) {
    fprintf(out, "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"2\" data-gene=\"",
            px(&a, g[i].bmd), py(&a, (double)(i + 1)));
    put_escaped(out, g[i].id);
    fprintf(out, "\" data-bmd=\"%.17g\" data-rank=\"%zu\"/>\n", g[i].bmd, i + 1);
  }
  fputs("</g>\n</svg>\n", out);
  free(g);
  return ferror(out) ? -1 : 0;
}

typedef struct cpoint {
  double median, bmdl, bmdu;
  const bmd_category_result *r;
} cpoint;

static int cmp_cpoint(const void *x, const void *y) {
  const cpoint *a = x, *b = y;
  if (a->median != b->median)
    return a->median < b->median ? -1 : 1;
  return strcmp(a->r->id, b->r->id);
}

/* Category accumulation: the i-th smallest median BMD at y = i, with a
 * horizontal BMDL-median to BMDU-median range. */
int bs_plot_category_accumulation_svg(FILE *out, const bmd_category_analysis *ca, size_t min_genes,
                                      const char *title) {
  size_t n = bmd_category_n_results(ca), m = 0;
  cpoint *c = malloc((n + 1) * sizeof(*c));
  if (!c)
    return -1;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    const bmd_category_result *r = bmd_category_result_get(ca, i);
    if (r->n < min_genes || r->n == 0 || !(r->bmd.median > 0))
      continue;
    c[m].median = r->bmd.median;
    c[m].bmdl = r->bmdl.median;
    c[m].bmdu = r->bmdu.median;
    c[m++].r = r;
    double vals[] = {r->bmd.median, r->bmdl.median, r->bmdu.median};
    for (int k = 0; k < 3; k++)
      if (vals[k] > 0 && isfinite(vals[k])) {
        lo = vals[k] < lo ? vals[k] : lo;
        hi = vals[k] > hi ? vals[k] : hi;
      }
  }
  qsort(c, m, sizeof(*c), cmp_cpoint);
  axes a = make_axes(m ? lo : 1, m ? hi : 10, (double)m);
  header(out, title ? title : "Category BMD median accumulation", "category-accumulation");
  fprintf(out, "<desc>%zu categories with at least %zu genes passing the filters</desc>\n", m,
          min_genes);
  draw_axes(out, &a, "category BMD median (log scale), BMDL-BMDU median range",
            "cumulative categories");
  fputs("<g class=\"ranges\" stroke=\"gray\">\n", out);
  for (size_t i = 0; i < m; i++) {
    if (!(c[i].bmdl > 0 && c[i].bmdu > 0 && isfinite(c[i].bmdu)))
      continue;
    double y = py(&a, (double)(i + 1));
    fprintf(out, "<line class=\"range\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
            px(&a, c[i].bmdl), y, px(&a, c[i].bmdu), y);
  }
  fputs("</g>\n<g class=\"points\" fill=\"firebrick\">\n", out);
  for (size_t i = 0; i < m; i++) {
    fprintf(out, "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" data-category=\"",
            px(&a, c[i].median), py(&a, (double)(i + 1)));
    put_escaped(out, c[i].r->id);
    fputs("\" data-name=\"", out);
    put_escaped(out, c[i].r->name);
    fprintf(out,
            "\" data-genes=\"%zu\" data-median=\"%.17g\" data-bmdl=\"%.17g\" "
            "data-bmdu=\"%.17g\"/>\n",
            c[i].r->n, c[i].median, c[i].bmdl, c[i].bmdu);
  }
  fputs("</g>\n</svg>\n", out);
  free(c);
  return ferror(out) ? -1 : 0;
}
