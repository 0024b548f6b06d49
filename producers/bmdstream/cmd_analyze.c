/*
 * cmd_analyze.c - `bmdstream analyze`: the analysis offline on files.
 * Imports a BMDExpress expression matrix and runs the stages in order
 * (analyze.h), each writing its file into --out DIR:
 *   prefilter (analyze_prefilter.c) -> DIR/prefilter.tsv
 * Later stages (BMD, categories) take the probes the prefilter passed.
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

static void usage(FILE *out) {
  fprintf(out,
          "usage: bmdstream analyze --matrix FILE --out DIR [--prefilter williams|anova|none]\n"
          "         [--p-cutoff P|none] [--mtc] [--fold-filter X] [--keep-controls]\n"
          "         [--notel-p P] [--notel-fc X] [--permutations N] [--seed S]\n"
          "         [--log none|base2|base10|natural] [--threads T]\n"
          "FILE: BMDExpress expression matrix (tab-delimited, optional header row, dose row,\n"
          "      one row per probe; gzip accepted). Writes DIR/prefilter.tsv.\n"
          "Defaults: --prefilter anova, --p-cutoff 0.05 on the unadjusted p (--mtc: BH-adjusted),\n"
          "  AFFX control probes dropped, --fold-filter 2 (0 = off; with --prefilter none only\n"
          "  when given), NOTEL/LOTEL t-test p 0.05 and fold change 2, --log base2,\n"
          "  Williams --permutations 10000 --seed 23524, --threads 1.\n");
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
  OPT_THREADS
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
  return -1;
}

int bs_cmd_analyze(int argc, char **argv) {
  bs_analyze_options o = {.prefilter = BS_PREFILTER_ANOVA,
                          .p_cutoff = 0.05,
                          .fold_filter = 2.0,
                          .filter_controls = 1,
                          .notel_p = 0.05,
                          .notel_fc = 2.0,
                          .permutations = 10000,
                          .seed = 23524,
                          .threads = 1,
                          .log_base = BMD_LOG_BASE2};
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
  free(passed);
  bmd_dataset_destroy(ds);
  return 0;
}
