/*
 * test_steps.c - the analysis steps (bs/steps.h) on a small hand-made
 * experiment, writing into a file:// object store in a temporary
 * directory: every file of each step exists with BMDExpress's header, the
 * prefilter columns follow the method table (ANOVA's first, Williams'
 * last, none without p-values), a second run writes the same bytes, and
 * the category step fed with fits rebuilt from their JSON (the pipeline's
 * way: probe_stats.json.gz) writes the same bytes as with the fits in
 * memory (`bmdstream analyze`'s way). Category type none draws the curve
 * plots only; options from a settings object (bs_settings_options) drive
 * the three steps as the front ends do.
 *
 * The experiment: 5 dose groups (0, 1, 3, 10, 30) x 3 replicates; probes
 * p0..p5 rise with slopes from steep to none, p6 falls, and an AFFX
 * control rises too (dropped by the control filter). Genes G0..G6, one per
 * probe; gene set S1 = {G0, G1, G2, G6}, S2 = {G3, G4, G5}.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmd/prefilter_method.h"
#include "bs/bmd_chunks.h"
#include "bs/bmd_export.h"
#include "bs/bmd_pieces.h"
#include "bs/objstore.h"
#include "bs/steps.h"

#define N_PROBES 8
#define N_SAMPLES 15

typedef struct fixture {
  char dir[64];
  bs_objstore *store;
  bmd_dataset *ds;
  bmd_annotation *annot;
} fixture;

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = calloc((size_t)n + 1, 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  if (len)
    *len = (size_t)n;
  return buf;
}

/* The file at prefix/name of the store (NULL when absent). */
static char *read_export(const fixture *fx, const char *prefix, const char *name, size_t *len) {
  char path[512];
  snprintf(path, sizeof(path), "%s/store/%s/%s", fx->dir, prefix, name);
  return slurp(path, len);
}

static void assert_first_line(const fixture *fx, const char *prefix, const char *name,
                              const char *want) {
  char *text = read_export(fx, prefix, name, NULL);
  if (!text)
    fail_msg("%s/%s is missing", prefix, name);
  char *nl = strchr(text, '\n');
  if (nl)
    *nl = '\0';
  if (strncmp(text, want, strlen(want)) != 0)
    fail_msg("%s/%s starts with\n  %s\nnot\n  %s", prefix, name, text, want);
  free(text);
}

/* The same bytes at prefix a and prefix b. */
static void assert_same(const fixture *fx, const char *a, const char *b, const char *name) {
  size_t la = 0, lb = 0;
  char *x = read_export(fx, a, name, &la), *y = read_export(fx, b, name, &lb);
  if (!x || !y)
    fail_msg("%s missing under %s", name, !x ? a : b);
  if (la != lb || memcmp(x, y, la) != 0)
    fail_msg("%s differs between %s and %s", name, a, b);
  free(x);
  free(y);
}

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof(*fx));
  char url[128], err[512];
  snprintf(fx->dir, sizeof(fx->dir), "/tmp/bs-steps-XXXXXX");
  assert_non_null(mkdtemp(fx->dir));
  snprintf(url, sizeof(url), "file://%s/store", fx->dir);
  bs_objstore_options opt = {.url = url};
  assert_int_equal(bs_objstore_new(&opt, &fx->store, err, sizeof(err)), BS_OK);

  static const double doses[] = {0, 1, 3, 10, 30};
  static const double slope[N_PROBES] = {0.6, 0.25, 0.1, 0.05, 0.02, 0.0, -0.2, 0.3};
  static const char *const ids[N_PROBES] = {"p0", "p1", "p2", "p3", "p4", "p5", "p6", "AFFX-c"};
  fx->ds = bmd_dataset_new(N_PROBES, N_SAMPLES);
  fx->annot = bmd_annotation_new();
  assert_non_null(fx->ds);
  for (size_t s = 0; s < N_SAMPLES; s++) {
    char sid[16];
    snprintf(sid, sizeof(sid), "s%zu", s);
    fx->ds->sample_ids[s] = strdup(sid);
    fx->ds->doses[s] = doses[s / 3];
  }
  for (size_t p = 0; p < N_PROBES; p++) {
    char gene[16];
    snprintf(gene, sizeof(gene), "G%zu", p);
    fx->ds->probe_ids[p] = strdup(ids[p]);
    /* a saturating rise (or fall) plus a fixed replicate pattern */
    for (size_t s = 0; s < N_SAMPLES; s++) {
      double d = fx->ds->doses[s];
      fx->ds->values[p * N_SAMPLES + s] =
          7 + slope[p] * 8 * d / (d + 4) + 0.15 * ((double)((s * 7 + p * 3) % 5) - 2) / 2;
    }
    assert_int_equal(bmd_annotation_add_probe_gene(fx->annot, ids[p], gene), 0);
    const char *set = p == 3 || p == 4 || p == 5 ? "S2" : "S1";
    assert_int_equal(bmd_annotation_add_category_gene(fx->annot, set, set, gene), 0);
  }
  fx->ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(fx->ds), 0);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", fx->dir);
  bs_objstore_destroy(fx->store);
  bmd_dataset_destroy(fx->ds);
  bmd_annotation_destroy(fx->annot);
  free(fx);
  return 0;
}

/* The settings of the run: the core defaults with a lenient prefilter
 * (no fold filter), four models and a few curve plots. */
static bs_settings settings(const char *method, bs_category_type type) {
  bs_settings s;
  memset(&s, 0, sizeof(s));
  s.last_step = BS_STEP_CATEGORY;
  s.method = bmd_prefilter_method_find(method);
  assert_non_null(s.method);
  s.test.permutations = 200;
  s.test.seed = 23524;
  s.test.threads = 1;
  s.test.curvefit = bmd_curvefit_options_default();
  s.prefilter = bmd_prefilter_options_default();
  s.prefilter.fold_threshold = 0;
  s.prefilter.p_cutoff = 0.05;
  s.log_base = BMD_LOG_BASE2;
  s.bmd = bmd_probes_options_default();
  s.bmd.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_POWER) | (1u << BMD_MODEL_LINEAR) |
                     (1u << BMD_MODEL_EXP3);
  s.bmd.fit.log_base = BMD_LOG_BASE2;
  s.category_type = type;
  s.category = bmd_category_options_default();
  s.category.filter_on[BMD_CAT_FILTER_HIGH_DOSE] = 0;
  s.tpod = bmd_tpod_options_default();
  s.tpod.min_set_genes = 1;
  s.tpod.rank = 2;
  s.curve_plots = 3;
  s.plot_category_min_genes = 1;
  return s;
}

static const char *const FC_NOTEL = "\tMax Fold Change\tMax Fold Change Unsigned"
                                    "\tFC Dose Level 1\tFC Dose Level 2\tFC Dose Level 3"
                                    "\tFC Dose Level 4\tNOTEL/LOTEL T-Test p-Value Level 1"
                                    "\tNOTEL/LOTEL T-Test p-Value Level 2"
                                    "\tNOTEL/LOTEL T-Test p-Value Level 3"
                                    "\tNOTEL/LOTEL T-Test p-Value Level 4\tNOTEL\tLOTEL";

/* The prefilter step of method at prefix; its passed rows (new) in *passed. */
static size_t run_prefilter(fixture *fx, const char *method, const char *prefix, size_t **passed) {
  bs_settings s = settings(method, BS_CATEGORY_NONE);
  bs_export_target to = {fx->store, prefix};
  bs_prefilter_output *o = NULL;
  char err[512];
  assert_int_equal(bs_step_prefilter(&s, fx->ds, 2, &to, &o, err, sizeof(err)), BS_OK);
  assert_non_null(o);
  assert_int_equal(o->result->n_probes, N_PROBES);
  /* the statistic is the method's stat column, for the stores */
  if (s.method->stat_column < 0) {
    assert_null(o->stat);
  } else {
    assert_non_null(o->stat);
    for (size_t i = 0; i < N_PROBES; i++)
      assert_memory_equal(&o->stat[i],
                          &o->values[i * s.method->n_columns + (size_t)s.method->stat_column],
                          sizeof(double));
  }
  /* the AFFX control never passes */
  assert_int_equal(o->result->verdict[N_PROBES - 1], BMD_PREFILTER_CONTROL);
  size_t n = o->n_passed;
  *passed = malloc((n ? n : 1) * sizeof(size_t));
  memcpy(*passed, o->passed, n * sizeof(size_t));
  bs_prefilter_output_destroy(o);
  return n;
}

static void test_prefilter_columns(void **state) {
  fixture *fx = *state;
  char want[2048];
  size_t *passed = NULL;
  /* ANOVA: its columns first, then the p-values */
  size_t n = run_prefilter(fx, "anova", "pre/anova", &passed);
  assert_true(n >= 4);
  free(passed);
  snprintf(want, sizeof(want),
           "Probe ID\tDf1\tDf2\tF-Value\tUnadjusted P-Value\tAdjusted P-Value%s"
           "\tPassed\tFiltered By",
           FC_NOTEL);
  assert_first_line(fx, "pre/anova", "prefilter.tsv", want);
  /* Williams: the p-values, its statistic after NOTEL/LOTEL */
  n = run_prefilter(fx, "williams", "pre/williams", &passed);
  free(passed);
  snprintf(want, sizeof(want),
           "Probe ID\tUnadjusted P-Value\tAdjusted P-Value%s\tWilliams Statistic"
           "\tPassed\tFiltered By",
           FC_NOTEL);
  assert_first_line(fx, "pre/williams", "prefilter.tsv", want);
  /* curve fit: its columns first, no p-values; the flat probe p5 (slope 0)
   * has no BMD below the highest dose */
  n = run_prefilter(fx, "curvefit", "pre/curvefit", &passed);
  assert_true(n >= 4 && n < N_PROBES - 1);
  for (size_t i = 0; i < n; i++)
    assert_true(passed[i] != 5);
  free(passed);
  snprintf(want, sizeof(want),
           "Probe ID\tBest Model\tBest BMD\tBest BMDL\tBest BMDU\tGoodness of Fit%s"
           "\tPassed\tFiltered By",
           FC_NOTEL);
  assert_first_line(fx, "pre/curvefit", "prefilter.tsv", want);
  char *cf = read_export(fx, "pre/curvefit", "prefilter.tsv", NULL);
  assert_non_null(strstr(cf, "\np5\t"));
  assert_non_null(strstr(cf, "\tfalse\tcurve fit\n"));
  free(cf);
  /* none: no test, no p-values; every non-control probe passes */
  n = run_prefilter(fx, "none", "pre/none", &passed);
  assert_int_equal(n, N_PROBES - 1);
  free(passed);
  snprintf(want, sizeof(want), "Probe ID%s\tPassed\tFiltered By", FC_NOTEL);
  assert_first_line(fx, "pre/none", "prefilter.tsv", want);
  /* one row per probe, the control's verdict named */
  char *text = read_export(fx, "pre/none", "prefilter.tsv", NULL);
  size_t lines = 0;
  for (const char *c = text; *c; c++)
    lines += *c == '\n';
  assert_int_equal(lines, N_PROBES + 1);
  assert_non_null(strstr(text, "\nAFFX-c\t"));
  assert_non_null(strstr(text, "\tfalse\tcontrol probe\n"));
  free(text);
}

/* prefilter -> BMD -> category at prefix; the fits (new) in *fits. */
static size_t run_all(fixture *fx, const char *prefix, bmd_probe_fit **fits) {
  bs_settings s = settings("anova", BS_CATEGORY_DEFINED);
  bs_export_target to = {fx->store, prefix};
  bs_prefilter_output *po = NULL;
  bs_category_output *co = NULL;
  char err[512];
  assert_int_equal(bs_step_prefilter(&s, fx->ds, 1, &to, &po, err, sizeof(err)), BS_OK);
  size_t n = po->n_passed;
  assert_true(n >= 4);
  assert_int_equal(
      bs_step_bmd(&s, fx->ds, po->passed, n, 2, NULL, NULL, &to, fits, err, sizeof(err)), BS_OK);
  assert_int_equal(
      bs_step_category(&s, NULL, fx->ds, *fits, n, fx->annot, &to, &co, err, sizeof(err)), BS_OK);
  assert_non_null(co->ca);
  assert_non_null(co->tpod);
  assert_true(bmd_category_n_results(co->ca) >= 1);
  assert_int_equal(co->n_curves, 3);
  bs_category_output_destroy(co);
  bs_prefilter_output_destroy(po);
  return n;
}

static const char *const CATEGORY_FILES[] = {"categories.tsv",
                                             "results.csv",
                                             "tpod.json",
                                             "plots/gene_accumulation.svg",
                                             "plots/category_accumulation.svg",
                                             "report.html"};

/* The names of the curve plots under prefix, sorted, joined by spaces. */
static void curve_names(const fixture *fx, const char *prefix, char *out, size_t size) {
  char cmd[512];
  snprintf(cmd, sizeof(cmd), "ls '%s/store/%s/plots' | grep '^curve_' | tr '\\n' ' '", fx->dir,
           prefix);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, size - 1, p);
  out[n] = '\0';
  pclose(p);
}

/* "curve_<id>.svg ..." of the k fits with the lowest finite best BMD,
 * worked out here from the fits, sorted by name. */
static void lowest_names(const fixture *fx, const bmd_probe_fit *fits, size_t n, size_t k,
                         char *out, size_t size) {
  int used[N_PROBES] = {0};
  const char *pick[N_PROBES];
  size_t m = 0;
  for (; m < k; m++) {
    size_t best = n;
    for (size_t i = 0; i < n; i++)
      if (!used[i] && fits[i].best.best >= 0 && isfinite(fits[i].best.bmd) &&
          (best == n || fits[i].best.bmd < fits[best].best.bmd))
        best = i;
    if (best == n)
      break;
    used[best] = 1;
    pick[m] = fx->ds->probe_ids[fits[best].probe];
  }
  for (size_t i = 0; i < m; i++) /* by name, as ls lists them */
    for (size_t j = i + 1; j < m; j++)
      if (strcmp(pick[j], pick[i]) < 0) {
        const char *t = pick[i];
        pick[i] = pick[j];
        pick[j] = t;
      }
  out[0] = '\0';
  for (size_t i = 0; i < m; i++)
    snprintf(out + strlen(out), size - strlen(out), "curve_%s.svg ", pick[i]);
}

static void test_steps_twice_same_bytes(void **state) {
  fixture *fx = *state;
  bmd_probe_fit *a = NULL, *b = NULL;
  size_t n = run_all(fx, "run/a", &a);
  assert_int_equal(run_all(fx, "run/b", &b), n);
  char lowest[1024];
  lowest_names(fx, a, n, 3, lowest, sizeof(lowest));
  free(a);
  free(b);
  assert_first_line(fx, "run/a", "bmd.tsv", "Probe ID\tHill BMD\tHill BMDL\t");
  assert_first_line(fx, "run/a", "categories.tsv",
                    "GO/Pathway/Gene Set/Gene ID\tGO/Pathway/Gene Set/Gene Name\t");
  assert_first_line(fx, "run/a", "results.csv",
                    "GO/Pathway/Gene Set/Gene ID,GO/Pathway/Gene Set/Gene Name,");
  assert_first_line(fx, "run/a", "tpod.json", "{");
  assert_first_line(fx, "run/a", "plots/gene_accumulation.svg", "<?xml");
  assert_first_line(fx, "run/a", "plots/category_accumulation.svg", "<?xml");
  char names_a[1024], names_b[1024];
  curve_names(fx, "run/a", names_a, sizeof(names_a));
  curve_names(fx, "run/b", names_b, sizeof(names_b));
  assert_string_equal(names_a, names_b);
  /* the three most sensitive (every probe passed the category filters),
   * labelled with their genes */
  assert_string_equal(names_a, lowest);
  char *svg = read_export(fx, "run/a", "plots/curve_p0.svg", NULL);
  assert_non_null(strstr(svg, "p0 (G0)"));
  free(svg);
  assert_same(fx, "run/a", "run/b", "prefilter.tsv");
  assert_same(fx, "run/a", "run/b", "bmd.tsv");
  for (size_t i = 0; i < sizeof(CATEGORY_FILES) / sizeof(CATEGORY_FILES[0]); i++)
    assert_same(fx, "run/a", "run/b", CATEGORY_FILES[i]);
  assert_same(fx, "run/a", "run/b", "plots/curve_p0.svg");
}

/* The pipeline's way: the BMD stage stores each fit as JSON text, the
 * category stage rebuilds every fit from it. Same values, same bytes. */
static void test_category_from_json_same_bytes(void **state) {
  fixture *fx = *state;
  bmd_probe_fit *fits = NULL, *back = NULL;
  size_t n = run_all(fx, "mem", &fits), m = 0;
  json_t *all = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(all, bs_bmd_probe_json(fx->ds, &fits[i]));
  char *text = json_dumps(all, JSON_COMPACT);
  json_decref(all);
  json_error_t jerr;
  json_t *root = json_loads(text, 0, &jerr);
  char err[512];
  assert_int_equal(bs_bmd_probes_from_json(fx->ds, root, &back, &m, err, sizeof(err)), 0);
  json_decref(root);
  assert_int_equal(m, n);
  /* the same from the text, one entry at a time (the category stage's
   * way), spaces around the tokens too; anything but the array refused */
  bmd_probe_fit *streamed = NULL;
  size_t ms = 0;
  assert_int_equal(
      bs_bmd_probes_from_json_text(fx->ds, text, strlen(text), &streamed, &ms, err, sizeof(err)),
      0);
  assert_int_equal(ms, n);
  assert_memory_equal(streamed, back, n * sizeof(*back));
  free(streamed);
  char *spaced = malloc(strlen(text) + 4 * n + 8);
  char *w = spaced;
  for (const char *r = text; *r; r++) {
    if (*r == '[' && r == text)
      *w++ = ' ';
    *w++ = *r;
    if (r == text || (*r == ',' && r[1] == '{'))
      *w++ = '\n';
  }
  strcpy(w, " \n");
  assert_int_equal(bs_bmd_probes_from_json_text(fx->ds, spaced, strlen(spaced), &streamed, &ms, err,
                                                sizeof(err)),
                   0);
  assert_int_equal(ms, n);
  assert_memory_equal(streamed, back, n * sizeof(*back));
  free(streamed);
  free(spaced);
  assert_int_equal(bs_bmd_probes_from_json_text(fx->ds, " [ ] ", 5, &streamed, &ms, err, 512), 0);
  assert_int_equal(ms, 0);
  free(streamed);
  const char *bad[] = {"", "[", "{}", "[]x", "[1]", "[{\"probe_id\":\"p0\"", "[{}]"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(bs_bmd_probes_from_json_text(fx->ds, bad[i], strlen(bad[i]), &streamed, &ms,
                                                  err, sizeof(err)),
                     -1);
  size_t tlen = strlen(text);
  text[tlen - 1] = ','; /* "...}," instead of "...}]" */
  assert_int_equal(
      bs_bmd_probes_from_json_text(fx->ds, text, tlen, &streamed, &ms, err, sizeof(err)), -1);
  free(text);
  /* every field the category inputs and the curve plots read, bit for bit */
  for (size_t i = 0; i < n; i++) {
    const bmd_probe_fit *x = &fits[i], *y = &back[i];
    assert_int_equal(x->probe, y->probe);
    assert_int_equal(x->n_models, y->n_models);
    assert_int_equal(x->best.best, y->best.best);
    assert_memory_equal(&x->max_fold_change, &y->max_fold_change, sizeof(double));
    assert_memory_equal(&x->best.bmd, &y->best.bmd, 3 * sizeof(double)); /* bmd, bmdl, bmdu */
    assert_memory_equal(&x->best_metrics.r_squared, &y->best_metrics.r_squared, sizeof(double));
    for (size_t k = 0; k < x->n_models; k++) {
      const bmd_fit_result *fx_ = &x->fits[k], *fy = &y->fits[k];
      assert_int_equal(fx_->model, fy->model);
      assert_int_equal(fx_->increasing, fy->increasing);
      assert_int_equal(fx_->n_params, fy->n_params);
      assert_memory_equal(fx_->params, fy->params, fx_->n_params * sizeof(double));
      assert_memory_equal(&fx_->fit_p, &fy->fit_p, sizeof(double));
      assert_memory_equal(&fx_->bmd, &fy->bmd, 3 * sizeof(double));
    }
  }
  bs_settings s = settings("anova", BS_CATEGORY_DEFINED);
  bs_export_target to = {fx->store, "json"};
  bs_category_output *co = NULL;
  assert_int_equal(
      bs_step_category(&s, NULL, fx->ds, back, m, fx->annot, &to, &co, err, sizeof(err)), BS_OK);
  bs_category_output_destroy(co);
  for (size_t i = 0; i < sizeof(CATEGORY_FILES) / sizeof(CATEGORY_FILES[0]); i++)
    assert_same(fx, "mem", "json", CATEGORY_FILES[i]);
  char names_a[1024], names_b[1024];
  curve_names(fx, "mem", names_a, sizeof(names_a));
  curve_names(fx, "json", names_b, sizeof(names_b));
  assert_string_equal(names_a, names_b);
  for (char *save = NULL, *name = strtok_r(names_a, " ", &save); name;
       name = strtok_r(NULL, " ", &save)) {
    char rel[300];
    snprintf(rel, sizeof(rel), "plots/%s", name);
    assert_same(fx, "mem", "json", rel);
  }
  free(fits);
  free(back);
}

/* probe_stats.json's text of fits[0..n) rendered whole (new string). */
static char *whole_json(const fixture *fx, const bmd_probe_fit *fits, size_t n) {
  json_t *all = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(all, bs_bmd_probe_json(fx->ds, &fits[i]));
  char *text = json_dumps(all, JSON_COMPACT);
  json_decref(all);
  return text;
}

/* The BMD step in `count` chunks, their pieces of bmd.tsv and
 * probe_stats.json.gz rendered by the chunks (every other one: the rest
 * by the gather, as for a chunk with a probe awaiting flagged-Hill option
 * 4/5) and joined: the same bytes as the step on the whole array, empty
 * chunks (more chunks than probes) and no probe at all included. */
static void test_bmd_in_pieces_same_bytes(void **state) {
  fixture *fx = *state;
  bs_settings s = settings("anova", BS_CATEGORY_NONE);
  bs_export_target whole = {fx->store, "whole"};
  bs_prefilter_output *po = NULL;
  bmd_probe_fit *fits = NULL;
  char err[512];
  assert_int_equal(bs_step_prefilter(&s, fx->ds, 1, &whole, &po, err, sizeof(err)), BS_OK);
  size_t n = po->n_passed;
  assert_true(n >= 4);
  assert_int_equal(
      bs_step_bmd(&s, fx->ds, po->passed, n, 1, NULL, NULL, &whole, &fits, err, sizeof(err)),
      BS_OK);
  char *want = whole_json(fx, fits, n);
  const size_t counts[] = {1, 3, n + 2};
  for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
    size_t count = counts[c];
    bmd_probe_fit *all = calloc(n, sizeof(*all));
    bs_bmd_piece *pieces = calloc(count, sizeof(*pieces));
    for (size_t i = 0; i < count; i++) {
      bmd_probe_fit *part = NULL;
      bs_bmd_chunk_range(n, count, i, &pieces[i].first, &pieces[i].len);
      assert_int_equal(bs_step_bmd_chunk(&s, fx->ds, po->passed + pieces[i].first, pieces[i].len, 1,
                                         NULL, NULL, &part, err, sizeof(err)),
                       BS_OK);
      memcpy(all + pieces[i].first, part, pieces[i].len * sizeof(*part));
      if (i % 2 == 0)
        assert_int_equal(bs_bmd_piece_render(fx->ds, part, NULL, &pieces[i]), 0);
      free(part);
    }
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "pieces%zu", count);
    bs_export_target to = {fx->store, prefix};
    assert_int_equal(bs_step_bmd_gather(&s, fx->ds, all, n, pieces, count, &to, err, sizeof(err)),
                     BS_OK);
    assert_same(fx, "whole", prefix, "bmd.tsv");
    void *gz = NULL, *text = NULL;
    size_t gz_len = 0, len = 0;
    assert_int_equal(bs_bmd_pieces_json_gz(pieces, count, n, &gz, &gz_len), 0);
    assert_int_equal(bs_gzip_decompress(gz, gz_len, 1 << 24, &text, &len, err, sizeof(err)), 0);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(text, want, len);
    free(gz);
    free(text);
    for (size_t i = 0; i < count; i++)
      bs_bmd_piece_clear(&pieces[i]);
    free(pieces);
    free(all);
  }
  /* no probe: "[]" */
  bs_bmd_piece none = {0, 0, 0, NULL, 0, NULL, 0};
  void *gz = NULL, *text = NULL;
  size_t gz_len = 0, len = 0;
  assert_int_equal(bs_bmd_piece_render(fx->ds, NULL, NULL, &none), 0);
  assert_int_equal(bs_bmd_pieces_json_gz(&none, 1, 0, &gz, &gz_len), 0);
  assert_int_equal(bs_gzip_decompress(gz, gz_len, 1 << 10, &text, &len, err, sizeof(err)), 0);
  assert_int_equal(len, 2);
  assert_memory_equal(text, "[]", 2);
  free(gz);
  free(text);
  free(want);
  free(fits);
  bs_prefilter_output_destroy(po);
}

/* Category type none: no analysis, the curve plots of the lowest BMDs
 * only, unlabelled; gene level without a probe map: identity map. */
static void test_category_none_and_gene_level(void **state) {
  fixture *fx = *state;
  bmd_probe_fit *fits = NULL;
  size_t n = run_all(fx, "base", &fits);
  bs_settings s = settings("anova", BS_CATEGORY_NONE);
  bs_export_target to = {fx->store, "none"};
  bs_category_output *co = NULL;
  bmd_annotation *annot = NULL;
  char err[512];
  bs_analysis_inputs nofiles = {NULL, NULL, NULL};
  assert_int_equal(bs_step_annotation_load(&s, &nofiles, fx->ds, &annot, err, sizeof(err)), BS_OK);
  assert_null(annot);
  assert_int_equal(bs_step_category(&s, NULL, fx->ds, fits, n, NULL, &to, &co, err, sizeof(err)),
                   BS_OK);
  assert_null(co->ca);
  assert_null(co->tpod);
  assert_int_equal(co->n_curves, 3);
  bs_category_output_destroy(co);
  assert_null(read_export(fx, "none", "categories.tsv", NULL));
  assert_first_line(fx, "none", "report.html", "<!DOCTYPE html>");
  char names[1024], lowest[1024];
  curve_names(fx, "none", names, sizeof(names));
  lowest_names(fx, fits, n, 3, lowest, sizeof(lowest));
  assert_string_equal(names, lowest);
  char *svg = read_export(fx, "none", "plots/curve_p0.svg", NULL);
  assert_null(strstr(svg, "p0 (G0)"));
  free(svg);

  s = settings("anova", BS_CATEGORY_GENE);
  assert_int_equal(bs_step_annotation_load(&s, &nofiles, fx->ds, &annot, err, sizeof(err)), BS_OK);
  assert_non_null(annot);
  assert_int_equal(bmd_annotation_n_categories(annot), N_PROBES); /* each probe its own gene */
  to.prefix = "gene";
  assert_int_equal(bs_step_category(&s, NULL, fx->ds, fits, n, annot, &to, &co, err, sizeof(err)),
                   BS_OK);
  assert_non_null(co->ca);
  bs_category_output_destroy(co);
  assert_first_line(fx, "gene", "categories.tsv", "GO/Pathway/Gene Set/Gene ID\t");
  bmd_annotation_destroy(annot);
  /* defined without its files is refused */
  s = settings("anova", BS_CATEGORY_DEFINED);
  assert_int_equal(bs_step_annotation_load(&s, &nofiles, fx->ds, &annot, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_null(annot);
  free(fits);
}

/* The steps as the front ends drive them: options from a settings
 * object (bs_settings_options fills the defaults). */
static void test_steps_from_settings_json(void **state) {
  fixture *fx = *state;
  json_error_t jerr;
  json_t *sparse = json_loads("{\"prefilter\": {\"method\": \"williams\", \"permutations\": 100,"
                              " \"fold_filter\": null},"
                              " \"bmd\": {\"models\": [\"linear\", \"power\"]},"
                              " \"category\": {\"type\": \"gene\"}, \"plots\": {\"curves\": 2}}",
                              0, &jerr);
  assert_non_null(sparse);
  bs_settings s;
  char err[512];
  assert_int_equal(bs_settings_options(sparse, &s, err, sizeof(err)), BS_OK);
  json_decref(sparse);
  assert_string_equal(s.method->name, "williams");
  assert_int_equal(s.category_type, BS_CATEGORY_GENE);
  bs_export_target to = {fx->store, "json-settings"};
  bs_prefilter_output *po = NULL;
  bmd_probe_fit *fits = NULL;
  bmd_annotation *annot = NULL;
  bs_category_output *co = NULL;
  bs_analysis_inputs nofiles = {NULL, NULL, NULL};
  assert_int_equal(bs_step_prefilter(&s, fx->ds, 1, &to, &po, err, sizeof(err)), BS_OK);
  assert_true(po->n_passed >= 2);
  assert_int_equal(bs_step_bmd(&s, fx->ds, po->passed, po->n_passed, 1, NULL, NULL, &to, &fits, err,
                               sizeof(err)),
                   BS_OK);
  assert_int_equal(bs_step_annotation_load(&s, &nofiles, fx->ds, &annot, err, sizeof(err)), BS_OK);
  assert_int_equal(
      bs_step_category(&s, NULL, fx->ds, fits, po->n_passed, annot, &to, &co, err, sizeof(err)),
      BS_OK);
  /* at most plots.curves, among the probes the default filters passed */
  assert_true(co->n_curves >= 1 && co->n_curves <= 2);
  assert_first_line(fx, "json-settings", "bmd.tsv", "Probe ID\tPower BMD\t");
  assert_first_line(fx, "json-settings", "categories.tsv", "GO/Pathway/Gene Set/Gene ID\t");
  bs_category_output_destroy(co);
  bmd_annotation_destroy(annot);
  free(fits);
  bs_prefilter_output_destroy(po);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_prefilter_columns, setup, teardown),
      cmocka_unit_test_setup_teardown(test_steps_twice_same_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_category_from_json_same_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bmd_in_pieces_same_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_category_none_and_gene_level, setup, teardown),
      cmocka_unit_test_setup_teardown(test_steps_from_settings_json, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
