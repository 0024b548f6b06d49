/*
 * category_run.c - the category analysis driver (see bmd/category.h,
 * shared/notes/bmdexpress.md §4.1-§4.5): map probes to genes, filter
 * probes, average per gene, then summarise each category.
 */
#include "bmd/category.h"
#include "category_internal.h"
#include "category_stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bmd_category_options bmd_category_options_default(void) {
  static const bmd_category_options defaults = {.remove_promiscuous = 1,
                                                .filter_on[BMD_CAT_FILTER_HIGH_DOSE] = 1,
                                                .fit_p_min = 0.1,
                                                .r_squared_min = 0.5,
                                                .bmd_bmdl_max = 20,
                                                .bmdu_bmd_max = 20,
                                                .bmdu_bmdl_max = 40,
                                                .low_dose_fold = 10,
                                                .fold_change_min = 1.2,
                                                .remove_direction = 1,
                                                .conflict_r_cutoff = 0.5,
                                                .min_genes = 20,
                                                .max_genes = 500};
  return defaults;
}

static const char *const filter_titles[BMD_CAT_FILTER_COUNT] = {
    [BMD_CAT_FILTER_HIGH_DOSE] = "Genes with BMD <= Highest Dose",
    [BMD_CAT_FILTER_FIT_P] = "Genes with BMD p-Value >= ",
    [BMD_CAT_FILTER_R_SQUARED] = "Genes with BMD RSquared >= ",
    [BMD_CAT_FILTER_BMD_BMDL] = "Genes with BMD/BMDL <= ",
    [BMD_CAT_FILTER_BMDU_BMD] = "Genes with BMDU/BMD <= ",
    [BMD_CAT_FILTER_BMDU_BMDL] = "Genes with BMDU/BMDL <= ",
    [BMD_CAT_FILTER_LOW_DOSE] = "Genes with BMD <= N-Fold Lowest Positive Dose ",
    [BMD_CAT_FILTER_FOLD_CHANGE] = "Genes with max Fold Change >=",
    [BMD_CAT_FILTER_STEP] = "Genes Not Step Function",
    [BMD_CAT_FILTER_STEP_LOW_DOSE] = "Genes Not Step Function with BMD Less Than Lowest Dose",
    [BMD_CAT_FILTER_DIRECTION] = "Genes with Adverse Direction Kept",
};

const char *bmd_cat_filter_title(bmd_cat_filter f) {
  return (unsigned)f < BMD_CAT_FILTER_COUNT ? filter_titles[f] : "";
}

static void set_err(char *errstr, size_t size, const char *fmt, ...) {
  if (!errstr || size == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errstr, size, fmt, ap);
  va_end(ap);
}

/*
 * How many filters probe p passes in a row (BMD_CAT_FILTER_COUNT = all);
 * a disabled filter passes. A probe without a best model passes none.
 * Comparisons are written so that NaN ratios fail, as BMDExpress's do.
 */
static int probe_stage(const bmd_cat_probe *p, double hi, double lo,
                       const bmd_category_options *o) {
  if (!isfinite(p->bmd))
    return 0;
  for (int f = 0; f < BMD_CAT_FILTER_COUNT; f++) {
    if (!o->filter_on[f])
      continue;
    int keep = 1;
    switch (f) {
    case BMD_CAT_FILTER_HIGH_DOSE:
      keep = !(p->bmd > hi);
      break;
    case BMD_CAT_FILTER_FIT_P:
      keep = p->fit_p >= o->fit_p_min;
      break;
    case BMD_CAT_FILTER_R_SQUARED:
      keep = p->r_squared >= o->r_squared_min;
      break;
    case BMD_CAT_FILTER_BMD_BMDL:
      keep = p->bmd / p->bmdl <= o->bmd_bmdl_max;
      break;
    case BMD_CAT_FILTER_BMDU_BMD:
      keep = p->bmdu / p->bmd <= o->bmdu_bmd_max;
      break;
    case BMD_CAT_FILTER_BMDU_BMDL:
      keep = p->bmdu / p->bmdl <= o->bmdu_bmdl_max;
      break;
    case BMD_CAT_FILTER_LOW_DOSE:
      keep = !(lo / p->bmd > o->low_dose_fold);
      break;
    case BMD_CAT_FILTER_FOLD_CHANGE:
      keep = fabs(p->max_fold_change) >= o->fold_change_min;
      break;
    case BMD_CAT_FILTER_STEP: /* BMDStatatistics.checkStepFunction */
      keep = p->step_function != 1;
      break;
    case BMD_CAT_FILTER_STEP_LOW_DOSE: /* BMDStatatistics.checkStepFunctionWithBMDLower */
      keep = p->step_below_low_dose != 1;
      break;
    case BMD_CAT_FILTER_DIRECTION:
      keep = !((o->remove_direction > 0 && p->direction > 0) ||
               (o->remove_direction < 0 && p->direction < 0));
      break;
    }
    if (!keep)
      return f;
  }
  return BMD_CAT_FILTER_COUNT;
}

typedef struct gene_key {
  double bmd;
  const char *id;
  size_t idx; /* into the gene table */
} gene_key;

static int cmp_gene_key(const void *x, const void *y) {
  const gene_key *a = x, *b = y;
  if (a->bmd != b->bmd)
    return a->bmd < b->bmd ? -1 : 1;
  return strcmp(a->id, b->id);
}

static int cmp_size(const void *x, const void *y) {
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  return (a > b) - (a < b);
}

static int cmp_model(const void *x, const void *y) {
  const bmd_cat_model_count *a = x, *b = y;
  return strcmp(a->model, b->model);
}

void bmd_category_result_free(bmd_category_result *r) {
  free((void *)r->genes);
  free((void *)r->probes);
  free((void *)r->models);
  r->genes = r->probes = NULL;
  r->models = NULL;
}

void bmd_category_analysis_destroy(bmd_category_analysis *ca) {
  if (!ca)
    return;
  for (size_t i = 0; i < ca->n_results; i++)
    bmd_category_result_free(&ca->results[i]);
  free(ca->results);
  free(ca->genes);
  free(ca->gene_probes);
  free(ca->gene_fcs);
  bmd_strmap_free(&ca->models);
  free(ca);
}

/* Scratch of one run, freed together. */
typedef struct scratch {
  size_t *probe_start; /* CSR of annotation probe -> genes */
  size_t *probe_genes;
  size_t *input_annot; /* per input probe: annotation probe or -1 */
  int *input_stage;    /* per input probe: probe_stage */
  unsigned char *in_platform, *in_expression, *in_input, *passed_any;
  int *gene_stage;      /* per annotation gene: best stage of its input probes, -1 none */
  size_t *gene_row;     /* per annotation gene: row in the gene table or -1 */
  size_t *gene_nprobes; /* surviving probes per annotation gene */
  size_t *cat_start;    /* CSR of category -> genes */
  size_t *cat_genes;
  double *work; /* 7 n_genes + n_probes doubles */
  gene_key *keys;
  size_t *model_counts;
} scratch;

static void scratch_free(scratch *s) {
  free(s->probe_start);
  free(s->probe_genes);
  free(s->input_annot);
  free(s->input_stage);
  free(s->in_platform);
  free(s->in_expression);
  free(s->in_input);
  free(s->passed_any);
  free(s->gene_stage);
  free(s->gene_row);
  free(s->gene_nprobes);
  free(s->cat_start);
  free(s->cat_genes);
  free(s->work);
  free(s->keys);
  free(s->model_counts);
}

/* Genes of annotation probe ap (none when unmapped, or promiscuous and
 * those are removed); *list points into the CSR. */
static size_t genes_of(const scratch *s, size_t ap, int remove_promiscuous, const size_t **list) {
  *list = NULL;
  if (ap == (size_t)-1)
    return 0;
  size_t n = s->probe_start[ap + 1] - s->probe_start[ap];
  if (n > 1 && remove_promiscuous)
    return 0;
  *list = s->probe_genes + s->probe_start[ap];
  return n;
}

/* CSR (start[0..n], items) of pairs (a_k, b_k) grouped by a in [0, n). */
static int build_csr(const bmd_pairs *pairs, size_t n, size_t **start_out, size_t **items_out) {
  size_t *start = calloc(n + 1, sizeof(*start));
  size_t *items = malloc((pairs->n ? pairs->n : 1) * sizeof(*items));
  size_t *fill = calloc(n + 1, sizeof(*fill));
  if (!start || !items || !fill) {
    free(start);
    free(items);
    free(fill);
    return -1;
  }
  for (size_t k = 0; k < pairs->n; k++)
    start[pairs->a[k] + 1]++;
  for (size_t i = 0; i < n; i++)
    start[i + 1] += start[i];
  for (size_t k = 0; k < pairs->n; k++) {
    size_t a = pairs->a[k];
    items[start[a] + fill[a]++] = pairs->b[k];
  }
  free(fill);
  *start_out = start;
  *items_out = items;
  return 0;
}

/*
 * Gene table (§4.3): for each gene with surviving probes,
 *   BMD_g = (1/m) sum BMD_p, likewise BMDL_g, BMDU_g; w_g = (1/m) sum fitP_p,
 *   direction = +1 if some probe is up and none down, -1 if some is down and
 *   none up, else 0 (CONFLICT) - BMDExpress's per-gene count rule.
 */
static int build_gene_table(bmd_category_analysis *ca, const bmd_annotation *an, scratch *s,
                            const bmd_cat_probe *probes, size_t n_probes, int rm_promiscuous) {
  size_t n_an_genes = an->genes.n, total = 0;
  for (size_t i = 0; i < n_probes; i++) {
    if (s->input_stage[i] != BMD_CAT_FILTER_COUNT)
      continue;
    const size_t *list;
    size_t k = genes_of(s, s->input_annot[i], rm_promiscuous, &list);
    for (size_t j = 0; j < k; j++)
      s->gene_nprobes[list[j]]++, total++;
  }
  for (size_t g = 0; g < n_an_genes; g++)
    ca->n_genes += s->gene_nprobes[g] > 0;
  ca->genes = calloc(ca->n_genes ? ca->n_genes : 1, sizeof(*ca->genes));
  ca->gene_probes = malloc((total ? total : 1) * sizeof(*ca->gene_probes));
  ca->gene_fcs = malloc((total ? total : 1) * sizeof(*ca->gene_fcs));
  if (!ca->genes || !ca->gene_probes || !ca->gene_fcs)
    return -1;
  size_t row = 0, off = 0;
  for (size_t g = 0; g < n_an_genes; g++) {
    if (!s->gene_nprobes[g])
      continue;
    s->gene_row[g] = row;
    ca->genes[row].gene = g;
    ca->genes[row].id = an->genes.keys[g];
    ca->genes[row].probes = ca->gene_probes + off;
    ca->genes[row].abs_fcs = ca->gene_fcs + off;
    off += s->gene_nprobes[g];
    row++;
  }
  for (size_t i = 0; i < n_probes; i++) {
    if (s->input_stage[i] != BMD_CAT_FILTER_COUNT)
      continue;
    const size_t *list;
    size_t k = genes_of(s, s->input_annot[i], rm_promiscuous, &list);
    for (size_t j = 0; j < k; j++) {
      bmd_cat_gene *ge = &ca->genes[s->gene_row[list[j]]];
      ((size_t *)ge->probes)[ge->n_probes] = i;
      ((double *)ge->abs_fcs)[ge->n_probes] = fabs(probes[i].max_fold_change);
      ge->n_probes++;
    }
  }
  for (size_t r = 0; r < ca->n_genes; r++) {
    bmd_cat_gene *ge = &ca->genes[r];
    double sb = 0, sl = 0, su = 0, sw = 0;
    size_t up = 0, down = 0;
    for (size_t j = 0; j < ge->n_probes; j++) {
      const bmd_cat_probe *p = &probes[ge->probes[j]];
      sb += p->bmd, sl += p->bmdl, su += p->bmdu, sw += p->fit_p;
      up += p->direction > 0;
      down += p->direction < 0;
    }
    double m = (double)ge->n_probes;
    ge->bmd = sb / m, ge->bmdl = sl / m, ge->bmdu = su / m, ge->weight = sw / m;
    ge->direction = up && !down ? 1 : down && !up ? -1 : 0;
    ge->min_correlation = NAN; /* bmd_category_conflicts */
  }
  return 0;
}

/* Statistics of category result r over its passed genes (keys sorted). */
static int category_stats(bmd_category_analysis *ca, bmd_category_result *r, scratch *s,
                          const bmd_cat_probe *probes, size_t n_probes) {
  size_t n = r->n;
  double *bmd = s->work, *bmdl = bmd + n, *bmdu = bmdl + n, *w = bmdu + n;
  size_t nprobe = 0;
  for (size_t i = 0; i < n; i++) {
    const bmd_cat_gene *ge = &ca->genes[r->genes[i]];
    bmd[i] = ge->bmd, bmdl[i] = ge->bmdl, bmdu[i] = ge->bmdu, w[i] = ge->weight;
    nprobe += ge->n_probes;
  }
  bmd_stat_summary(bmd, w, n, &r->bmd);
  bmd_stat_summary(bmdl, w, n, &r->bmdl);
  bmd_stat_summary(bmdu, w, n, &r->bmdu);
  /* percentiles: the genes in BMD order give all three columns */
  double idx;
  r->bmd.p5 = bmd_stat_total_percentile(bmd, n, r->n_platform, 0.05, &r->p5_index);
  r->bmdl.p5 = bmd_stat_total_percentile(bmdl, n, r->n_platform, 0.05, &idx);
  r->bmdu.p5 = bmd_stat_total_percentile(bmdu, n, r->n_platform, 0.05, &idx);
  r->bmd.p10 = bmd_stat_total_percentile(bmd, n, r->n_platform, 0.10, &r->p10_index);
  r->bmdl.p10 = bmd_stat_total_percentile(bmdl, n, r->n_platform, 0.10, &idx);
  r->bmdu.p10 = bmd_stat_total_percentile(bmdu, n, r->n_platform, 0.10, &idx);
  r->percentage = r->n_platform ? round(10000.0 * (double)n / (double)r->n_platform) / 100.0 : NAN;

  /* direction subsets */
  bmd_cat_subset *sub[3] = {&r->up, &r->down, &r->conflict};
  for (int d = 0; d < 3; d++) {
    int want = d == 0 ? 1 : d == 1 ? -1 : 0;
    double *xb = w + n, *xl = xb + n, *xu = xl + n; /* w is no longer needed past here */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      const bmd_cat_gene *ge = &ca->genes[r->genes[i]];
      if (ge->direction != want)
        continue;
      xb[m] = ge->bmd, xl[m] = ge->bmdl, xu[m] = ge->bmdu, m++;
    }
    sub[d]->n = m;
    bmd_stat_mms(xb, m, &sub[d]->bmd_mean, &sub[d]->bmd_median, &sub[d]->bmd_sd);
    bmd_stat_mms(xl, m, &sub[d]->bmdl_mean, &sub[d]->bmdl_median, &sub[d]->bmdl_sd);
    bmd_stat_mms(xu, m, &sub[d]->bmdu_mean, &sub[d]->bmdu_median, &sub[d]->bmdu_sd);
  }
  r->frac_up = n ? (double)r->up.n / (double)n : NAN;
  r->frac_down = n ? (double)r->down.n / (double)n : NAN;
  r->frac_conflict = n ? (double)r->conflict.n / (double)n : NAN;
  r->overall_direction = r->frac_up >= 0.6 ? 1 : r->frac_down >= 0.6 ? -1 : 0;

  /* surviving probes of the category (unique, ascending) */
  size_t *plist = malloc((nprobe ? nprobe : 1) * sizeof(*plist));
  if (!plist)
    return -1;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const bmd_cat_gene *ge = &ca->genes[r->genes[i]];
    for (size_t j = 0; j < ge->n_probes; j++)
      plist[k++] = ge->probes[j];
  }
  qsort(plist, k, sizeof(*plist), cmp_size);
  size_t u = 0;
  for (size_t i = 0; i < k; i++)
    if (u == 0 || plist[u - 1] != plist[i])
      plist[u++] = plist[i];
  r->probes = plist;
  r->n_probes = u;

  /*
   * |fold change| over those probes: geometric mean exp((1/m) sum ln|fc|),
   * total sum |fc|, min, max, SD (m - 1), median.
   */
  double *fc = s->work, slog = 0, sum = 0, mn = INFINITY, mx = -INFINITY;
  memset(s->model_counts, 0, ca->models.n * sizeof(*s->model_counts));
  for (size_t i = 0; i < u; i++) {
    const bmd_cat_probe *p = &probes[plist[i]];
    fc[i] = fabs(p->max_fold_change);
    slog += log(fc[i]), sum += fc[i];
    mn = fc[i] < mn ? fc[i] : mn;
    mx = fc[i] > mx ? fc[i] : mx;
    r->probes_up += p->direction > 0;
    r->probes_down += p->direction < 0;
    if (p->model) {
      size_t mi = bmd_strmap_find(&ca->models, p->model);
      if (mi != (size_t)-1)
        s->model_counts[mi]++;
    }
  }
  r->fc_geomean = u ? exp(slog / (double)u) : NAN;
  r->fc_total = u ? sum : NAN;
  r->fc_min = u ? mn : NAN;
  r->fc_max = u ? mx : NAN;
  double dummy_mean;
  bmd_stat_mms(fc, u, &dummy_mean, &r->fc_median, &r->fc_sd);

  size_t nm = 0;
  for (size_t mi = 0; mi < ca->models.n; mi++)
    nm += s->model_counts[mi] > 0;
  bmd_cat_model_count *mc = calloc(nm ? nm : 1, sizeof(*mc));
  if (!mc)
    return -1;
  nm = 0;
  for (size_t mi = 0; mi < ca->models.n; mi++)
    if (s->model_counts[mi] > 0)
      mc[nm].model = ca->models.keys[mi], mc[nm++].count = s->model_counts[mi];
  qsort(mc, nm, sizeof(*mc), cmp_model);
  r->models = mc;
  r->n_models = nm;
  (void)n_probes;
  return 0;
}

bmd_category_analysis *bmd_category_run(const bmd_annotation *an, const bmd_cat_probe *probes,
                                        size_t n_probes, const char *const *expression_ids,
                                        size_t n_expression, double highest_dose,
                                        double lowest_positive_dose,
                                        const bmd_category_options *opt, char *errstr,
                                        size_t errstr_size) {
  scratch s;
  memset(&s, 0, sizeof(s));
  bmd_category_analysis *ca = calloc(1, sizeof(*ca));
  if (!an || !opt || (n_probes && !probes)) {
    set_err(errstr, errstr_size, "category analysis: missing annotation, probes or options");
    goto fail;
  }
  if (!ca)
    goto oom;
  size_t n_ap = an->probes.n, n_g = an->genes.n, n_c = an->cats.n;
  int rm = opt->remove_promiscuous;
  if (build_csr(&an->probe_gene, n_ap, &s.probe_start, &s.probe_genes) != 0 ||
      build_csr(&an->cat_gene, n_c, &s.cat_start, &s.cat_genes) != 0)
    goto oom;
  s.input_annot = malloc((n_probes ? n_probes : 1) * sizeof(size_t));
  s.input_stage = malloc((n_probes ? n_probes : 1) * sizeof(int));
  s.in_platform = calloc(n_g + 1, 1);
  s.in_expression = calloc(n_g + 1, 1);
  s.in_input = calloc(n_g + 1, 1);
  s.passed_any = calloc(n_g + 1, 1);
  s.gene_stage = malloc((n_g + 1) * sizeof(int));
  s.gene_row = malloc((n_g + 1) * sizeof(size_t));
  s.gene_nprobes = calloc(n_g + 1, sizeof(size_t));
  s.work = malloc((7 * n_g + n_probes + 1) * sizeof(double)); /* see category_stats */
  s.keys = malloc((n_g + 1) * sizeof(gene_key));
  if (!s.input_annot || !s.input_stage || !s.in_platform || !s.in_expression || !s.in_input ||
      !s.passed_any || !s.gene_stage || !s.gene_row || !s.gene_nprobes || !s.work || !s.keys)
    goto oom;
  for (size_t g = 0; g < n_g; g++)
    s.gene_stage[g] = -1, s.gene_row[g] = (size_t)-1;

  /* §4.1 universes: platform = genes of the probe map; expression = genes
   * of the experiment's probes; input = genes of the BMD probes. */
  const size_t *list;
  for (size_t ap = 0; ap < n_ap; ap++) {
    size_t k = genes_of(&s, ap, rm, &list);
    for (size_t j = 0; j < k; j++)
      s.in_platform[list[j]] = 1;
  }
  for (size_t i = 0; i < n_probes; i++) {
    if (!probes[i].id) {
      set_err(errstr, errstr_size, "category analysis: probe %zu has no id", i);
      goto fail;
    }
    /* a step-function filter needs the flag of every probe with a best model */
    int step = opt->filter_on[BMD_CAT_FILTER_STEP] && probes[i].step_function < 0;
    if (isfinite(probes[i].bmd) && (step || (opt->filter_on[BMD_CAT_FILTER_STEP_LOW_DOSE] &&
                                             probes[i].step_below_low_dose < 0))) {
      set_err(errstr, errstr_size,
              "category analysis: probe %s: its best model's \"%s\" flag is unknown, which the "
              "step-function filter needs",
              probes[i].id, step ? "Is Step Function" : "Is Step Function Less Than Lowest Dose");
      goto fail;
    }
    s.input_annot[i] = bmd_strmap_find(&an->probes, probes[i].id);
    s.input_stage[i] = probe_stage(&probes[i], highest_dose, lowest_positive_dose, opt);
    size_t k = genes_of(&s, s.input_annot[i], rm, &list);
    for (size_t j = 0; j < k; j++) {
      s.in_input[list[j]] = 1;
      if (s.input_stage[i] > s.gene_stage[list[j]])
        s.gene_stage[list[j]] = s.input_stage[i];
    }
    if (!expression_ids)
      for (size_t j = 0; j < k; j++)
        s.in_expression[list[j]] = 1;
    if (probes[i].model && bmd_strmap_intern(&ca->models, probes[i].model, NULL) == (size_t)-1)
      goto oom;
  }
  for (size_t e = 0; expression_ids && e < n_expression; e++) {
    size_t k = genes_of(&s, bmd_strmap_find(&an->probes, expression_ids[e]), rm, &list);
    for (size_t j = 0; j < k; j++)
      s.in_expression[list[j]] = 1;
  }
  s.model_counts = calloc(ca->models.n + 1, sizeof(size_t));
  if (!s.model_counts || build_gene_table(ca, an, &s, probes, n_probes, rm) != 0)
    goto oom;

  /* categories: counts, size bounds, passed genes */
  ca->results = calloc(n_c ? n_c : 1, sizeof(*ca->results));
  if (!ca->results)
    goto oom;
  unsigned char *in_universe = s.passed_any; /* reused below after U is counted */
  for (size_t c = 0; c < n_c; c++)
    for (size_t j = s.cat_start[c]; j < s.cat_start[c + 1]; j++)
      if (s.in_platform[s.cat_genes[j]] && !in_universe[s.cat_genes[j]])
        in_universe[s.cat_genes[j]] = 1, ca->universe++;
  memset(s.passed_any, 0, n_g + 1);
  for (size_t c = 0; c < n_c; c++) {
    bmd_category_result r;
    memset(&r, 0, sizeof(r));
    r.category = c;
    r.id = an->cats.keys[c];
    r.name = an->cat_names[c];
    size_t npass = 0;
    for (size_t j = s.cat_start[c]; j < s.cat_start[c + 1]; j++) {
      size_t g = s.cat_genes[j];
      r.n_platform += s.in_platform[g];
      r.n_expression += s.in_expression[g];
      r.n_input += s.in_input[g];
      for (int f = 0; f < BMD_CAT_FILTER_COUNT; f++)
        r.n_after[f] += s.gene_stage[g] > f;
      if (s.gene_stage[g] == BMD_CAT_FILTER_COUNT) {
        s.keys[npass].bmd = ca->genes[s.gene_row[g]].bmd;
        s.keys[npass].id = an->genes.keys[g];
        s.keys[npass++].idx = s.gene_row[g];
      }
    }
    if (r.n_input == 0 || (opt->min_genes_on && r.n_platform < opt->min_genes) ||
        (opt->max_genes_on && r.n_platform > opt->max_genes))
      continue;
    qsort(s.keys, npass, sizeof(*s.keys), cmp_gene_key);
    size_t *genes = malloc((npass ? npass : 1) * sizeof(*genes));
    if (!genes)
      goto oom;
    for (size_t i = 0; i < npass; i++) {
      genes[i] = s.keys[i].idx;
      if (!s.passed_any[ca->genes[genes[i]].gene])
        s.passed_any[ca->genes[genes[i]].gene] = 1, ca->passed++;
    }
    r.genes = genes;
    r.n = npass;
    ca->results[ca->n_results++] = r;
    if (category_stats(ca, &ca->results[ca->n_results - 1], &s, probes, n_probes) != 0)
      goto oom;
  }

  /* §4.5 Fisher: a = n, b = P - a, c = A - a, d = U - a - b - c */
  for (size_t i = 0; i < ca->n_results; i++) {
    bmd_category_result *r = &ca->results[i];
    r->fisher_a = (long)r->n;
    r->fisher_b = (long)ca->passed - r->fisher_a;
    r->fisher_c = (long)r->n_platform - r->fisher_a;
    r->fisher_d = (long)ca->universe - r->fisher_a - r->fisher_b - r->fisher_c;
    if (bmd_fisher_exact(r->fisher_a, r->fisher_b, r->fisher_c, r->fisher_d, &r->fisher_left,
                         &r->fisher_right, &r->fisher_two) != 0)
      r->fisher_left = r->fisher_right = r->fisher_two = NAN;
  }
  /* after Fisher's test, as BMDExpress (CategoryAnalysisService) does */
  if (opt->deduplicate && bmd_category_dedup(ca) != 0)
    goto oom;
  scratch_free(&s);
  return ca;

oom:
  set_err(errstr, errstr_size, "category analysis: out of memory");
fail:
  scratch_free(&s);
  bmd_category_analysis_destroy(ca);
  return NULL;
}

size_t bmd_category_n_genes(const bmd_category_analysis *ca) {
  return ca->n_genes;
}

const bmd_cat_gene *bmd_category_gene(const bmd_category_analysis *ca, size_t i) {
  return i < ca->n_genes ? &ca->genes[i] : NULL;
}

size_t bmd_category_n_results(const bmd_category_analysis *ca) {
  return ca->n_results;
}

const bmd_category_result *bmd_category_result_get(const bmd_category_analysis *ca, size_t i) {
  return i < ca->n_results ? &ca->results[i] : NULL;
}

size_t bmd_category_universe(const bmd_category_analysis *ca) {
  return ca->universe;
}

size_t bmd_category_n_passed(const bmd_category_analysis *ca) {
  return ca->passed;
}
