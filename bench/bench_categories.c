/*
 * bench_categories.c - time of the category analysis (mapping, filters,
 * gene means, per-category statistics, Fisher) and the tPOD on annotation
 * files, with a synthetic BMD result for every probe of the probe map.
 *
 *   bench_categories PROBE_MAP (CATEGORY_MAP | --gene-level) [REPEAT=50]
 *
 * Prints milliseconds per run, probes, genes passing, categories written.
 */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmd/category.h"
#include "bmd/tpod.h"
#include "bs/annotation.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64*: a fixed pseudo-random stream in [0, 1) */
static double unit(uint64_t *s) {
  *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  if (argc < 3) {
    fprintf(stderr, "usage: bench_categories PROBE_MAP (CATEGORY_MAP | --gene-level) [REPEAT]\n");
    return 2;
  }
  int gene_level = strcmp(argv[2], "--gene-level") == 0;
  int repeat = argc > 3 ? atoi(argv[3]) : 50;
  char err[1024];
  bmd_annotation *an =
      bs_annotation_load(argv[1], gene_level ? NULL : argv[2], NULL, gene_level, err, sizeof(err));
  if (!an) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  /* one synthetic best-model result per row of the probe map */
  FILE *f = fopen(argv[1], "r");
  char line[4096];
  size_t n = 0, cap = 4096;
  char **ids = malloc(cap * sizeof(*ids));
  bmd_cat_probe *p = malloc(cap * sizeof(*p));
  uint64_t s = 88172645463325252ull;
  if (!f || !fgets(line, sizeof(line), f))
    return 1;
  while (fgets(line, sizeof(line), f)) {
    char *tab = strchr(line, '\t');
    if (!tab)
      continue;
    *tab = '\0';
    if (n == cap) {
      cap *= 2;
      ids = realloc(ids, cap * sizeof(*ids));
      p = realloc(p, cap * sizeof(*p));
    }
    ids[n] = strdup(line);
    double bmd = exp(log(0.5) + unit(&s) * (log(4000) - log(0.5)));
    p[n] = (bmd_cat_probe){ids[n],
                           bmd,
                           bmd / (1.05 + 7 * unit(&s)),
                           bmd * (1.05 + 7 * unit(&s)),
                           unit(&s),
                           unit(&s),
                           1 + unit(&s),
                           unit(&s) < 0.5 ? 1 : -1,
                           "Hill",
                           0,
                           0};
    n++;
  }
  fclose(f);
  bmd_category_options opt = bmd_category_options_default();
  double t0 = now();
  size_t genes = 0, cats = 0;
  for (int r = 0; r < repeat; r++) {
    bmd_category_analysis *ca =
        bmd_category_run(an, p, n, NULL, 0, 1499.72, 4.74, &opt, err, sizeof(err));
    if (!ca) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    bmd_tpod t;
    bmd_tpod_compute(ca, NULL, &t);
    genes = bmd_category_n_genes(ca);
    cats = bmd_category_n_results(ca);
    bmd_category_analysis_destroy(ca);
  }
  double ms = (now() - t0) * 1000 / repeat;
  printf("category analysis + tPOD: %.2f ms per run (%d runs); %zu probe rows, %zu genes "
         "passing, %zu categories\n",
         ms, repeat, n, genes, cats);
  for (size_t i = 0; i < n; i++)
    free(ids[i]);
  free(ids);
  free(p);
  bmd_annotation_destroy(an);
  return 0;
}
