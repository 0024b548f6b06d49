/*
 * cmd_analyze.c - `bmdstream analyze --matrix FILE --out DIR [options]`:
 * the offline analysis on files. Parses the shared options and every
 * stage's own, imports the expression matrix (plain or gzip BMDExpress
 * format), creates DIR and runs the stages in order (analyze.h).
 */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "bs/matrix_import.h"

static const bs_analyze_stage *const stages[] = {
    &bs_analyze_stage_prefilter,
};
#define N_STAGES (sizeof(stages) / sizeof(stages[0]))

static int parse_log(bs_analyze_ctx *ctx, const char *v, bmd_log_base *out) {
  (void)ctx;
  static const char *const names[] = {"none", "base2", "base10", "natural"};
  static const bmd_log_base vals[] = {BMD_LOG_NONE, BMD_LOG_BASE2, BMD_LOG_BASE10, BMD_LOG_NATURAL};
  for (size_t i = 0; i < 4; i++)
    if (strcmp(v, names[i]) == 0) {
      *out = vals[i];
      return 0;
    }
  fprintf(stderr, "bmdstream analyze: --log: '%s' is not none, base2, base10 or natural\n", v);
  return -1;
}

static void usage(FILE *out) {
  fprintf(out, "usage: bmdstream analyze --matrix FILE --out DIR [options]\n\n"
               "  --matrix FILE   BMDExpress expression file (tab-delimited, plain or gzip)\n"
               "  --out DIR       output directory (created if missing)\n"
               "  --log L         none|base2|base10|natural: how the data are logged (base2)\n"
               "  --threads T     worker threads (1)\n");
  for (size_t s = 0; s < N_STAGES; s++) {
    fprintf(out, "\n%s stage:\n", stages[s]->name);
    for (size_t i = 0; i < stages[s]->n_opts; i++) {
      const bs_analyze_opt *o = &stages[s]->opts[i];
      fprintf(out, "  --%-22s %s\n", o->name, o->help);
    }
  }
}

static void ctx_free(bs_analyze_ctx *ctx) {
  bmd_dataset_destroy(ctx->ds);
  bmd_prefilter_result_destroy(ctx->pf_res);
  free(ctx->pf_stat);
}

size_t bs_analyze_passed(const bs_analyze_ctx *ctx, size_t *idx) {
  size_t n = 0;
  for (size_t p = 0; p < ctx->ds->n_probes; p++)
    if (!ctx->pf_res || ctx->pf_res->verdict[p] == BMD_PREFILTER_PASSED)
      idx[n++] = p;
  return n;
}

int bs_cmd_analyze(int argc, char **argv) {
  enum { OPT_MATRIX = 1000, OPT_OUT, OPT_LOG, OPT_THREADS, OPT_HELP, OPT_STAGE };
  bs_analyze_ctx ctx = {.threads = 1};
  bmd_log_base log_base = BMD_LOG_BASE2;
  int rc = 2;

  /* the long-option table: the shared options, then every stage's */
  size_t n_stage_opts = 0;
  for (size_t s = 0; s < N_STAGES; s++)
    n_stage_opts += stages[s]->n_opts;
  struct option *lopts = calloc(5 + n_stage_opts + 1, sizeof(*lopts));
  const bs_analyze_opt **map = calloc(n_stage_opts + 1, sizeof(*map));
  if (!lopts || !map) {
    fprintf(stderr, "bmdstream analyze: out of memory\n");
    goto done;
  }
  lopts[0] = (struct option){"matrix", required_argument, NULL, OPT_MATRIX};
  lopts[1] = (struct option){"out", required_argument, NULL, OPT_OUT};
  lopts[2] = (struct option){"log", required_argument, NULL, OPT_LOG};
  lopts[3] = (struct option){"threads", required_argument, NULL, OPT_THREADS};
  lopts[4] = (struct option){"help", no_argument, NULL, OPT_HELP};
  size_t k = 0;
  for (size_t s = 0; s < N_STAGES; s++)
    for (size_t i = 0; i < stages[s]->n_opts; i++, k++) {
      map[k] = &stages[s]->opts[i];
      lopts[5 + k] =
          (struct option){map[k]->name, map[k]->has_arg ? required_argument : no_argument, NULL,
                          OPT_STAGE + (int)k};
    }

  /* stage defaults */
  ctx.prefilter = BS_PREFILTER_ANOVA;
  ctx.pf = bmd_prefilter_options_default();
  ctx.permutations = 10000;
  ctx.seed = 23524;

  optind = 1;
  opterr = 1;
  int c;
  while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
    char *end = NULL;
    switch (c) {
    case OPT_MATRIX:
      ctx.matrix_path = optarg;
      break;
    case OPT_OUT:
      ctx.out_dir = optarg;
      break;
    case OPT_LOG:
      if (parse_log(&ctx, optarg, &log_base) != 0)
        goto done;
      break;
    case OPT_THREADS: {
      errno = 0;
      unsigned long v = strtoul(optarg, &end, 10);
      if (errno || *end || v < 1 || v > 256) {
        fprintf(stderr, "bmdstream analyze: --threads: '%s' is not 1..256\n", optarg);
        goto done;
      }
      ctx.threads = (unsigned)v;
      break;
    }
    case 'h':
    case OPT_HELP:
      usage(stdout);
      rc = 0;
      goto done;
    default:
      if (c >= OPT_STAGE && (size_t)(c - OPT_STAGE) < n_stage_opts) {
        if (map[c - OPT_STAGE]->parse(&ctx, optarg) != 0)
          goto done;
        break;
      }
      usage(stderr);
      goto done;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "bmdstream analyze: unexpected argument '%s'\n", argv[optind]);
    goto done;
  }
  if (!ctx.matrix_path || !ctx.out_dir) {
    fprintf(stderr, "bmdstream analyze: --matrix and --out are required\n");
    usage(stderr);
    goto done;
  }

  char err[512];
  bs_import_limits lim = bs_import_limits_default();
  if (bs_matrix_import_file(ctx.matrix_path, &lim, log_base, &ctx.ds, err, sizeof(err)) != 0) {
    fprintf(stderr, "bmdstream analyze: %s\n", err);
    rc = 1;
    goto done;
  }
  if (mkdir(ctx.out_dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bmdstream analyze: cannot create %s: %s\n", ctx.out_dir, strerror(errno));
    rc = 1;
    goto done;
  }
  for (size_t s = 0; s < N_STAGES; s++) {
    int src = stages[s]->run(&ctx);
    if (src != 0) {
      rc = src;
      goto done;
    }
  }
  rc = 0;
done:
  free(lopts);
  free(map);
  ctx_free(&ctx);
  return rc;
}
