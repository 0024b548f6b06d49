/*
 * cmd_categories.c - `bmdstream categories`: the category step on files,
 * for BMD results made elsewhere (a bmd.tsv: the BMD step's table, or
 * BMDExpress's own):
 *
 *   parse     the category, tPOD and plot flags (the settings module's,
 *             the same as analyze's and bmdstream-import's) and its own:
 *             --bmd-tsv, --out, the annotation files, the dose range,
 *             --expression, --print-settings;
 *   resolve   the settings JSON (bs_settings_resolve; --print-settings
 *             prints it and exits): the same flags give the same settings
 *             as analyze's;
 *   run       the category analysis with the settings' filters, then the
 *             category step's exports (bs_category_exports_put) into a
 *             file:// store at --out DIR: categories.tsv, results.csv,
 *             tpod.json (printed too) and the accumulation plots. With
 *             --expression (the experiment's BMDExpress expression file)
 *             the dose range and "All Genes (Expression Data)" come from
 *             it, and plots/curve_<probe>.svg is drawn for the
 *             plots.curves most sensitive probes, refitted with the default
 *             BMD options (a bmd.tsv holds only the best values).
 */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bmd/category.h"
#include "bmd/tpod.h"
#include "bs/category_export.h"
#include "bs/config.h"
#include "bs/category_input.h"
#include "bs/matrix_import.h"
#include "bs/plot_curve.h"
#include "bs/settings.h"
#include "bs/steps.h"
#include "cli.h"

/* The flags of the settings this command takes. */
#define SECTIONS (BS_SECTION_CATEGORY | BS_SECTION_TPOD | BS_SECTION_PLOTS)

typedef struct categories_args {
  const char *bmd_tsv, *expression;
  bs_cli_files io;        /* --out, the annotation files, --print-settings */
  double highest, lowest; /* NAN: from --expression */
} categories_args;

static void usage(FILE *out) {
  fprintf(out, "usage: bmdstream categories --bmd-tsv FILE --probe-map FILE\n"
               "         (--category-map FILE | --gmt FILE | --gene-level) --out DIR\n"
               "         (--highest-dose X [--lowest-dose X] | --expression FILE)\n"
               "         [--print-settings] [category, tPOD and plot flags]\n"
               "--expression: the experiment's BMDExpress expression file (dose range, probe\n"
               "      universe, and the curve plots of --curve-plots N probes). Files may be\n"
               "      gzip-compressed. Writes DIR/categories.tsv, DIR/results.csv, DIR/tpod.json\n"
               "      and DIR/plots/. --print-settings: print the settings (the JSON analyze and\n"
               "      the pipeline use for the same flags) and exit.\n\n"
               "category, tPOD and plot flags (the same as analyze's; default in brackets):\n");
  bs_settings_usage(out, SECTIONS);
}

/* A dose flag's value into *out; -1 to go on, else 2. */
static int parse_dose(const char *flag, const char *s, double *out) {
  if (bs_config_parse_double(s, out) != 0)
    return bs_cli_bad("categories", "%s: not a number: \"%s\"", flag, s);
  return -1;
}

enum { O_BMD = BS_CLI_OPT_OWN, O_HIGH, O_LOW, O_EXPR };

/* One of the command's own flags (bs_cli_take_cb). */
static int take_own(void *arg, int c, const char *value) {
  categories_args *a = arg;
  switch (c) {
  case O_BMD:
    a->bmd_tsv = value;
    break;
  case O_HIGH:
    return parse_dose("--highest-dose", value, &a->highest);
  case O_LOW:
    return parse_dose("--lowest-dose", value, &a->lowest);
  case O_EXPR:
    a->expression = value;
    break;
  }
  return -1;
}

/* The command's own flags (the settings flags are gone from argv by now).
 * -1 to go on, else the exit status. */
static int parse_own(int argc, char **argv, categories_args *a) {
  static const struct option longopts[] = {{"bmd-tsv", required_argument, 0, O_BMD},
                                           BS_CLI_FILE_OPTIONS,
                                           {"highest-dose", required_argument, 0, O_HIGH},
                                           {"lowest-dose", required_argument, 0, O_LOW},
                                           {"expression", required_argument, 0, O_EXPR},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  return bs_cli_parse("categories", argc, argv, longopts, usage, &a->io, take_own, a);
}

/* The settings of the flags, and the files; -1 to go on, else the exit
 * status. */
static int parse(int argc, char **argv, categories_args *a, json_t **settings) {
  char err[2048];
  json_t *sparse = json_object();
  int rc = -1;
  if (!sparse)
    rc = bs_cli_bad("categories", "out of memory");
  else if (bs_settings_take_flags(sparse, SECTIONS, &argc, argv, err, sizeof(err)) != 0)
    rc = bs_cli_bad("categories", "%s", err);
  else
    rc = parse_own(argc, argv, a);
  if (rc < 0 && bs_settings_resolve(sparse, &a->io.files, settings, err, sizeof(err)) != 0)
    rc = bs_cli_bad("categories", "%s", err);
  json_decref(sparse);
  return rc;
}

/* What a run needs besides the settings; -1 to go on, else 2. */
static int check(const categories_args *a, const bs_settings *s) {
  if (!a->bmd_tsv || !a->io.out || !a->io.files.probe_map)
    return bs_cli_bad("categories", "%s is required (see --help)",
                      !a->bmd_tsv  ? "--bmd-tsv"
                      : !a->io.out ? "--out"
                                   : "--probe-map");
  if (s->category_type == BS_CATEGORY_NONE)
    return bs_cli_bad("categories",
                      "no categories to run: give --category-map, --gmt, --gene-level or "
                      "--category-type go");
  if (s->category.filter_on[BMD_CAT_FILTER_HIGH_DOSE] && !isfinite(a->highest) && !a->expression)
    return bs_cli_bad("categories",
                      "--highest-dose is needed by the BMD > highest dose filter (or give "
                      "--expression or --no-high-dose-filter)");
  if (s->category.filter_on[BMD_CAT_FILTER_LOW_DOSE] && !(a->lowest > 0) && !a->expression)
    return bs_cli_bad("categories", "--low-dose-fold needs --lowest-dose > 0 (or --expression)");
  if (s->category.identify_conflicting && !a->expression)
    return bs_cli_bad("categories",
                      "--conflicting-probe-r needs --expression (the probes' expression rows)");
  return -1;
}

/* A file:// object store rooted at dir (created), where the exports go. */
static int open_store(const char *dir, bs_objstore **store) {
  char cwd[PATH_MAX], url[2 * PATH_MAX + 16], err[512];
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bmdstream categories: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  if (dir[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
    fprintf(stderr, "bmdstream categories: the current directory: %s\n", strerror(errno));
    return -1;
  }
  snprintf(url, sizeof(url), "file://%s%s%s", dir[0] == '/' ? "" : cwd, dir[0] == '/' ? "" : "/",
           dir);
  bs_objstore_options so = {.url = url};
  if (bs_objstore_new(&so, store, err, sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream categories: %s\n", err);
    return -1;
  }
  return 0;
}

/* Curve plots of the k most sensitive probes that passed: their rows of
 * the experiment refitted with the default BMD options. */
static int write_curves(const bs_export_target *to, const bmd_dataset *ds,
                        const bmd_category_analysis *ca, const bs_cat_probes *probes, size_t k) {
  size_t *sel = malloc(k * sizeof(*sel)), *rows = malloc(k * sizeof(*rows));
  const char **genes = calloc(k, sizeof(*genes));
  bmd_probe_fit *fits = calloc(k, sizeof(*fits));
  int rc = -1;
  char err[1024];
  if (!sel || !rows || !genes || !fits)
    goto done;
  size_t m = bs_plot_sensitive_probes(ca, probes->probes, k, sel, genes), n = 0;
  if (m == (size_t)-1)
    goto done;
  for (size_t q = 0; q < m; q++) { /* the experiment row of each selected probe */
    for (size_t r = 0; r < ds->n_probes; r++)
      if (strcmp(ds->probe_ids[r], probes->probes[sel[q]].id) == 0) {
        genes[n] = genes[q];
        rows[n++] = r;
        break;
      }
  }
  bmd_probes_options popt = bmd_probes_options_default();
  popt.threads = 2;
  if (n && bmd_probes_fit(ds, rows, n, &popt, fits, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream categories: curve plots: %s\n", err);
    goto done;
  }
  for (size_t q = 0; q < n; q++)
    if (bs_curve_plot_put(to, ds, &fits[q], genes[q], err, sizeof(err)) != BS_OK) {
      fprintf(stderr, "bmdstream categories: %s\n", err);
      goto done;
    }
  rc = 0;
done:
  free(sel);
  free(rows);
  free(genes);
  free(fits);
  return rc;
}

static int run(categories_args *a, const bs_settings *s) {
  int rc = 1;
  char err[1024];
  bmd_annotation *annot = NULL;
  bs_cat_probes *probes = NULL;
  bmd_category_analysis *ca = NULL;
  bmd_dataset *ds = NULL;
  json_t *tj = NULL;
  bs_objstore *store = NULL;
  if (a->expression) {
    bs_import_limits lim = bs_import_limits_default();
    if (bs_matrix_import_file(a->expression, &lim, BMD_LOG_BASE2, &ds, err, sizeof(err)) != 0) {
      fprintf(stderr, "bmdstream categories: %s\n", err);
      goto done;
    }
    /* dose range from the experiment unless given */
    if (!isfinite(a->highest))
      a->highest = ds->group_dose[ds->n_groups - 1];
    for (size_t g = 0; g < ds->n_groups && !isfinite(a->lowest); g++)
      if (ds->group_dose[g] > 0)
        a->lowest = ds->group_dose[g];
  }
  probes = bs_cat_probes_read_tsv(a->bmd_tsv, err, sizeof(err));
  if (!probes || bs_step_annotation_load(s, &a->io.files, ds, &annot, err, sizeof(err)) != BS_OK ||
      !(ca = bmd_category_run(annot, probes->probes, probes->n,
                              ds ? (const char *const *)ds->probe_ids : NULL, ds ? ds->n_probes : 0,
                              a->highest, a->lowest, &s->category, err, sizeof(err))) ||
      (s->category.identify_conflicting &&
       bmd_category_conflicts(ca, annot, (const char *const *)ds->probe_ids, ds->values,
                              ds->n_probes, ds->n_samples,
                              0 /* every probe of the gene: docs/categories.md */,
                              s->category.conflict_r_cutoff, err, sizeof(err)) != 0)) {
    fprintf(stderr, "bmdstream categories: %s\n", err);
    goto done;
  }
  bmd_tpod tpod;
  bmd_tpod_compute(ca, &s->tpod, &tpod);
  tj = bs_tpod_json(&tpod, bmd_category_n_genes(ca), bmd_category_n_results(ca));
  if (!tj) {
    fprintf(stderr, "bmdstream categories: out of memory\n");
    goto done;
  }
  if (open_store(a->io.out, &store) != 0)
    goto done;
  bs_export_target to = {store, ""};
  if (bs_category_exports_put(s, ca, probes->probes, tj, &to, err, sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream categories: %s\n", err);
    goto done;
  }
  if (ds && s->curve_plots > 0 && write_curves(&to, ds, ca, probes, s->curve_plots) != 0)
    goto done;
  printf("%zu probes, %zu genes passed the filters, %zu of %zu categories written to "
         "%s/categories.tsv\n",
         probes->n, bmd_category_n_genes(ca), bmd_category_n_results(ca),
         bmd_annotation_n_categories(annot), a->io.out);
  bs_tpod_print(stdout, &tpod);
  rc = 0;
done:
  bs_objstore_destroy(store);
  json_decref(tj);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(annot);
  bs_cat_probes_destroy(probes);
  bmd_dataset_destroy(ds);
  return rc;
}

int bs_cmd_categories(int argc, char **argv) {
  categories_args a = {.highest = NAN, .lowest = NAN};
  json_t *settings = NULL;
  bs_settings s;
  char err[2048];
  int rc = parse(argc, argv, &a, &settings);
  if (rc < 0 && a.io.print_settings)
    rc = bs_settings_print(stdout, settings) == 0 ? 0 : 1;
  else if (rc < 0 && bs_settings_options(settings, &s, err, sizeof(err)) != BS_OK)
    rc = bs_cli_bad("categories", "%s", err);
  else if (rc < 0 && (rc = check(&a, &s)) < 0)
    rc = run(&a, &s);
  json_decref(settings);
  return rc;
}
