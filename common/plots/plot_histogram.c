/*
 * plot_histogram.c - the best-BMD distribution as an SVG histogram (see
 * bs/plot_histogram.h): quarter-decade bins on a log dose axis that spans
 * whole decades, a count axis, and labelled vertical markers.
 */
#include "bs/plot_histogram.h"

#include <math.h>
#include <stdlib.h>

#define W 760.0
#define H 420.0
#define ML 70.0 /* margins: left, right, top, bottom */
#define MR 20.0
#define MT 40.0
#define MB 60.0
#define BINS_PER_DECADE 4

typedef struct frame {
  double lx0, lx1; /* log10 range of the x axis: whole decades */
  double y1;       /* count range 0..y1 */
} frame;

/* x = ML + (log10 v - lx0) / (lx1 - lx0) (W - ML - MR) */
static double fx(const frame *f, double v) {
  return ML + (log10(v) - f->lx0) / (f->lx1 - f->lx0) * (W - ML - MR);
}

/* y = H - MB - c / y1 (H - MT - MB) */
static double fy(const frame *f, double c) {
  return H - MB - c / f->y1 * (H - MT - MB);
}

static void put_escaped(FILE *out, const char *s) {
  for (; s && *s; s++) {
    if (*s == '<')
      fputs("&lt;", out);
    else if (*s == '>')
      fputs("&gt;", out);
    else if (*s == '&')
      fputs("&amp;", out);
    else if (*s == '"')
      fputs("&quot;", out);
    else if ((unsigned char)*s >= 0x20)
      fputc(*s, out);
  }
}

static void draw_axes(FILE *out, const frame *f) {
  fprintf(out,
          "<g class=\"axes\" stroke=\"black\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
          "y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n"
          "<g class=\"ticks\" font-family=\"sans-serif\" font-size=\"11\">\n",
          ML, H - MB, W - MR, H - MB, ML, MT, ML, H - MB);
  for (double e = f->lx0; e <= f->lx1 + 1e-9; e += 1) {
    double x = fx(f, pow(10, e));
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
            x, H - MB, x, H - MB + 5, x, H - MB + 18, pow(10, e));
  }
  /* count ticks: a power of ten, halved when it gives fewer than 3 */
  double step = pow(10, floor(log10(f->y1)));
  if (f->y1 / step < 3)
    step /= 2;
  if (step < 1)
    step = 1;
  for (double c = 0; c <= f->y1 + 1e-9; c += step)
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
            ML - 5, fy(f, c), ML, fy(f, c), ML - 8, fy(f, c) + 4, c);
  fprintf(out,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">best BMD (log scale)</text>\n"
          "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">"
          "probes</text>\n</g>\n",
          (ML + W - MR) / 2, H - 16, (MT + H - MB) / 2, (MT + H - MB) / 2);
}

/* Each marker a dashed vertical line, named in a legend at the top right. */
static void draw_markers(FILE *out, const frame *f, const bs_plot_marker *markers, size_t n) {
  static const char *color[] = {"firebrick", "darkgreen", "darkorange", "purple"};
  const double lx = W - MR - 190;
  fputs("<g class=\"markers\" font-family=\"sans-serif\" font-size=\"11\">\n", out);
  for (size_t k = 0, drawn = 0; k < n; k++) {
    double d = markers[k].dose, ly = MT + 4 + 14 * (double)drawn;
    if (!(d > 0) || !isfinite(d) || log10(d) < f->lx0 || log10(d) > f->lx1)
      continue;
    const char *c = color[drawn % 4];
    fputs("<line class=\"marker\" data-label=\"", out);
    put_escaped(out, markers[k].label);
    fprintf(out,
            "\" data-dose=\"%.17g\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
            "stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n"
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/><text x=\"%.1f\" y=\"%.1f\">",
            d, fx(f, d), MT, fx(f, d), H - MB, c, lx, ly, lx + 22, ly, c, lx + 27, ly + 4);
    put_escaped(out, markers[k].label);
    fprintf(out, " %.4g</text>\n", d);
    drawn++;
  }
  fputs("</g>\n", out);
}

int bs_plot_bmd_histogram_svg(FILE *out, const double *bmd, size_t n, const bs_plot_marker *markers,
                              size_t n_markers, const char *title) {
  double lo = INFINITY, hi = -INFINITY;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (bmd[i] > 0 && isfinite(bmd[i])) {
      lo = fmin(lo, bmd[i]), hi = fmax(hi, bmd[i]);
      m++;
    }
  if (m == 0)
    lo = 1, hi = 10;
  /* bins: edges at 10^(b0 + k / BINS_PER_DECADE), b0 = floor(4 log10 lo) / 4,
   * up to the first edge at or above hi; at least one bin */
  double b0 = floor(BINS_PER_DECADE * log10(lo)) / BINS_PER_DECADE;
  double b1 = ceil(BINS_PER_DECADE * log10(hi)) / BINS_PER_DECADE;
  size_t nb = (size_t)lround((b1 - b0) * BINS_PER_DECADE);
  if (nb == 0)
    nb = 1;
  double *edge = malloc((nb + 1) * sizeof(*edge));
  size_t *count = calloc(nb, sizeof(*count));
  if (!edge || !count) {
    free(edge);
    free(count);
    return -1;
  }
  for (size_t k = 0; k <= nb; k++)
    edge[k] = pow(10, b0 + (double)k / BINS_PER_DECADE);
  /* pow may round an edge past the extreme values: the outer edges take them in */
  edge[0] = fmin(edge[0], lo);
  edge[nb] = fmax(edge[nb], hi);
  size_t top = 1;
  for (size_t i = 0; i < n; i++) {
    if (!(bmd[i] > 0) || !isfinite(bmd[i]))
      continue;
    size_t k = 0;
    while (k + 1 < nb && bmd[i] >= edge[k + 1])
      k++;
    count[k]++;
    top = count[k] > top ? count[k] : top;
  }
  frame f = {floor(log10(edge[0])), ceil(log10(edge[nb])), (double)top * 1.05};
  if (f.lx1 <= f.lx0)
    f.lx1 = f.lx0 + 1;
  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" data-plot=\"bmd-histogram\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"%.0f\" y=\"24\" font-family=\"sans-serif\" font-size=\"16\" "
          "text-anchor=\"middle\">",
          W, H, W, H, W / 2);
  put_escaped(out, title ? title : "Best BMD distribution");
  fprintf(out, "</text>\n<desc>%zu probes with a positive best BMD; %zu not plotted</desc>\n", m,
          n - m);
  draw_axes(out, &f);
  fputs("<g class=\"bins\" fill=\"steelblue\" stroke=\"white\">\n", out);
  for (size_t k = 0; k < nb; k++) {
    double x0 = fx(&f, edge[k]), x1 = fx(&f, edge[k + 1]);
    fprintf(out,
            "<rect class=\"bin\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
            "data-lo=\"%.17g\" data-hi=\"%.17g\" data-count=\"%zu\"/>\n",
            x0, fy(&f, (double)count[k]), x1 - x0, fy(&f, 0) - fy(&f, (double)count[k]), edge[k],
            edge[k + 1], count[k]);
  }
  fputs("</g>\n", out);
  draw_markers(out, &f, markers, n_markers);
  fputs("</svg>\n", out);
  free(edge);
  free(count);
  return ferror(out) ? -1 : 0;
}
