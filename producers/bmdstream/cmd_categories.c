/*
 * cmd_categories.c - `bmdstream categories`: the category step on files.
 * Reads a bmd.tsv (the BMD step's per-probe table), a probe map and a
 * category map / GMT file / gene-level mode, runs the category analysis
 * with BMDExpress's filters, and writes DIR/categories.tsv,
 * DIR/tpod.json and DIR/plots/{gene,category}_accumulation.svg; the tPOD
 * is also printed on stdout. With --expression (the experiment's
 * BMDExpress expression file) the dose range and "All Genes (Expression
 * Data)" come from it, and DIR/plots/curve_<probe>.svg is drawn for the
 * --curves most sensitive probes, refitted with the default BMD options.
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
#include "bs/annotation.h"
#include "bs/category_export.h"
#include "bs/category_input.h"
#include "bs/matrix_import.h"
#include "bs/plot_curve.h"
#include "bs/steps.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: bmdstream categories --bmd-tsv FILE --probe-map FILE\n"
          "         (--category-map FILE | --gmt FILE | --gene-level) --out DIR\n"
          "         (--highest-dose X [--lowest-dose X] | --expression FILE)\n"
          "  filters (BMDExpress defaults: promiscuous probes removed, BMD > highest dose "
          "removed):\n"
          "         [--keep-promiscuous] [--no-high-dose-filter] [--fit-p-min 0.1]\n"
          "         [--r-squared-min 0.5] [--bmd-bmdl-max 20] [--bmdu-bmd-max 20]\n"
          "         [--bmdu-bmdl-max 40] [--low-dose-fold 10] [--fold-change-min 1.2]\n"
          "         [--remove-direction up|down] [--min-genes 20] [--max-genes 500]\n"
          "  tPOD:  [--tpod-min-set-genes 3] [--tpod-min-set-fraction 0.05] [--tpod-rank 25]\n"
          "         [--tpod-percentile 0.10]\n"
          "  plots: [--plot-min-genes 1]\n"
          "  experiment: [--expression FILE [--curves 10]] (doses, probe universe, curve "
          "plots)\n"
          "Files may be gzip-compressed. Writes DIR/categories.tsv, DIR/tpod.json, DIR/plots/.\n");
}

static int parse_double(const char *flag, const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(v)) {
    fprintf(stderr, "bmdstream categories: %s: not a number: \"%s\"\n", flag, s);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_size(const char *flag, const char *s, size_t *out) {
  double v;
  if (parse_double(flag, s, &v) != 0)
    return -1;
  if (v < 0 || v != floor(v)) {
    fprintf(stderr, "bmdstream categories: %s: not a count: \"%s\"\n", flag, s);
    return -1;
  }
  *out = (size_t)v;
  return 0;
}

static int make_dir(const char *path) {
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bmdstream categories: %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* A file:// object store rooted at dir (created), where the exports go. */
static int open_store(const char *dir, bs_objstore **store) {
  char cwd[PATH_MAX], url[2 * PATH_MAX + 16], err[512];
  if (make_dir(dir) != 0)
    return -1;
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

/* The category step's settings of these flags (bs/settings.h). */
static bs_settings step_settings(const bmd_category_options *opt, const bmd_tpod_options *topt,
                                 const char *cat_map, const char *gmt, size_t plot_min,
                                 size_t n_curves) {
  bs_settings s;
  memset(&s, 0, sizeof(s));
  s.last_step = BS_STEP_CATEGORY;
  s.category_type = cat_map ? BS_CATEGORY_DEFINED : gmt ? BS_CATEGORY_GMT : BS_CATEGORY_GENE;
  s.category = *opt;
  s.tpod = *topt;
  s.curve_plots = n_curves;
  s.plot_category_min_genes = plot_min;
  return s;
}

enum {
  O_BMD = 1000,
  O_PROBE_MAP,
  O_CAT_MAP,
  O_GMT,
  O_GENE_LEVEL,
  O_OUT,
  O_HIGH,
  O_LOW,
  O_KEEP_PROM,
  O_NO_HIGH,
  O_FITP,
  O_R2,
  O_BB,
  O_UB,
  O_UL,
  O_LOWFOLD,
  O_FC,
  O_DIR,
  O_MIN,
  O_MAX,
  O_T_MIN,
  O_T_FRAC,
  O_T_RANK,
  O_T_PCT,
  O_PLOT_MIN,
  O_EXPR,
  O_CURVES,
  O_HELP
};

int bs_cmd_categories(int argc, char **argv) {
  static const struct option longopts[] = {
      {"bmd-tsv", required_argument, 0, O_BMD},
      {"probe-map", required_argument, 0, O_PROBE_MAP},
      {"category-map", required_argument, 0, O_CAT_MAP},
      {"gmt", required_argument, 0, O_GMT},
      {"gene-level", no_argument, 0, O_GENE_LEVEL},
      {"out", required_argument, 0, O_OUT},
      {"highest-dose", required_argument, 0, O_HIGH},
      {"lowest-dose", required_argument, 0, O_LOW},
      {"keep-promiscuous", no_argument, 0, O_KEEP_PROM},
      {"no-high-dose-filter", no_argument, 0, O_NO_HIGH},
      {"fit-p-min", required_argument, 0, O_FITP},
      {"r-squared-min", required_argument, 0, O_R2},
      {"bmd-bmdl-max", required_argument, 0, O_BB},
      {"bmdu-bmd-max", required_argument, 0, O_UB},
      {"bmdu-bmdl-max", required_argument, 0, O_UL},
      {"low-dose-fold", required_argument, 0, O_LOWFOLD},
      {"fold-change-min", required_argument, 0, O_FC},
      {"remove-direction", required_argument, 0, O_DIR},
      {"min-genes", required_argument, 0, O_MIN},
      {"max-genes", required_argument, 0, O_MAX},
      {"tpod-min-set-genes", required_argument, 0, O_T_MIN},
      {"tpod-min-set-fraction", required_argument, 0, O_T_FRAC},
      {"tpod-rank", required_argument, 0, O_T_RANK},
      {"tpod-percentile", required_argument, 0, O_T_PCT},
      {"plot-min-genes", required_argument, 0, O_PLOT_MIN},
      {"expression", required_argument, 0, O_EXPR},
      {"curves", required_argument, 0, O_CURVES},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  const char *bmd_tsv = NULL, *probe_map = NULL, *cat_map = NULL, *gmt = NULL, *out = NULL;
  int gene_level = 0, ok = 1;
  double highest = NAN, lowest = NAN;
  size_t plot_min = 1, n_curves = 10;
  const char *expression = NULL;
  bmd_category_options opt = bmd_category_options_default();
  bmd_tpod_options topt = bmd_tpod_options_default();
  int c;
  optind = 1;
  while (ok && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case O_BMD:
      bmd_tsv = optarg;
      break;
    case O_PROBE_MAP:
      probe_map = optarg;
      break;
    case O_CAT_MAP:
      cat_map = optarg;
      break;
    case O_GMT:
      gmt = optarg;
      break;
    case O_GENE_LEVEL:
      gene_level = 1;
      break;
    case O_OUT:
      out = optarg;
      break;
    case O_HIGH:
      ok = parse_double("--highest-dose", optarg, &highest) == 0;
      break;
    case O_LOW:
      ok = parse_double("--lowest-dose", optarg, &lowest) == 0;
      break;
    case O_KEEP_PROM:
      opt.remove_promiscuous = 0;
      break;
    case O_NO_HIGH:
      opt.filter_on[BMD_CAT_FILTER_HIGH_DOSE] = 0;
      break;
    case O_FITP:
      opt.filter_on[BMD_CAT_FILTER_FIT_P] = 1;
      ok = parse_double("--fit-p-min", optarg, &opt.fit_p_min) == 0;
      break;
    case O_R2:
      opt.filter_on[BMD_CAT_FILTER_R_SQUARED] = 1;
      ok = parse_double("--r-squared-min", optarg, &opt.r_squared_min) == 0;
      break;
    case O_BB:
      opt.filter_on[BMD_CAT_FILTER_BMD_BMDL] = 1;
      ok = parse_double("--bmd-bmdl-max", optarg, &opt.bmd_bmdl_max) == 0;
      break;
    case O_UB:
      opt.filter_on[BMD_CAT_FILTER_BMDU_BMD] = 1;
      ok = parse_double("--bmdu-bmd-max", optarg, &opt.bmdu_bmd_max) == 0;
      break;
    case O_UL:
      opt.filter_on[BMD_CAT_FILTER_BMDU_BMDL] = 1;
      ok = parse_double("--bmdu-bmdl-max", optarg, &opt.bmdu_bmdl_max) == 0;
      break;
    case O_LOWFOLD:
      opt.filter_on[BMD_CAT_FILTER_LOW_DOSE] = 1;
      ok = parse_double("--low-dose-fold", optarg, &opt.low_dose_fold) == 0;
      break;
    case O_FC:
      opt.filter_on[BMD_CAT_FILTER_FOLD_CHANGE] = 1;
      ok = parse_double("--fold-change-min", optarg, &opt.fold_change_min) == 0;
      break;
    case O_DIR:
      opt.filter_on[BMD_CAT_FILTER_DIRECTION] = 1;
      if (strcmp(optarg, "up") == 0)
        opt.remove_direction = 1;
      else if (strcmp(optarg, "down") == 0)
        opt.remove_direction = -1;
      else {
        fprintf(stderr, "bmdstream categories: --remove-direction: up or down, not \"%s\"\n",
                optarg);
        ok = 0;
      }
      break;
    case O_MIN:
      opt.min_genes_on = 1;
      ok = parse_size("--min-genes", optarg, &opt.min_genes) == 0;
      break;
    case O_MAX:
      opt.max_genes_on = 1;
      ok = parse_size("--max-genes", optarg, &opt.max_genes) == 0;
      break;
    case O_T_MIN:
      ok = parse_size("--tpod-min-set-genes", optarg, &topt.min_set_genes) == 0;
      break;
    case O_T_FRAC:
      ok = parse_double("--tpod-min-set-fraction", optarg, &topt.min_set_fraction) == 0;
      break;
    case O_T_RANK:
      ok = parse_size("--tpod-rank", optarg, &topt.rank) == 0;
      break;
    case O_T_PCT:
      ok = parse_double("--tpod-percentile", optarg, &topt.percentile) == 0;
      break;
    case O_PLOT_MIN:
      ok = parse_size("--plot-min-genes", optarg, &plot_min) == 0;
      break;
    case O_EXPR:
      expression = optarg;
      break;
    case O_CURVES:
      ok = parse_size("--curves", optarg, &n_curves) == 0;
      break;
    case O_HELP:
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (!ok)
    return 2;
  if (optind < argc) {
    fprintf(stderr, "bmdstream categories: unexpected argument \"%s\"\n", argv[optind]);
    return 2;
  }
  if (!bmd_tsv || !probe_map || !out || (!!cat_map + !!gmt + gene_level) != 1) {
    fprintf(stderr, "bmdstream categories: need --bmd-tsv, --probe-map, --out and one of "
                    "--category-map, --gmt, --gene-level\n");
    usage(stderr);
    return 2;
  }
  int rc = 1;
  char err[1024];
  bmd_annotation *annot = NULL;
  bs_cat_probes *probes = NULL;
  bmd_category_analysis *ca = NULL;
  bmd_dataset *ds = NULL;
  json_t *tj = NULL;
  bs_objstore *store = NULL;
  if (expression) {
    bs_import_limits lim = bs_import_limits_default();
    if (bs_matrix_import_file(expression, &lim, BMD_LOG_BASE2, &ds, err, sizeof(err)) != 0) {
      fprintf(stderr, "bmdstream categories: %s\n", err);
      return 1;
    }
    /* dose range from the experiment unless given */
    if (!isfinite(highest))
      highest = ds->group_dose[ds->n_groups - 1];
    for (size_t g = 0; g < ds->n_groups && !isfinite(lowest); g++)
      if (ds->group_dose[g] > 0)
        lowest = ds->group_dose[g];
  }
  if (opt.filter_on[BMD_CAT_FILTER_HIGH_DOSE] && !isfinite(highest)) {
    fprintf(stderr, "bmdstream categories: --highest-dose is needed by the BMD > highest dose "
                    "filter (or give --expression or --no-high-dose-filter)\n");
    bmd_dataset_destroy(ds);
    return 2;
  }
  if (opt.filter_on[BMD_CAT_FILTER_LOW_DOSE] && !(lowest > 0)) {
    fprintf(stderr, "bmdstream categories: --low-dose-fold needs --lowest-dose > 0\n");
    bmd_dataset_destroy(ds);
    return 2;
  }
  probes = bs_cat_probes_read_tsv(bmd_tsv, err, sizeof(err));
  if (!probes) {
    fprintf(stderr, "bmdstream categories: %s\n", err);
    goto done;
  }
  annot = bs_annotation_load(probe_map, cat_map, gmt, gene_level, err, sizeof(err));
  if (!annot) {
    fprintf(stderr, "bmdstream categories: %s\n", err);
    goto done;
  }
  ca = bmd_category_run(annot, probes->probes, probes->n,
                        ds ? (const char *const *)ds->probe_ids : NULL, ds ? ds->n_probes : 0,
                        highest, lowest, &opt, err, sizeof(err));
  if (!ca) {
    fprintf(stderr, "bmdstream categories: %s\n", err);
    goto done;
  }
  bmd_tpod tpod;
  bmd_tpod_compute(ca, &topt, &tpod);

  tj = bs_tpod_json(&tpod, bmd_category_n_genes(ca), bmd_category_n_results(ca));
  if (!tj) {
    fprintf(stderr, "bmdstream categories: out of memory\n");
    goto done;
  }
  if (open_store(out, &store) != 0)
    goto done;
  bs_export_target to = {store, ""};
  bs_settings s = step_settings(&opt, &topt, cat_map, gmt, plot_min, n_curves);
  if (bs_category_exports_put(&s, ca, probes->probes, tj, &to, err, sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream categories: %s\n", err);
    goto done;
  }
  if (ds && n_curves > 0 && write_curves(&to, ds, ca, probes, n_curves) != 0)
    goto done;
  printf("%zu probes, %zu genes passed the filters, %zu of %zu categories written to "
         "%s/categories.tsv\n",
         probes->n, bmd_category_n_genes(ca), bmd_category_n_results(ca),
         bmd_annotation_n_categories(annot), out);
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
