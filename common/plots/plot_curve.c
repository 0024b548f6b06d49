/*
 * plot_curve.c - one probe's dose-response curve as SVG (see
 * bs/plot_curve.h).
 */
#include "bs/plot_curve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs/error.h"

#define W 640.0
#define H 440.0
#define ML 70.0
#define MR 20.0
#define MT 40.0
#define MB 55.0
#define CURVE_POINTS 120

typedef struct frame {
  double lx0, lx1; /* log10 dose range */
  double y0, y1;   /* response range */
  double zero;     /* dose drawn for the control group */
} frame;

/* x = ML + (log10 d - lx0) / (lx1 - lx0) (W - ML - MR); dose 0 -> f->zero */
static double fx(const frame *f, double d) {
  double v = d > 0 ? d : f->zero;
  return ML + (log10(v) - f->lx0) / (f->lx1 - f->lx0) * (W - ML - MR);
}

/* y = H - MB - (r - y0) / (y1 - y0) (H - MT - MB) */
static double fy(const frame *f, double r) {
  return H - MB - (r - f->y0) / (f->y1 - f->y0) * (H - MT - MB);
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

int bs_plot_curve_svg(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fit,
                      const char *label) {
  bmd_suffstat *ss = bmd_suffstat_new(ds->n_groups);
  if (!ss || bmd_probe_suffstat(ds, fit->probe, ss) != 0) {
    bmd_suffstat_destroy(ss);
    return -1;
  }
  const bmd_fit_result *best = fit->best.best >= 0 ? &fit->fits[fit->best.best] : NULL;
  double lowpos = INFINITY, high = 0;
  for (size_t g = 0; g < ss->n_groups; g++) {
    if (ss->dose[g] > 0 && ss->dose[g] < lowpos)
      lowpos = ss->dose[g];
    high = ss->dose[g] > high ? ss->dose[g] : high;
  }
  if (!isfinite(lowpos))
    lowpos = high > 0 ? high : 1;
  frame f;
  f.zero = lowpos / 10;
  f.lx0 = floor(log10(f.zero));
  f.lx1 = ceil(log10(high > lowpos ? high : lowpos * 10));
  if (f.lx1 <= f.lx0)
    f.lx1 = f.lx0 + 1;
  /* response range: means +/- SD and the curve */
  double curve[CURVE_POINTS], cdose[CURVE_POINTS];
  f.y0 = INFINITY, f.y1 = -INFINITY;
  for (size_t g = 0; g < ss->n_groups; g++) {
    f.y0 = fmin(f.y0, ss->mean[g] - ss->sd[g]);
    f.y1 = fmax(f.y1, ss->mean[g] + ss->sd[g]);
  }
  for (int i = 0; i < CURVE_POINTS; i++) {
    /* doses evenly spaced in log10 from the control position to the top */
    cdose[i] = pow(10, log10(f.zero) +
                           (log10(high > 0 ? high : 1) - log10(f.zero)) * i / (CURVE_POINTS - 1));
    curve[i] = best ? bmd_fit_mean(best, cdose[i]) : NAN;
    if (isfinite(curve[i]))
      f.y0 = fmin(f.y0, curve[i]), f.y1 = fmax(f.y1, curve[i]);
  }
  if (!(f.y1 > f.y0))
    f.y0 -= 1, f.y1 += 1;
  double pad = 0.05 * (f.y1 - f.y0);
  f.y0 -= pad, f.y1 += pad;

  const char *pid = ds->probe_ids[fit->probe];
  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" data-plot=\"curve\" data-probe=\"",
          W, H, W, H);
  put_escaped(out, pid);
  fputs("\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"320\" y=\"24\" font-family=\"sans-serif\" font-size=\"15\" "
        "text-anchor=\"middle\">",
        out);
  put_escaped(out, pid);
  if (label) {
    fputs(" (", out);
    put_escaped(out, label);
    fputc(')', out);
  }
  fprintf(out, " - %s</text>\n", best ? bmd_model_label(best->model) : "no best model");
  /* axes and decade ticks; the control at f.zero labelled 0 */
  fprintf(out,
          "<g stroke=\"black\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n"
          "<g font-family=\"sans-serif\" font-size=\"11\">\n",
          ML, H - MB, W - MR, H - MB, ML, MT, ML, H - MB);
  for (double e = f.lx0; e <= f.lx1 + 1e-9; e += 1) {
    double d = pow(10, e), x = fx(&f, d);
    if (fabs(d - f.zero) < 1e-12 * d)
      continue;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", x, H - MB + 16,
            d);
  }
  fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">0</text>\n", fx(&f, 0),
          H - MB + 16);
  for (int k = 0; k <= 4; k++) {
    double r = f.y0 + (f.y1 - f.y0) * k / 4;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", ML - 6,
            fy(&f, r) + 4, r);
  }
  fprintf(out,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">dose (log scale)</text>\n"
          "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">"
          "response</text>\n</g>\n",
          (ML + W - MR) / 2, H - 12, (MT + H - MB) / 2, (MT + H - MB) / 2);
  /* group means with SD bars */
  fputs("<g class=\"data\" stroke=\"black\" fill=\"black\">\n", out);
  for (size_t g = 0; g < ss->n_groups; g++) {
    double x = fx(&f, ss->dose[g]);
    fprintf(out, "<line class=\"sd\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x,
            fy(&f, ss->mean[g] - ss->sd[g]), x, fy(&f, ss->mean[g] + ss->sd[g]));
    fprintf(out,
            "<circle class=\"mean\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" data-dose=\"%.17g\" "
            "data-mean=\"%.17g\" data-sd=\"%.17g\" data-n=\"%g\"/>\n",
            x, fy(&f, ss->mean[g]), ss->dose[g], ss->mean[g], ss->sd[g], ss->n[g]);
  }
  fputs("</g>\n", out);
  if (best) {
    fprintf(out,
            "<path class=\"model\" data-model=\"%s\" fill=\"none\" stroke=\"steelblue\" "
            "stroke-width=\"2\" d=\"",
            bmd_model_name(best->model));
    int pen = 0;
    for (int i = 0; i < CURVE_POINTS; i++) {
      if (!isfinite(curve[i])) {
        pen = 0;
        continue;
      }
      fprintf(out, "%s%.2f,%.2f ", pen ? "L" : "M", fx(&f, cdose[i]), fy(&f, curve[i]));
      pen = 1;
    }
    fputs("\"/>\n", out);
    const double mk[3] = {fit->best.bmd, fit->best.bmdl, fit->best.bmdu};
    static const char *kind[3] = {"BMD", "BMDL", "BMDU"};
    static const char *color[3] = {"firebrick", "darkorange", "darkorange"};
    for (int k = 0; k < 3; k++) {
      if (!(mk[k] > 0) || !isfinite(mk[k]))
        continue;
      double x = fx(&f, mk[k]);
      fprintf(out,
              "<line class=\"marker\" data-kind=\"%s\" data-dose=\"%.17g\" x1=\"%.2f\" "
              "y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"%s\"/>\n"
              "<text x=\"%.2f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"10\" "
              "fill=\"%s\">%s</text>\n",
              kind[k], mk[k], x, MT, x, H - MB, color[k], k ? "4 3" : "none", x + 2,
              MT + 10 + 11 * k, color[k], kind[k]);
    }
  }
  fputs("</svg>\n", out);
  bmd_suffstat_destroy(ss);
  return ferror(out) ? -1 : 0;
}

typedef struct ranked {
  double bmd;
  size_t idx;
  const char *gene;
} ranked;

static int cmp_ranked(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  if (a->bmd != b->bmd)
    return a->bmd < b->bmd ? -1 : 1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

static int cmp_idx(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

size_t bs_plot_sensitive_probes(const bmd_category_analysis *ca, const bmd_cat_probe *probes,
                                size_t k, size_t *out, const char **gene_ids) {
  /* surviving probes: those of the gene table, each once (first gene kept) */
  size_t n_genes = bmd_category_n_genes(ca), total = 0;
  for (size_t g = 0; g < n_genes; g++)
    total += bmd_category_gene(ca, g)->n_probes;
  ranked *r = malloc((total + 1) * sizeof(*r));
  if (!r)
    return (size_t)-1;
  size_t m = 0;
  for (size_t g = 0; g < n_genes; g++) {
    const bmd_cat_gene *ge = bmd_category_gene(ca, g);
    for (size_t j = 0; j < ge->n_probes; j++)
      r[m].idx = ge->probes[j], r[m].gene = ge->id, r[m++].bmd = probes[ge->probes[j]].bmd;
  }
  qsort(r, m, sizeof(*r), cmp_idx); /* stable enough: drop repeats of an index */
  size_t u = 0;
  for (size_t i = 0; i < m; i++)
    if (u == 0 || r[u - 1].idx != r[i].idx)
      r[u++] = r[i];
  qsort(r, u, sizeof(*r), cmp_ranked);
  if (k > u)
    k = u;
  for (size_t q = 0; q < k; q++) {
    out[q] = r[q].idx;
    if (gene_ids)
      gene_ids[q] = r[q].gene;
  }
  free(r);
  return k;
}

void bs_plot_curve_name(const char *probe_id, char *buf, size_t size) {
  snprintf(buf, size, "curve_%s.svg", probe_id);
  for (char *c = buf + 6; *c && c < buf + strlen(buf) - 4; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '-' || *c == '_' || *c == '.'))
      *c = '_';
}

size_t bs_plot_lowest_bmd_fits(const bmd_probe_fit *fits, size_t n, size_t k, size_t *out) {
  ranked *r = malloc((n + 1) * sizeof(*r));
  if (!r)
    return (size_t)-1;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (fits[i].best.best >= 0 && isfinite(fits[i].best.bmd))
      r[m].idx = i, r[m].gene = NULL, r[m++].bmd = fits[i].best.bmd;
  qsort(r, m, sizeof(*r), cmp_ranked);
  if (k > m)
    k = m;
  for (size_t q = 0; q < k; q++)
    out[q] = r[q].idx;
  free(r);
  return k;
}
