/*
 * analyze_config.c - `bmdstream analyze --config FILE.json`: a BMDExpress 3
 * analyze config (bs/bmdx_config.h) run the way BMDExpress runs it: every
 * expression file (a directory's files too), every prefilter, BMDS and
 * category section, combined as AnalyzeRunner combines them
 * (bs/bmdx_plan.h). Each run is one normalized settings object
 * (bs_settings_from_bmdx_run) through the same steps as a flags run, into
 * OUT/<result name>/ with its settings.json. A curve fit on another
 * prefilter's result (data set > williams > curve fit) first runs that
 * prefilter with its own section's settings into OUT/<name>/input/, then
 * the run on the probes it passed. What we do not run is named on stderr
 * and in OUT/summary.tsv with the reason; the rest runs.
 */
#define _XOPEN_SOURCE 700
#include "analyze.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs/bmdx_plan.h"
#include "bs/matrix_import.h"
#include "bs/settings.h"
#include "bs/settings_bmdx.h"

enum { EXIT_SKIPPED = 3 };

/* Each expression file read once; runs of the same file share it. */
typedef struct dataset_cache {
  const char *matrix;
  int log_base;
  bmd_dataset *ds;
} dataset_cache;

static void print_run(const bs_bmdx_run *r, const json_t *settings, const json_t *input) {
  json_t *line = json_pack("{s:s, s:s, s:s, s:O}", "name", r->name, "matrix", r->matrix, "chain",
                           r->chain, "settings", settings);
  if (line && input)
    json_object_set(line, "input_settings", (json_t *)input);
  char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  if (text)
    printf("%s\n", text);
  free(text);
  json_decref(line);
}

/* TSV fields: tabs and newlines as spaces */
static void field(FILE *f, const char *s, const char *end) {
  for (; s && *s; s++)
    fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
  fputs(end, f);
}

static int write_settings(const char *dir, const json_t *settings) {
  char path[4096];
  int len = snprintf(path, sizeof path, "%s/settings.json", dir);
  if (len < 0 || (size_t)len >= sizeof path)
    return -1;
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  int rc = bs_settings_print(f, settings);
  return fclose(f) == 0 ? rc : -1;
}

/* The file matrix read with log base `base`, once (cache: n slots); NULL
 * with errstr naming the config's field. */
static bmd_dataset *dataset_of(dataset_cache *cache, size_t n, const char *matrix, int base,
                               size_t expression, const char *config, char *errstr,
                               size_t errstr_size) {
  size_t i = 0;
  while (i < n && cache[i].matrix &&
         !(strcmp(cache[i].matrix, matrix) == 0 && cache[i].log_base == base))
    i++;
  if (i < n && cache[i].matrix)
    return cache[i].ds;
  char err[1024];
  bs_import_limits lim = bs_import_limits_default();
  bmd_dataset *ds = NULL;
  if (i == n ||
      bs_matrix_import_file(matrix, &lim, (bmd_log_base)base, &ds, err, sizeof err) != 0) {
    snprintf(errstr, errstr_size, "%s: expressionDataConfigs[%zu].inputFileName: %s", config,
             expression, i == n ? "out of memory" : err);
    return NULL;
  }
  cache[i] = (dataset_cache){matrix, base, ds};
  return ds;
}

static int log_base_of(const json_t *settings) {
  return bs_settings_log_base_parse(
      json_string_value(bs_settings_get(settings, "prefilter.log_base")));
}

/* OUT/<run>/input/: r's input prefilter (settings input) on ds; *rows its
 * passed rows. 0, else 1 (stderr says why). */
static int run_input(const analyze_args *one, const json_t *input, const bmd_dataset *ds,
                     size_t **rows, size_t *n_rows) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/input", one->io.out);
  analyze_args up = *one;
  up.io.out = dir;
  return bs_analyze_prefilter_rows(&up, input, ds, rows, n_rows) != 0 ||
         write_settings(dir, input) != 0;
}

int bs_analyze_config_run(const analyze_args *a, const json_t *flags) {
  char err[2048];
  bs_bmdx_config *cfg = bs_bmdx_config_read(a->config, err, sizeof err);
  bs_bmdx_plan *plan = cfg ? bs_bmdx_plan_make(cfg, err, sizeof err) : NULL;
  if (!plan) {
    bs_bmdx_config_destroy(cfg);
    return bs_cli_bad("analyze", "%s", err);
  }
  if (a->matrix) {
    bs_bmdx_plan_destroy(plan);
    bs_bmdx_config_destroy(cfg);
    return bs_cli_bad("analyze",
                      "--matrix: %s names the expression data "
                      "(expressionDataConfigs); leave --matrix out",
                      a->config);
  }
  size_t n = plan->n_runs;
  json_t **settings = calloc(n ? n : 1, sizeof *settings);
  json_t **inputs = calloc(n ? n : 1, sizeof *inputs); /* NULL: the run takes a data set */
  bs_bmdx_analysis *files = calloc(n ? n : 1, sizeof *files);
  size_t slots = n + plan->n_datasets; /* at most one per run and per data set */
  dataset_cache *cache = calloc(slots ? slots : 1, sizeof *cache);
  int *failed = calloc(n ? n : 1, sizeof *failed);
  int rc = 0;
  if (!settings || !inputs || !files || !cache || !failed)
    rc = bs_cli_bad("analyze", "out of memory");
  for (size_t i = 0; i < n && rc == 0; i++)
    if (bs_settings_from_bmdx_run(cfg, &plan->runs[i], flags, &a->io.files, &settings[i], &files[i],
                                  err, sizeof err) != 0 ||
        bs_settings_from_bmdx_input(cfg, &plan->runs[i], flags, &a->io.files, &inputs[i], err,
                                    sizeof err) != 0)
      rc = bs_cli_bad("analyze", "%s: %s: %s", a->config, plan->runs[i].name, err);
  if (rc == 0 && a->io.print_settings) {
    for (size_t i = 0; i < n; i++)
      print_run(&plan->runs[i], settings[i], inputs[i]);
    goto done;
  }
  if (rc == 0 && !a->io.out)
    rc = bs_cli_bad("analyze", "--out is required (see --help)");
  /* every expression file read before anything runs, as BMDExpress
   * imports them all: a bad one is the config's error */
  for (size_t i = 0; i < plan->n_datasets && rc == 0; i++) {
    const bs_bmdx_dataset *d = &plan->datasets[i];
    if (!dataset_of(cache, slots, d->matrix, (int)cfg->expression[d->expression].log_base,
                    d->expression, a->config, err, sizeof err))
      rc = bs_cli_bad("analyze", "%s", err);
  }
  for (size_t i = 0; i < n && rc == 0; i++)
    if (!dataset_of(cache, slots, plan->runs[i].matrix, log_base_of(settings[i]),
                    plan->runs[i].expression, a->config, err, sizeof err))
      rc = bs_cli_bad("analyze", "%s", err);
  if (rc != 0)
    goto done;

  char path[PATH_MAX > 4096 ? PATH_MAX : 4096];
  if (bs_analyze_make_dir(a->io.out, path) != 0) {
    fprintf(stderr, "bmdstream analyze: --out %s: %s\n", a->io.out, strerror(errno));
    rc = 1;
    goto done;
  }
  for (size_t i = 0; i < cfg->n_unsupported; i++)
    fprintf(stderr, "bmdstream analyze: %s: not run: %s\n", a->config, cfg->unsupported[i]);
  for (size_t i = 0; i < plan->n_skips; i++)
    fprintf(stderr, "bmdstream analyze: %s: skipped: %s%s%s%s: %s\n", a->config,
            plan->skips[i].name, plan->skips[i].name[0] ? " (" : "", plan->skips[i].section,
            plan->skips[i].name[0] ? ")" : "", plan->skips[i].reason);
  for (size_t i = 0; i < n; i++) {
    const bs_bmdx_run *r = &plan->runs[i];
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", a->io.out, r->name);
    analyze_args one = *a;
    one.io.out = dir;
    one.matrix = r->matrix;
    bs_bmdx_run_files(r, &files[i], &a->io.files, &one.io.files);
    if (!one.threads)
      one.threads = files[i].threads ? files[i].threads : 1;
    fprintf(stderr, "bmdstream analyze: run %zu of %zu: %s\n", i + 1, n, r->chain);
    const bmd_dataset *ds = dataset_of(cache, slots, r->matrix, log_base_of(settings[i]),
                                       r->expression, a->config, err, sizeof err);
    size_t *rows = NULL, n_rows = 0;
    failed[i] = inputs[i] && run_input(&one, inputs[i], ds, &rows, &n_rows) != 0;
    one.rows = rows;
    one.n_rows = n_rows;
    failed[i] = failed[i] || bs_analyze_run_dataset(&one, settings[i], ds) != 0 ||
                write_settings(dir, settings[i]) != 0;
    free(rows);
    if (failed[i])
      rc = 1;
  }

  snprintf(path, sizeof path, "%s/summary.tsv", a->io.out);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "bmdstream analyze: %s: %s\n", path, strerror(errno));
    rc = 1;
    goto done;
  }
  fputs("status\tname\tsection\tchain\treason\n", f);
  for (size_t i = 0; i < n; i++) {
    field(f, failed[i] ? "failed" : "ran", "\t");
    field(f, plan->runs[i].name, "\t\t");
    field(f, plan->runs[i].chain, "\t");
    field(f, failed[i] ? "see stderr" : "", "\n");
  }
  for (size_t i = 0; i < plan->n_skips; i++) {
    field(f, "skipped", "\t");
    field(f, plan->skips[i].name, "\t");
    field(f, plan->skips[i].section, "\t\t");
    field(f, plan->skips[i].reason, "\n");
  }
  if (fclose(f) != 0)
    rc = 1;
  fprintf(stderr, "bmdstream analyze: %zu run%s, %zu skipped -> %s\n", n, n == 1 ? "" : "s",
          plan->n_skips, path);
  if (rc == 0 && plan->n_skips > 0)
    rc = EXIT_SKIPPED;
done:
  for (size_t i = 0; i < n; i++) {
    json_decref(settings ? settings[i] : NULL);
    json_decref(inputs ? inputs[i] : NULL);
    if (files)
      bs_bmdx_analysis_free(&files[i]);
  }
  for (size_t i = 0; cache && i < slots; i++)
    bmd_dataset_destroy(cache[i].ds);
  free(settings);
  free(inputs);
  free(files);
  free(cache);
  free(failed);
  bs_bmdx_plan_destroy(plan);
  bs_bmdx_config_destroy(cfg);
  return rc;
}
