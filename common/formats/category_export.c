/*
 * category_export.c - categories.tsv and tpod.json (see bs/category_export.h).
 */
#include "bs/category_export.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bmd_export.h"

static void put_num(FILE *out, double v) {
  if (isfinite(v))
    fprintf(out, "%.17g", v);
}

/* Each of v[0..n), after a tab. */
static void put_nums(FILE *out, const double *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    fputc('\t', out);
    put_num(out, v[i]);
  }
}

/*
 * v as Java's Double.toString writes it (BMDExpress builds the conflicting
 * probe set column with string concatenation): the shortest decimal that
 * reads back as v, at least one digit after the point, and "d.dddE-n" for
 * |v| < 1e-3 (v here is a correlation, |v| <= 1).
 */
static void put_java_double(FILE *out, double v) {
  char buf[40];
  int sci = v != 0 && fabs(v) < 1e-3;
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof(buf), sci ? "%.*e" : "%.*g", sci ? p - 1 : p, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  if (sci) { /* 1.2345e-04 -> 1.2345E-4 */
    char *e = strchr(buf, 'e');
    int exp10 = atoi(e + 1);
    *e = '\0';
    fprintf(out, "%s%sE%d", buf, strchr(buf, '.') ? "" : ".0", exp10);
    return;
  }
  fprintf(out, "%s%s", buf, strchr(buf, '.') ? "" : ".0");
}

static void put_size(FILE *out, size_t v) {
  fprintf(out, "%zu", v);
}

static const char *dir_name(int d) {
  return d > 0 ? "UP" : d < 0 ? "DOWN" : "CONFLICT";
}

/* Column names of §4.7, with the filter columns in between, and
 * "Genes with Conflicting Probesets" after "Probe IDs" when computed
 * (CategoryAnalysisResult.generateColumnHeader). */
static void write_header(FILE *out, const bmd_category_options *opt, int conflicts) {
  static const char *head[] = {"GO/Pathway/Gene Set/Gene ID", "GO/Pathway/Gene Set/Gene Name",
                               "All Genes (Expression Data)", "All Genes (Platform)",
                               "Input Genes"};
  static const char *mid[] = {"Genes That Passed All Filters",
                              "Fisher's A Parameter",
                              "Fisher's B Parameter",
                              "Fisher's C Parameter",
                              "Fisher's D Parameter",
                              "Fisher's Exact Left P-Value",
                              "Fisher's Exact Right P-Value",
                              "Fisher's Exact Two Tail",
                              "Percentage",
                              "Entrez Gene IDs",
                              "Gene Symbols",
                              "Probe IDs",
                              "Genes with Conflicting Probesets",
                              "BMD Mean",
                              "BMD Median",
                              "BMD Minimum",
                              "BMD Standard Deviation",
                              "BMD wMean",
                              "BMD wSD",
                              "BMDL Mean",
                              "BMDL Median",
                              "BMDL Minimum",
                              "BMDL Standard Deviation",
                              "BMDL wMean",
                              "BMDL wSD",
                              "BMDU Mean",
                              "BMDU Median",
                              "BMDU Minimum",
                              "BMDU Standard Deviation",
                              "BMDU wMean",
                              "BMDU wSD",
                              "5th Percentile Index",
                              "BMD at 5th Percentile of Total Genes",
                              "10th Percentile Index",
                              "BMD at 10th Percentile of Total Genes",
                              "BMDL at 5th Percentile of Total Genes",
                              "BMDL at 10th Percentile of Total Genes",
                              "BMDU at 5th Percentile of Total Genes",
                              "BMDU at 10th Percentile of Total Genes",
                              "BMD List",
                              "BMDL List",
                              "BMDU List",
                              "Probes with Adverse Direction Up",
                              "Probes with Adverse Direction Down"};
  static const char *sub[] = {"Up", "Down"};
  for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
    fprintf(out, "%s%s", i ? "\t" : "", head[i]);
  for (int f = 0; f < BMD_CAT_FILTER_COUNT; f++)
    if (opt->filter_on[f])
      fprintf(out, "\t%s", bmd_cat_filter_title((bmd_cat_filter)f));
  for (size_t i = 0; i < sizeof(mid) / sizeof(mid[0]); i++)
    if (conflicts || strcmp(mid[i], "Genes with Conflicting Probesets") != 0)
      fprintf(out, "\t%s", mid[i]);
  for (int d = 0; d < 2; d++) {
    const char *s = sub[d];
    fprintf(out, "\tGenes with Adverse Direction %s\tGenes %s List\tGenes %s Probes List", s, s, s);
    fprintf(out, "\tGenes %s BMD Mean\tGenes %s BMD Median\tGenes %s SD", s, s, s);
    fprintf(out, "\tGenes %s BMDL Mean\tGenes %s BMDL Median\tGenes %s BMDL SD", s, s, s);
    fprintf(out, "\tGenes %s BMDU Mean\tGenes %s BMDU Median\tGenes %s BMDU SD", s, s, s);
    fprintf(out, "\tBMD list (%s)\tBMDL List (%s)\tBMDU List (%s)", d ? "down" : "up",
            d ? "down" : "up", d ? "down" : "up");
  }
  fputs("\tGenes with Adverse Conflict Count\tGenes Conflict List\tGenes Conflict Probes List"
        "\tBMD list (Conflict)\tBMDL list (Conflict)\tBMDU list (Conflict)\tModel Counts",
        out);
  fputs("\tMean Fold Change\tTotal Fold Change\tMin Fold Change\tMax Fold Change"
        "\tStandard Deviation Fold Change\tMedian Fold Change",
        out);
  static const char *ci[] = {"BMD", "BMDL", "BMDU"};
  for (int k = 0; k < 3; k++)
    fprintf(out,
            "\tLower bound of the 95%% confidence interval -  %s"
            "\tUpper bound of the 95%% confidence interval -  %s",
            ci[k], ci[k]);
  fputs("\tOverall Direction\tPercent Genes With Overall Direction Up"
        "\tPercent Genes With Overall Direction Down\tPercent Genes With Overall Direction "
        "Conflict\n",
        out);
}

/* Which gene value a list shows. */
enum { V_ID, V_BMD, V_BMDL, V_BMDU, V_PROBES };

/* ';'-joined list over the category's genes with direction want (2 = all). */
static void gene_list(FILE *out, const bmd_category_analysis *ca, const bmd_category_result *r,
                      const bmd_cat_probe *probes, int want, int what) {
  int first = 1;
  for (size_t i = 0; i < r->n; i++) {
    const bmd_cat_gene *g = bmd_category_gene(ca, r->genes[i]);
    if (want != 2 && g->direction != want)
      continue;
    if (!first)
      fputc(';', out);
    first = 0;
    switch (what) {
    case V_ID:
      fputs(g->id, out);
      break;
    case V_BMD:
      put_num(out, g->bmd);
      break;
    case V_BMDL:
      put_num(out, g->bmdl);
      break;
    case V_BMDU:
      put_num(out, g->bmdu);
      break;
    case V_PROBES:
      for (size_t j = 0; j < g->n_probes; j++)
        fprintf(out, "%s%s", j ? "," : "", probes[g->probes[j]].id);
      break;
    }
  }
}

/* "gene(minR)" joined by ';' over the passed genes with minR < the cut-off
 * (BMDStatatistics.genesConfilt). */
static void conflicting_probesets(FILE *out, const bmd_category_analysis *ca,
                                  const bmd_category_result *r) {
  double cutoff = bmd_category_conflict_cutoff(ca);
  int first = 1;
  for (size_t i = 0; i < r->n; i++) {
    const bmd_cat_gene *g = bmd_category_gene(ca, r->genes[i]);
    if (!(g->min_correlation < cutoff))
      continue;
    fprintf(out, "%s%s(", first ? "" : ";", g->id);
    put_java_double(out, g->min_correlation);
    fputc(')', out);
    first = 0;
  }
}

/* Conflict genes: per-probe values, ',' within a gene, ';' between genes. */
static void conflict_probe_values(FILE *out, const bmd_category_analysis *ca,
                                  const bmd_category_result *r, const bmd_cat_probe *probes,
                                  int what) {
  int first = 1;
  for (size_t i = 0; i < r->n; i++) {
    const bmd_cat_gene *g = bmd_category_gene(ca, r->genes[i]);
    if (g->direction != 0)
      continue;
    if (!first)
      fputc(';', out);
    first = 0;
    for (size_t j = 0; j < g->n_probes; j++) {
      const bmd_cat_probe *p = &probes[g->probes[j]];
      if (j)
        fputc(',', out);
      put_num(out, what == V_BMD ? p->bmd : what == V_BMDL ? p->bmdl : p->bmdu);
    }
  }
}

static void put_subset(FILE *out, const bmd_category_analysis *ca, const bmd_category_result *r,
                       const bmd_cat_probe *probes, const bmd_cat_subset *s, int want) {
  fputc('\t', out);
  put_size(out, s->n);
  fputc('\t', out);
  gene_list(out, ca, r, probes, want, V_ID);
  fputc('\t', out);
  gene_list(out, ca, r, probes, want, V_PROBES);
  const double v[] = {s->bmd_mean, s->bmd_median, s->bmd_sd,      s->bmdl_mean, s->bmdl_median,
                      s->bmdl_sd,  s->bmdu_mean,  s->bmdu_median, s->bmdu_sd};
  put_nums(out, v, sizeof(v) / sizeof(v[0]));
  for (int what = V_BMD; what <= V_BMDU; what++) {
    fputc('\t', out);
    gene_list(out, ca, r, probes, want, what);
  }
}

/* "model,count(fraction)" joined by ';', by model name; the fraction of the
 * category's probes rounded up to 2 decimals. */
static void model_counts(FILE *out, const bmd_category_result *r) {
  for (size_t m = 0; m < r->n_models; m++) {
    double frac = r->n_probes ? (double)r->models[m].count / (double)r->n_probes : 0;
    fprintf(out, "%s%s,%zu(%.2f)", m ? ";" : "", r->models[m].model, r->models[m].count,
            ceil(frac * 100 - 1e-9) / 100);
  }
}

static void write_row(FILE *out, const bmd_category_analysis *ca, const bmd_category_result *r,
                      const bmd_cat_probe *probes, const bmd_category_options *opt) {
  fprintf(out, "%s\t%s\t%zu\t%zu\t%zu", r->id, r->name, r->n_expression, r->n_platform, r->n_input);
  for (int f = 0; f < BMD_CAT_FILTER_COUNT; f++)
    if (opt->filter_on[f])
      fprintf(out, "\t%zu", r->n_after[f]);
  fprintf(out, "\t%zu\t%ld\t%ld\t%ld\t%ld", r->n, r->fisher_a, r->fisher_b, r->fisher_c,
          r->fisher_d);
  const double fisher[] = {r->fisher_left, r->fisher_right, r->fisher_two, r->percentage};
  put_nums(out, fisher, 4);
  fputc('\t', out);
  gene_list(out, ca, r, probes, 2, V_ID);
  fputs("\t\t", out); /* gene symbols: not in defined-category inputs */
  gene_list(out, ca, r, probes, 2, V_PROBES);
  if (bmd_category_conflicts_done(ca)) {
    fputc('\t', out);
    conflicting_probesets(out, ca, r);
  }
  const bmd_cat_summary *s[] = {&r->bmd, &r->bmdl, &r->bmdu};
  for (int k = 0; k < 3; k++) {
    const double v[] = {s[k]->mean, s[k]->median, s[k]->min, s[k]->sd, s[k]->wmean, s[k]->wsd};
    put_nums(out, v, 6);
  }
  const double pc[] = {r->p5_index, r->bmd.p5,   r->p10_index, r->bmd.p10,
                       r->bmdl.p5,  r->bmdl.p10, r->bmdu.p5,   r->bmdu.p10};
  put_nums(out, pc, 8);
  for (int what = V_BMD; what <= V_BMDU; what++) {
    fputc('\t', out);
    gene_list(out, ca, r, probes, 2, what);
  }
  fprintf(out, "\t%zu\t%zu", r->probes_up, r->probes_down);
  put_subset(out, ca, r, probes, &r->up, 1);
  put_subset(out, ca, r, probes, &r->down, -1);
  fprintf(out, "\t%zu\t", r->conflict.n);
  gene_list(out, ca, r, probes, 0, V_ID);
  fputc('\t', out);
  gene_list(out, ca, r, probes, 0, V_PROBES);
  for (int what = V_BMD; what <= V_BMDU; what++) {
    fputc('\t', out);
    conflict_probe_values(out, ca, r, probes, what);
  }
  fputc('\t', out);
  model_counts(out, r);
  const double fc[] = {r->fc_geomean, r->fc_total,   r->fc_min,     r->fc_max,
                       r->fc_sd,      r->fc_median,  r->bmd.ci_lo,  r->bmd.ci_hi,
                       r->bmdl.ci_lo, r->bmdl.ci_hi, r->bmdu.ci_lo, r->bmdu.ci_hi};
  put_nums(out, fc, sizeof(fc) / sizeof(fc[0]));
  fprintf(out, "\t%s", r->n ? dir_name(r->overall_direction) : "");
  const double frac[] = {r->frac_up, r->frac_down, r->frac_conflict};
  put_nums(out, frac, 3);
  fputc('\n', out);
}

int bs_categories_tsv_write(FILE *out, const bmd_category_analysis *ca, const bmd_cat_probe *probes,
                            const bmd_category_options *opt) {
  write_header(out, opt, bmd_category_conflicts_done(ca));
  for (size_t i = 0; i < bmd_category_n_results(ca); i++)
    write_row(out, ca, bmd_category_result_get(ca, i), probes, opt);
  return ferror(out) ? -1 : 0;
}

static json_t *value_json(const bmd_tpod_value *v, const char *method) {
  json_t *o = json_object();
  json_object_set_new(o, "method", json_string(method));
  json_object_set_new(o, "available", json_boolean(v->available));
  json_object_set_new(o, "bmd", bs_json_number(v->bmd));
  json_object_set_new(o, "bmdl", bs_json_number(v->bmdl));
  json_object_set_new(o, "genes", json_integer((json_int_t)v->n_genes));
  if (v->set_id) {
    json_object_set_new(o, "set_id", json_string(v->set_id));
    json_object_set_new(o, "set_name", json_string(v->set_name ? v->set_name : v->set_id));
  }
  if (v->gene_id)
    json_object_set_new(o, "gene_id", json_string(v->gene_id));
  if (!v->available)
    json_object_set_new(o, "reason", json_string(v->reason));
  return o;
}

json_t *bs_tpod_json(const bmd_tpod *t, size_t n_genes, size_t n_sets) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  json_t *gs = value_json(&t->gene_set, "most sensitive active gene set, median BMD");
  json_object_set_new(gs, "active_sets", json_integer((json_int_t)t->gene_set.n_sets));
  json_object_set_new(gs, "sets_analysed", json_integer((json_int_t)n_sets));
  json_object_set_new(o, "gene_set", gs);
  json_object_set_new(o, "rank", value_json(&t->rank, "n-th ranked gene BMD"));
  json_object_set_new(o, "percentile",
                      value_json(&t->percentile, "percentile of gene BMDs (linear)"));
  json_t *opts = json_object();
  json_object_set_new(opts, "min_set_genes", json_integer((json_int_t)t->options.min_set_genes));
  json_object_set_new(opts, "min_set_fraction", json_real(t->options.min_set_fraction));
  json_object_set_new(opts, "rank", json_integer((json_int_t)t->options.rank));
  json_object_set_new(opts, "percentile", json_real(t->options.percentile));
  json_object_set_new(o, "options", opts);
  json_object_set_new(o, "genes_with_bmd", json_integer((json_int_t)n_genes));
  return o;
}

static void print_value(FILE *out, const char *label, const bmd_tpod_value *v) {
  fprintf(out, "%-22s", label);
  if (!v->available) {
    fprintf(out, "not given: %s\n", v->reason);
    return;
  }
  fprintf(out, "BMD %.6g (BMDL %.6g)", v->bmd, v->bmdl);
  if (v->set_id)
    fprintf(out, ", %s %s, %zu genes, lowest of %zu active sets", v->set_id,
            v->set_name ? v->set_name : "", v->n_genes, v->n_sets);
  else if (v->gene_id)
    fprintf(out, ", gene %s, of %zu genes", v->gene_id, v->n_genes);
  else
    fprintf(out, ", of %zu genes", v->n_genes);
  fputc('\n', out);
}

void bs_tpod_print(FILE *out, const bmd_tpod *t) {
  char label[64];
  print_value(out, "tPOD gene set median:", &t->gene_set);
  snprintf(label, sizeof(label), "tPOD gene rank %zu:", t->options.rank);
  print_value(out, label, &t->rank);
  snprintf(label, sizeof(label), "tPOD %g%% of genes:", 100 * t->options.percentile);
  print_value(out, label, &t->percentile);
}
