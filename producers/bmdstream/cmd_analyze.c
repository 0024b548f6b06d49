/*
 * cmd_analyze.c - `bmdstream analyze`: the analysis offline on files.
 * Imports a BMDExpress expression matrix and runs the stages in order
 * (analyze.h), each writing its file into --out DIR:
 *   prefilter (analyze_prefilter.c) -> DIR/prefilter.tsv
 *   BMD (analyze_bmd.c), on the probes that passed -> DIR/bmd.tsv
 *   categories (analyze_category.c) -> DIR/categories.tsv, DIR/tpod.json,
 *     DIR/plots/ (with --probe-map and --category-map/--gmt, or
 *     --gene-level)
 *   curve plots (analyze_plots.c) -> DIR/plots/curve_<probe>.svg for the
 *     --curve-plots most sensitive probes (with or without categories)
 * The stages call the same core functions, with the same settings, as the
 * pipeline's consumers, so both give identical numbers.
 */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "bs/matrix_import.h"
#include "bs/plot_curve.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: bmdstream analyze --matrix FILE --out DIR [--prefilter williams|anova|none]\n"
          "         [--p-cutoff P|none] [--mtc] [--fold-filter X] [--keep-controls]\n"
          "         [--notel-p P] [--notel-fc X] [--permutations N] [--seed S]\n"
          "         [--log none|base2|base10|natural] [--threads T]\n"
          "         [--models hill,power,...] [--variance constant|nonconstant]\n"
          "         [--bmr-type sd|rel|abs] [--bmr X] [--no-bmd]\n"
          "         [--probe-map FILE (--category-map FILE | --gmt FILE)] [--gene-level]\n"
          "         [--curve-plots N]\n"
          "         [--config FILE.json]  a BMDExpress 3 analyze config (flags override it;\n"
          "         what it holds that we do not run is named on stderr)\n"
          "FILE: BMDExpress expression matrix (tab-delimited, optional header row, dose row,\n"
          "      one row per probe; gzip accepted). Writes DIR/prefilter.tsv, DIR/bmd.tsv and,\n"
          "      with annotation, DIR/categories.tsv, DIR/tpod.json and the accumulation\n"
          "      plots DIR/plots/{gene,category}_accumulation.svg. DIR/plots/curve_<probe>.svg\n"
          "      for the --curve-plots N probes with the lowest best BMD (among those that\n"
          "      passed the category filters when categories run; 0 = no curve plots).\n"
          "Defaults: --prefilter anova, --p-cutoff 0.05 on the unadjusted p (--mtc: BH-adjusted),\n"
          "  AFFX control probes dropped, --fold-filter 2 (0 = off; with --prefilter none only\n"
          "  when given), NOTEL/LOTEL t-test p 0.05 and fold change 2, --log base2,\n"
          "  Williams --permutations 10000 --seed 23524, --threads 1; models\n"
          "  hill,power,linear,poly2,poly3,exp3,exp5, constant variance, BMR 1 SD;\n"
          "  --curve-plots 10.\n");
}

static int bad_flag(const char *flag, const char *value, const char *want) {
  fprintf(stderr, "bmdstream analyze: %s: expected %s, got '%s'\n", flag, want, value);
  return 2;
}

static int parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno != 0 || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != '\0' || errno != 0 || v > max)
    return -1;
  *out = v;
  return 0;
}

/* mkdir -p: 0, or -1 with errno. */
static int make_dirs(const char *path) {
  char buf[4096];
  if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *c = buf + 1; *c; c++) {
    if (*c != '/')
      continue;
    *c = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return -1;
    *c = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return -1;
  struct stat st;
  if (stat(buf, &st) != 0)
    return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

enum {
  OPT_MATRIX = 256,
  OPT_OUT,
  OPT_PREFILTER,
  OPT_P_CUTOFF,
  OPT_MTC,
  OPT_FOLD,
  OPT_KEEP_CONTROLS,
  OPT_NOTEL_P,
  OPT_NOTEL_FC,
  OPT_PERMUTATIONS,
  OPT_SEED,
  OPT_LOG,
  OPT_THREADS,
  OPT_MODELS,
  OPT_VARIANCE,
  OPT_BMR_TYPE,
  OPT_BMR,
  OPT_NO_BMD,
  OPT_PROBE_MAP,
  OPT_CATEGORY_MAP,
  OPT_GMT,
  OPT_GENE_LEVEL,
  OPT_CURVE_PLOTS,
  OPT_CONFIG
};

/* Fills o from argv; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, bs_analyze_options *o) {
  static const struct option lopts[] = {{"matrix", required_argument, NULL, OPT_MATRIX},
                                        {"out", required_argument, NULL, OPT_OUT},
                                        {"prefilter", required_argument, NULL, OPT_PREFILTER},
                                        {"p-cutoff", required_argument, NULL, OPT_P_CUTOFF},
                                        {"mtc", no_argument, NULL, OPT_MTC},
                                        {"fold-filter", required_argument, NULL, OPT_FOLD},
                                        {"keep-controls", no_argument, NULL, OPT_KEEP_CONTROLS},
                                        {"notel-p", required_argument, NULL, OPT_NOTEL_P},
                                        {"notel-fc", required_argument, NULL, OPT_NOTEL_FC},
                                        {"permutations", required_argument, NULL, OPT_PERMUTATIONS},
                                        {"seed", required_argument, NULL, OPT_SEED},
                                        {"log", required_argument, NULL, OPT_LOG},
                                        {"threads", required_argument, NULL, OPT_THREADS},
                                        {"models", required_argument, NULL, OPT_MODELS},
                                        {"config", required_argument, NULL, OPT_CONFIG},
                                        {"variance", required_argument, NULL, OPT_VARIANCE},
                                        {"bmr-type", required_argument, NULL, OPT_BMR_TYPE},
                                        {"bmr", required_argument, NULL, OPT_BMR},
                                        {"no-bmd", no_argument, NULL, OPT_NO_BMD},
                                        {"probe-map", required_argument, NULL, OPT_PROBE_MAP},
                                        {"category-map", required_argument, NULL, OPT_CATEGORY_MAP},
                                        {"gmt", required_argument, NULL, OPT_GMT},
                                        {"gene-level", no_argument, NULL, OPT_GENE_LEVEL},
                                        {"curve-plots", required_argument, NULL, OPT_CURVE_PLOTS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  int fold_given = 0, c;
  uint64_t u;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
    switch (c) {
    case 'h':
      usage(stdout);
      return 0;
    case OPT_MATRIX:
      o->matrix = optarg;
      break;
    case OPT_OUT:
      o->out_dir = optarg;
      break;
    case OPT_PREFILTER:
      if (strcmp(optarg, "anova") == 0)
        o->prefilter = BS_PREFILTER_ANOVA;
      else if (strcmp(optarg, "williams") == 0)
        o->prefilter = BS_PREFILTER_WILLIAMS;
      else if (strcmp(optarg, "none") == 0)
        o->prefilter = BS_PREFILTER_NONE;
      else
        return bad_flag("--prefilter", optarg, "williams, anova or none");
      break;
    case OPT_P_CUTOFF:
      if (strcmp(optarg, "none") == 0)
        o->p_cutoff = 9999;
      else if (parse_double(optarg, &o->p_cutoff) != 0 || !(o->p_cutoff > 0))
        return bad_flag("--p-cutoff", optarg, "a number > 0 or 'none'");
      break;
    case OPT_MTC:
      o->mtc = 1;
      break;
    case OPT_FOLD:
      if (parse_double(optarg, &o->fold_filter) != 0 || o->fold_filter < 0)
        return bad_flag("--fold-filter", optarg, "a number >= 0 (0 = off)");
      fold_given = 1;
      break;
    case OPT_KEEP_CONTROLS:
      o->filter_controls = 0;
      break;
    case OPT_NOTEL_P:
      if (parse_double(optarg, &o->notel_p) != 0 || !(o->notel_p > 0))
        return bad_flag("--notel-p", optarg, "a number > 0");
      break;
    case OPT_NOTEL_FC:
      if (parse_double(optarg, &o->notel_fc) != 0 || o->notel_fc < 0)
        return bad_flag("--notel-fc", optarg, "a number >= 0");
      break;
    case OPT_PERMUTATIONS:
      if (parse_u64(optarg, 100000000, &u) != 0)
        return bad_flag("--permutations", optarg, "an integer 0..100000000");
      o->permutations = (unsigned)u;
      break;
    case OPT_SEED:
      if (parse_u64(optarg, UINT64_MAX, &u) != 0)
        return bad_flag("--seed", optarg, "an unsigned 64-bit integer");
      o->seed = u;
      break;
    case OPT_LOG:
      if (strcmp(optarg, "none") == 0)
        o->log_base = BMD_LOG_NONE;
      else if (strcmp(optarg, "base2") == 0)
        o->log_base = BMD_LOG_BASE2;
      else if (strcmp(optarg, "base10") == 0)
        o->log_base = BMD_LOG_BASE10;
      else if (strcmp(optarg, "natural") == 0)
        o->log_base = BMD_LOG_NATURAL;
      else
        return bad_flag("--log", optarg, "none, base2, base10 or natural");
      break;
    case OPT_THREADS:
      if (parse_u64(optarg, 1024, &u) != 0 || u == 0)
        return bad_flag("--threads", optarg, "an integer 1..1024");
      o->threads = (unsigned)u;
      break;
    case OPT_CONFIG:
      break; /* applied before the flags, see analyze_run */
    case OPT_MODELS: {
      char copy[256], *save = NULL;
      snprintf(copy, sizeof(copy), "%s", optarg);
      o->bmd.model_mask = 0;
      for (char *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        int id = bmd_model_parse(m);
        if (id < 0)
          return bad_flag("--models", m, "hill, power, linear, poly2-4 or exp2-5");
        o->bmd.model_mask |= 1u << id;
      }
      if (!o->bmd.model_mask)
        return bad_flag("--models", optarg, "at least one model");
      break;
    }
    case OPT_VARIANCE:
      if (strcmp(optarg, "constant") == 0)
        o->bmd.fit.variance = BMD_VARIANCE_CONSTANT;
      else if (strcmp(optarg, "nonconstant") == 0)
        o->bmd.fit.variance = BMD_VARIANCE_NONCONSTANT;
      else
        return bad_flag("--variance", optarg, "constant or nonconstant");
      break;
    case OPT_BMR_TYPE:
      if (strcmp(optarg, "sd") == 0)
        o->bmd.fit.bmr_type = BMD_BMR_SD;
      else if (strcmp(optarg, "rel") == 0)
        o->bmd.fit.bmr_type = BMD_BMR_REL;
      else if (strcmp(optarg, "abs") == 0)
        o->bmd.fit.bmr_type = BMD_BMR_ABS;
      else
        return bad_flag("--bmr-type", optarg, "sd, rel or abs");
      break;
    case OPT_BMR:
      if (parse_double(optarg, &o->bmd.fit.bmr) != 0 || !(o->bmd.fit.bmr > 0))
        return bad_flag("--bmr", optarg, "a number > 0");
      break;
    case OPT_NO_BMD:
      o->run_bmd = 0;
      break;
    case OPT_PROBE_MAP:
      o->probe_map = optarg;
      break;
    case OPT_CATEGORY_MAP:
      o->category_map = optarg;
      break;
    case OPT_GMT:
      o->gmt = optarg;
      break;
    case OPT_GENE_LEVEL:
      o->run_categories = 1;
      break;
    case OPT_CURVE_PLOTS:
      if (parse_u64(optarg, 100000, &u) != 0)
        return bad_flag("--curve-plots", optarg, "an integer 0..100000 (0 = none)");
      o->curve_plots = (size_t)u;
      break;
    case ':':
      fprintf(stderr, "bmdstream analyze: %s: missing value\n", argv[optind - 1]);
      return 2;
    default:
      fprintf(stderr, "bmdstream analyze: unknown flag '%s'\n", argv[optind - 1]);
      usage(stderr);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "bmdstream analyze: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (!o->matrix || !o->out_dir) {
    fprintf(stderr, "bmdstream analyze: %s is required\n", !o->matrix ? "--matrix" : "--out");
    usage(stderr);
    return 2;
  }
  if (o->prefilter == BS_PREFILTER_NONE && !fold_given)
    o->fold_filter = 0;
  if (o->category_map && o->gmt) {
    fprintf(stderr, "bmdstream analyze: give --category-map or --gmt, not both\n");
    return 2;
  }
  if ((o->category_map || o->gmt) && !o->probe_map) {
    fprintf(stderr, "bmdstream analyze: --category-map and --gmt need --probe-map\n");
    return 2;
  }
  if (o->probe_map)
    o->run_categories = 1;
  if (o->run_categories && !o->run_bmd) {
    fprintf(stderr, "bmdstream analyze: categories need the BMD step (drop --no-bmd)\n");
    return 2;
  }
  return -1;
}

static int analyze_run(int argc, char **argv, bs_analyze_config **ac);

int bs_cmd_analyze(int argc, char **argv) {
  bs_analyze_config *ac = NULL;
  int rc = analyze_run(argc, argv, &ac);
  bs_analyze_config_destroy(ac);
  return rc;
}

static int analyze_run(int argc, char **argv, bs_analyze_config **ac) {
  bs_analyze_options o = {.prefilter = BS_PREFILTER_ANOVA,
                          .p_cutoff = 0.05,
                          .fold_filter = 2.0,
                          .filter_controls = 1,
                          .notel_p = 0.05,
                          .notel_fc = 2.0,
                          .permutations = 10000,
                          .seed = 23524,
                          .threads = 1,
                          .log_base = BMD_LOG_BASE2,
                          .run_bmd = 1,
                          .curve_plots = BS_CURVE_PLOTS_DEFAULT,
                          .bmd = bmd_probes_options_default()};
  o.bmd.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_POWER) | (1u << BMD_MODEL_LINEAR) |
                     (1u << BMD_MODEL_POLY2) | (1u << BMD_MODEL_POLY3) | (1u << BMD_MODEL_EXP3) |
                     (1u << BMD_MODEL_EXP5);
  /* --config first, so that flags override it wherever they stand */
  for (int i = 1; i < argc; i++) {
    const char *cpath = strcmp(argv[i], "--config") == 0 && i + 1 < argc ? argv[i + 1]
                        : strncmp(argv[i], "--config=", 9) == 0          ? argv[i] + 9
                                                                         : NULL;
    if (!cpath)
      continue;
    char cerr[1024];
    if (*ac || !(*ac = bs_analyze_config_apply(cpath, &o, cerr, sizeof(cerr)))) {
      fprintf(stderr, "bmdstream analyze: %s\n", *ac ? "--config given twice" : cerr);
      return 2;
    }
  }
  int rc = parse_args(argc, argv, &o);
  if (rc >= 0)
    return rc;
  char err[1024];
  bmd_dataset *ds = NULL;
  size_t *passed = NULL, n_passed = 0;
  bs_import_limits lim = bs_import_limits_default();
  if (bs_matrix_import_file(o.matrix, &lim, o.log_base, &ds, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: %s\n", err);
    return 1;
  }
  if (make_dirs(o.out_dir) != 0) {
    fprintf(stderr, "bmdstream analyze: --out %s: %s\n", o.out_dir, strerror(errno));
    bmd_dataset_destroy(ds);
    return 1;
  }
  if (bs_analyze_prefilter_run(&o, ds, &passed, &n_passed, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: prefilter: %s\n", err);
    bmd_dataset_destroy(ds);
    return 1;
  }
  fprintf(stderr,
          "bmdstream analyze: %zu probes x %zu samples (%zu dose groups); prefilter %s: "
          "%zu passed -> %s/prefilter.tsv\n",
          ds->n_probes, ds->n_samples, ds->n_groups,
          o.prefilter == BS_PREFILTER_ANOVA      ? "anova"
          : o.prefilter == BS_PREFILTER_WILLIAMS ? "williams"
                                                 : "none",
          n_passed, o.out_dir);
  rc = 0;
  bmd_probe_fit *fits = NULL;
  if (o.run_bmd && bs_analyze_bmd_run(&o, ds, passed, n_passed, &fits, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: BMD: %s\n", err);
    rc = 1;
  } else if (o.run_bmd) {
    fprintf(stderr, "bmdstream analyze: %zu probes fitted -> %s/bmd.tsv\n", n_passed, o.out_dir);
  }
  if (rc == 0 && o.run_categories &&
      bs_analyze_category_run(&o, ds, fits, n_passed, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: categories: %s\n", err);
    rc = 1;
  } else if (rc == 0 && o.run_bmd && !o.run_categories &&
             bs_analyze_curves_run(&o, ds, fits, n_passed, NULL, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: curve plots: %s\n", err);
    rc = 1;
  }
  free(fits);
  free(passed);
  bmd_dataset_destroy(ds);
  return rc;
}
