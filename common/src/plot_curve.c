/*
 * plot_curve.c - a probe's dose-response curve as SVG (bs/plot_curve.h).
 * Data values are carried in data-* attributes (%.17g) so tests and people
 * can read back what was drawn.
 */
#include "bs/plot_curve.h"

#include <math.h>
#include <stdlib.h>

#define W 640.0
#define H 460.0
#define ML 80.0
#define MR 20.0
#define MT 40.0
#define MB 60.0

typedef struct frame {
  double lx0, lx1; /* log10 dose range */
  double y0, y1;   /* response range */
  double control;  /* dose at which the control group is drawn */
} frame;

/* x = ML + (log10 max(d, control) - lx0) / (lx1 - lx0) * (W - ML - MR) */
static double fx(const frame *f, double d) {
  double v = d > f->control ? d : f->control;
  return ML + (log10(v) - f->lx0) / (f->lx1 - f->lx0) * (W - ML - MR);
}

/* y = H - MB - (v - y0) / (y1 - y0) * (H - MT - MB) */
static double fy(const frame *f, double v) {
  return H - MB - (v - f->y0) / (f->y1 - f->y0) * (H - MT - MB);
}

static void put_text(FILE *out, const char *s) {
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

static void widen(double *lo, double *hi, double v) {
  if (!isfinite(v))
    return;
  if (v < *lo)
    *lo = v;
  if (v > *hi)
    *hi = v;
}

/* Dose at sample i of BS_CURVE_SAMPLES: log-spaced control..max dose. */
static double sample_dose(const frame *f, double dmax, size_t i) {
  double l0 = log10(f->control), l1 = log10(dmax);
  return pow(10, l0 + (l1 - l0) * (double)i / (BS_CURVE_SAMPLES - 1));
}

static void marker(FILE *out, const frame *f, const char *kind, double v, const char *colour) {
  if (!(v > 0) || !isfinite(v))
    return;
  double x = fx(f, v);
  fprintf(out,
          "<line class=\"marker\" data-kind=\"%s\" data-value=\"%.17g\" x1=\"%.2f\" y1=\"%.1f\" "
          "x2=\"%.2f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"5,3\"/>\n"
          "<text x=\"%.2f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"11\" fill=\"%s\" "
          "text-anchor=\"middle\">%s</text>\n",
          kind, v, x, MT, x, H - MB, colour, x, MT - 4, colour, kind);
}

int bs_plot_curve_svg(FILE *out, const bs_curve_plot *p) {
  if (!p || p->n_groups == 0 || !p->dose || !p->mean)
    return -1;
  double dmin = INFINITY, dmax = 0;
  for (size_t g = 0; g < p->n_groups; g++)
    if (p->dose[g] > 0) {
      dmin = fmin(dmin, p->dose[g]);
      dmax = fmax(dmax, p->dose[g]);
    }
  if (!(dmax > 0))
    return -1;
  frame f;
  f.control = dmin / 10;
  f.lx0 = log10(f.control);
  f.lx1 = log10(dmax);
  if (f.lx1 - f.lx0 < 1e-9)
    f.lx1 = f.lx0 + 1;

  /* response range over means +- SD and the curve */
  double *cy = malloc(BS_CURVE_SAMPLES * sizeof *cy);
  if (!cy)
    return -1;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t g = 0; g < p->n_groups; g++) {
    double sd = p->sd && isfinite(p->sd[g]) ? p->sd[g] : 0;
    widen(&lo, &hi, p->mean[g] - sd);
    widen(&lo, &hi, p->mean[g] + sd);
  }
  int curve = p->mean_cb && p->model;
  for (size_t i = 0; i < BS_CURVE_SAMPLES; i++) {
    cy[i] = curve ? p->mean_cb(p->opaque, sample_dose(&f, dmax, i)) : NAN;
    widen(&lo, &hi, cy[i]);
  }
  if (!isfinite(lo)) {
    free(cy);
    return -1;
  }
  double pad = (hi - lo) * 0.08 + 1e-9;
  f.y0 = lo - pad;
  f.y1 = hi + pad;

  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" data-plot=\"curve\" data-probe=\"",
          W, H, W, H);
  put_text(out, p->probe_id);
  fputs("\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"320\" y=\"20\" font-family=\"sans-serif\" font-size=\"15\" "
        "text-anchor=\"middle\">",
        out);
  put_text(out, p->probe_id);
  if (p->model) {
    fputs(" (", out);
    put_text(out, p->model);
    fputs(")", out);
  }
  fputs("</text>\n", out);

  /* axes: decade ticks on x, control tick "0", five ticks on y */
  fprintf(out,
          "<g class=\"axes\" stroke=\"black\" fill=\"none\"><line x1=\"%.1f\" y1=\"%.1f\" "
          "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n"
          "<g class=\"ticks\" font-family=\"sans-serif\" font-size=\"11\">\n",
          ML, H - MB, W - MR, H - MB, ML, MT, ML, H - MB);
  fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">0</text>\n", ML, H - MB + 18);
  for (double e = ceil(f.lx0 + 0.5); e <= f.lx1 + 1e-9; e += 1) {
    double x = fx(&f, pow(10, e));
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
            x, H - MB, x, H - MB + 5, x, H - MB + 18, pow(10, e));
  }
  for (int t = 0; t <= 4; t++) {
    double v = f.y0 + (f.y1 - f.y0) * t / 4, y = fy(&f, v);
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n",
            ML - 5, y, ML, y, ML - 8, y + 4, v);
  }
  fprintf(
      out,
      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">dose (log scale; control at 0)</text>\n"
      "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">"
      "response</text>\n</g>\n",
      (ML + W - MR) / 2, H - 16, (MT + H - MB) / 2, (MT + H - MB) / 2);

  if (curve) {
    fputs("<polyline class=\"curve\" fill=\"none\" stroke=\"steelblue\" stroke-width=\"2\" "
          "data-model=\"",
          out);
    put_text(out, p->model);
    fputs("\" data-samples=\"", out);
    int first = 1;
    for (size_t i = 0; i < BS_CURVE_SAMPLES; i++) {
      if (!isfinite(cy[i]))
        continue;
      fprintf(out, "%s%.17g,%.17g", first ? "" : " ", sample_dose(&f, dmax, i), cy[i]);
      first = 0;
    }
    fputs("\" points=\"", out);
    first = 1;
    for (size_t i = 0; i < BS_CURVE_SAMPLES; i++) {
      if (!isfinite(cy[i]))
        continue;
      fprintf(out, "%s%.2f,%.2f", first ? "" : " ", fx(&f, sample_dose(&f, dmax, i)),
              fy(&f, cy[i]));
      first = 0;
    }
    fputs("\"/>\n", out);
  }
  free(cy);

  fputs("<g class=\"points\" fill=\"black\" stroke=\"black\">\n", out);
  for (size_t g = 0; g < p->n_groups; g++) {
    double x = fx(&f, p->dose[g]), sd = p->sd ? p->sd[g] : NAN;
    if (!isfinite(p->mean[g]))
      continue;
    if (isfinite(sd) && sd > 0)
      fprintf(out,
              "<line class=\"sd-bar\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
              "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
              "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
              x, fy(&f, p->mean[g] - sd), x, fy(&f, p->mean[g] + sd), x - 4,
              fy(&f, p->mean[g] - sd), x + 4, fy(&f, p->mean[g] - sd), x - 4,
              fy(&f, p->mean[g] + sd), x + 4, fy(&f, p->mean[g] + sd));
    fprintf(out,
            "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" data-dose=\"%.17g\" "
            "data-mean=\"%.17g\" data-sd=\"%.17g\" data-n=\"%g\"/>\n",
            x, fy(&f, p->mean[g]), p->dose[g], p->mean[g], isfinite(sd) ? sd : 0.0,
            p->n ? p->n[g] : 0.0);
  }
  fputs("</g>\n", out);
  marker(out, &f, "BMDL", p->bmdl, "darkorange");
  marker(out, &f, "BMD", p->bmd, "firebrick");
  marker(out, &f, "BMDU", p->bmdu, "darkorange");
  fputs("</svg>\n", out);
  return ferror(out) ? -1 : 0;
}
