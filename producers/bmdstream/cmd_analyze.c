/*
 * cmd_analyze.c - `bmdstream analyze`: the analysis offline on files, with
 * the pipeline's own steps (bs/steps.h) and settings (bs/settings.h):
 *
 *   parse     the analysis flags (the settings module's, the same as
 *             bmdstream-import's; with --config FILE.json they go over
 *             each of the config's runs: analyze_config.c), and
 *             analyze's own: --matrix, --out, the annotation files,
 *             --threads, --print-settings;
 *   resolve   the settings JSON, exactly what the pipeline's event would
 *             carry (--print-settings prints it and exits);
 *   run       import the matrix, then the prefilter, BMD and category
 *             steps, each writing its files into --out DIR through a
 *             file:// object store rooted there: prefilter.tsv, bmd.tsv,
 *             categories.tsv, results.csv, tpod.json, plots/ and
 *             report.html — the same bytes the pipeline stores.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "cli.h"
#include "bs/category_export.h"
#include "bs/matrix_import.h"
#include "bs/objstore.h"
#include "bs/progress.h"
#include "bs/settings.h"
#include "bs/steps.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: bmdstream analyze --matrix FILE --out DIR\n"
          "         [--probe-map FILE (--category-map FILE | --gmt FILE)] [--threads T]\n"
          "         [--config FILE.json] [--print-settings] [analysis flags]\n"
          "FILE: BMDExpress expression matrix (tab-delimited, optional header row, dose row,\n"
          "      one row per probe; gzip accepted). Writes DIR/prefilter.tsv, DIR/bmd.tsv and\n"
          "      DIR/plots/curve_<probe>.svg; with categories also DIR/categories.tsv,\n"
          "      DIR/results.csv, DIR/tpod.json (printed too) and the accumulation plots; and\n"
          "      DIR/report.html, all of it on one page to open in a browser.\n"
          "--config: a BMDExpress 3 analyze config, run as BMDExpress runs it (instead of\n"
          "      --matrix): every expression file and section combination, each into\n"
          "      DIR/<result name>/, with DIR/summary.tsv; flags override each; what we do not\n"
          "      run is named on stderr and in summary.tsv, and the exit status is then 3.\n"
          "--print-settings: print the settings this run would use (the JSON the pipeline's\n"
          "      events carry; with --config one line per run) and exit.\n\n"
          "analysis flags (the same as bmdstream-import's; default in brackets):\n");
  bs_settings_usage(out, BS_SECTION_ALL);
}

/* --config FILE, wherever it stands: read before the flags that override it. */
static const char *find_config(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      return argv[i + 1];
    if (strncmp(argv[i], "--config=", 9) == 0)
      return argv[i] + 9;
  }
  return NULL;
}

enum { OPT_MATRIX = BS_CLI_OPT_OWN, OPT_THREADS, OPT_CONFIG };

/* One of analyze's own flags (bs_cli_take_cb). */
static int take_own(void *arg, int c, const char *value) {
  analyze_args *a = arg;
  char *end;
  switch (c) {
  case OPT_MATRIX:
    a->matrix = value;
    break;
  case OPT_THREADS: {
    unsigned long t = strtoul(value, &end, 10);
    if (*value < '1' || *value > '9' || *end || t > 1024)
      return bs_cli_bad("analyze", "--threads: expected an integer 1..1024, got '%s'", value);
    a->threads = (unsigned)t;
    break;
  }
  case OPT_CONFIG:
    break; /* read first, see find_config */
  }
  return -1;
}

/* analyze's own flags (the settings flags are gone from argv by now).
 * -1 to go on, else the exit status. */
static int parse_own(int argc, char **argv, analyze_args *a) {
  static const struct option lopts[] = {{"matrix", required_argument, NULL, OPT_MATRIX},
                                        BS_CLI_FILE_OPTIONS,
                                        {"threads", required_argument, NULL, OPT_THREADS},
                                        {"config", required_argument, NULL, OPT_CONFIG},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  return bs_cli_parse("analyze", argc, argv, lopts, usage, &a->io, take_own, a);
}

/* The settings of the flags, and the files; -1 to go on, else the exit
 * status (a --config run is run from here: analyze_config.c). */
static int parse(int argc, char **argv, analyze_args *a, json_t **settings) {
  char err[2048];
  json_t *sparse = json_object();
  int rc = -1;
  a->config = find_config(argc, argv);
  if (bs_settings_take_flags(sparse, BS_SECTION_ALL, &argc, argv, err, sizeof(err)) != 0)
    rc = bs_cli_bad("analyze", "%s", err);
  else
    rc = parse_own(argc, argv, a);
  if (rc < 0 && a->config) {
    rc = bs_analyze_config_run(a, sparse);
  } else if (rc < 0) {
    if (!a->threads)
      a->threads = 1;
    if (bs_settings_resolve(sparse, &a->io.files, settings, err, sizeof(err)) != 0)
      rc = bs_cli_bad("analyze", "%s", err);
  }
  json_decref(sparse);
  return rc;
}

/* mkdir -p DIR, then its absolute path into abs. 0, or -1 with errno. */
int bs_analyze_make_dir(const char *dir, char *abs) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *c = buf + 1;; c++) {
    char was = *c;
    if (was != '/' && was != '\0')
      continue;
    *c = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return -1;
    *c = was;
    if (!was)
      break;
  }
  return realpath(dir, abs) ? 0 : -1;
}

/* bmd_progress_cb: a bar on a terminal, lines in a log (bs/progress.h) */
static void progress(void *opaque, size_t done, size_t total) {
  bs_progress_update(opaque, done, total);
}

/* The steps, in order, into the store at DIR (settings: the JSON s was
 * made from, for report.html). */
static int run_steps(const analyze_args *a, const bs_settings *s, const json_t *settings,
                     const bmd_dataset *ds, bs_objstore *store) {
  char err[2048];
  bs_export_target to = {store, ""};
  bs_prefilter_output *pre = NULL;
  bmd_probe_fit *fits = NULL;
  bmd_annotation *annot = NULL;
  bs_category_output *cat = NULL;
  int rc = 1;
  if (bs_step_prefilter_rows(s, ds, a->rows, a->n_rows, a->threads, &to, &pre, err, sizeof(err)) !=
      BS_OK) {
    fprintf(stderr, "bmdstream analyze: prefilter: %s\n", err);
    goto done;
  }
  fprintf(stderr,
          "bmdstream analyze: %zu probes x %zu samples (%zu dose groups); prefilter %s on %zu: "
          "%zu passed -> %s/prefilter.tsv\n",
          ds->n_probes, ds->n_samples, ds->n_groups, s->method->name,
          a->rows ? a->n_rows : ds->n_probes, pre->n_passed, a->io.out);
  if (s->last_step >= BS_STEP_BMD) {
    bs_progress bar =
        bs_progress_start(stderr, isatty(STDERR_FILENO), "bmdstream analyze", "probes fitted");
    if (bs_step_bmd(s, ds, pre->passed, pre->n_passed, a->threads, progress, &bar, &to, &fits, err,
                    sizeof(err)) != BS_OK) {
      fprintf(stderr, "bmdstream analyze: BMD: %s\n", err);
      goto done;
    }
    fprintf(stderr, "bmdstream analyze: %zu probes fitted -> %s/bmd.tsv\n", pre->n_passed,
            a->io.out);
  }
  if (s->last_step >= BS_STEP_CATEGORY) {
    if (bs_step_annotation_load(s, &a->io.files, ds, &annot, err, sizeof(err)) != BS_OK ||
        bs_step_category(s, settings, ds, fits, pre->n_passed, annot, &to, &cat, err,
                         sizeof(err)) != BS_OK) {
      fprintf(stderr, "bmdstream analyze: categories: %s\n", err);
      goto done;
    }
    if (cat->ca) {
      bs_tpod_print(stdout, &cat->tpod_values);
      fprintf(stderr, "bmdstream analyze: %zu categories -> %s/categories.tsv, tpod.json, plots/\n",
              bmd_category_n_results(cat->ca), a->io.out);
    }
    fprintf(stderr,
            "bmdstream analyze: %zu curve plots -> %s/plots/curve_*.svg; the report -> "
            "%s/report.html\n",
            cat->n_curves, a->io.out, a->io.out);
  }
  rc = 0;
done:
  bs_category_output_destroy(cat);
  bmd_annotation_destroy(annot);
  free(fits);
  bs_prefilter_output_destroy(pre);
  return rc;
}

/* The settings of a run and the file:// store at its --out directory
 * (made if missing); 1 with the reason on stderr. */
static int open_run(const analyze_args *a, const json_t *settings, bs_settings *s,
                    bs_objstore **store) {
  char err[2048], abs[PATH_MAX], url[PATH_MAX + 8];
  *store = NULL;
  if (bs_settings_options(settings, s, err, sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream analyze: %s\n", err);
    return 1;
  }
  if (bs_analyze_make_dir(a->io.out, abs) != 0) {
    fprintf(stderr, "bmdstream analyze: --out %s: %s\n", a->io.out, strerror(errno));
    return 1;
  }
  snprintf(url, sizeof(url), "file://%s", abs);
  bs_objstore_options so = {.url = url};
  if (bs_objstore_new(&so, store, err, sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream analyze: --out %s: %s\n", a->io.out, err);
    return 1;
  }
  return 0;
}

int bs_analyze_run_dataset(const analyze_args *a, const json_t *settings, const bmd_dataset *ds) {
  bs_settings s;
  bs_objstore *store = NULL;
  int rc = open_run(a, settings, &s, &store);
  if (rc == 0)
    rc = run_steps(a, &s, settings, ds, store);
  bs_objstore_destroy(store);
  return rc;
}

int bs_analyze_prefilter_rows(const analyze_args *a, const json_t *settings, const bmd_dataset *ds,
                              size_t **rows, size_t *n_rows) {
  char err[2048];
  bs_settings s;
  bs_objstore *store = NULL;
  bs_prefilter_output *pre = NULL;
  int rc = 1;
  *rows = NULL;
  *n_rows = 0;
  if (open_run(a, settings, &s, &store) != 0)
    goto done;
  bs_export_target to = {store, ""};
  if (bs_step_prefilter(&s, ds, a->threads, &to, &pre, err, sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream analyze: prefilter: %s\n", err);
    goto done;
  }
  fprintf(stderr, "bmdstream analyze: prefilter %s: %zu passed -> %s/prefilter.tsv\n",
          s.method->name, pre->n_passed, a->io.out);
  *rows = pre->passed; /* taken */
  *n_rows = pre->n_passed;
  pre->passed = NULL;
  rc = 0;
done:
  bs_prefilter_output_destroy(pre);
  bs_objstore_destroy(store);
  return rc;
}

static int run(const analyze_args *a, const json_t *settings) {
  char err[2048];
  bs_settings s;
  if (bs_settings_options(settings, &s, err, sizeof(err)) != BS_OK)
    return bs_cli_bad("analyze", "%s", err);
  bmd_dataset *ds = NULL;
  bs_import_limits lim = bs_import_limits_default();
  if (bs_matrix_import_file(a->matrix, &lim, s.log_base, &ds, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: %s\n", err);
    return 1;
  }
  int rc = bs_analyze_run_dataset(a, settings, ds);
  bmd_dataset_destroy(ds);
  return rc;
}

int bs_cmd_analyze(int argc, char **argv) {
  analyze_args a = {0};
  json_t *settings = NULL;
  int rc = parse(argc, argv, &a, &settings);
  if (rc < 0 && a.io.print_settings)
    rc = bs_settings_print(stdout, settings) == 0 ? 0 : 1;
  else if (rc < 0 && (!a.matrix || !a.io.out))
    rc = bs_cli_bad("analyze", "%s is required (see --help)", !a.matrix ? "--matrix" : "--out");
  else if (rc < 0)
    rc = run(&a, settings);
  json_decref(settings);
  return rc;
}
