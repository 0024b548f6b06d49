/*
 * bench_prefilter.c - prefilter throughput: one-way ANOVA alone, and the
 * whole flow (ANOVA + BH + fold changes + NOTEL/LOTEL Welch tests + filters)
 * on the BMDExpress example matrices and on a synthetic 50,000 x 40 matrix
 * (8 doses x 5 replicates, seeded). Prints probes/s (single thread) and the
 * process's peak RSS (getrusage).
 *
 * usage: bench_prefilter [MATRIX...]   (run from the source directory, the
 * default matrices are tests/data/bmdexpress/example data {1,2,3}.txt)
 */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bmd/prefilter.h"
#include "bs/matrix_import.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long peak_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* xorshift64* and Box-Muller, for a reproducible synthetic matrix. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 2685821657736338717ULL) >> 11) * 0x1.0p-53 + 0x1.0p-54;
}
static double gauss(void) {
  return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform());
}

static bmd_dataset *synthetic(size_t probes, size_t doses, size_t reps) {
  size_t n = doses * reps;
  bmd_dataset *ds = bmd_dataset_new(probes, n);
  if (!ds)
    return NULL;
  for (size_t s = 0; s < n; s++) {
    char id[32];
    snprintf(id, sizeof(id), "S%zu", s);
    ds->sample_ids[s] = strdup(id);
    ds->doses[s] = s / reps == 0 ? 0.0 : pow(3.0, (double)(s / reps));
  }
  for (size_t p = 0; p < probes; p++) {
    char id[32];
    snprintf(id, sizeof(id), "probe_%zu", p);
    ds->probe_ids[p] = strdup(id);
    double effect = p % 10 == 0 ? 0.4 * gauss() : 0.0; /* 10% respond */
    double base = 6.0 + 4.0 * uniform();
    for (size_t s = 0; s < n; s++)
      ds->values[p * n + s] = (double)(float)(base + effect * (double)(s / reps) + 0.3 * gauss());
  }
  ds->log_base = BMD_LOG_BASE2;
  if (bmd_dataset_group(ds) != 0) {
    bmd_dataset_destroy(ds);
    return NULL;
  }
  return ds;
}

static int bench(const char *name, const bmd_dataset *ds) {
  double *p = malloc(ds->n_probes * sizeof(double));
  if (!p)
    return -1;
  bmd_prefilter_options opt = bmd_prefilter_options_default();
  char err[256];
  /* repeat until at least a second has passed */
  double t_anova = 0, t_flow = 0;
  size_t rounds = 0, passed = 0;
  double checksum = 0;
  while (t_anova + t_flow < 1.0 || rounds < 3) {
    double t0 = now();
    for (size_t i = 0; i < ds->n_probes; i++)
      p[i] = bmd_anova_probe(ds, i).p;
    double t1 = now();
    bmd_prefilter_result *r = NULL;
    if (bmd_prefilter_run(ds, p, &opt, &r, err, sizeof(err)) != 0) {
      fprintf(stderr, "bench_prefilter: %s\n", err);
      free(p);
      return -1;
    }
    double t2 = now();
    passed = r->n_passed;
    checksum = 0;
    for (size_t i = 0; i < ds->n_probes; i++)
      checksum += isnan(r->p_adj[i]) ? 0 : r->p_adj[i];
    bmd_prefilter_result_destroy(r);
    t_anova += t1 - t0;
    t_flow += t2 - t0;
    rounds++;
  }
  double probes = (double)ds->n_probes * (double)rounds;
  printf("%-28s %7zu x %3zu  groups %zu  anova %10.0f probes/s  full flow %9.0f probes/s  "
         "passed %zu  sum(q) %.6f  (%zu rounds)\n",
         name, ds->n_probes, ds->n_samples, ds->n_groups, probes / t_anova, probes / t_flow, passed,
         checksum, rounds);
  free(p);
  return 0;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  const char *defaults[] = {"tests/data/bmdexpress/example data 1.txt",
                            "tests/data/bmdexpress/example data 2.txt",
                            "tests/data/bmdexpress/example data 3.txt"};
  const char **files = argc > 1 ? (const char **)(argv + 1) : defaults;
  size_t nfiles = argc > 1 ? (size_t)(argc - 1) : 3;
  printf("bench_prefilter: single thread; full flow = ANOVA + BH + fold changes + NOTEL/LOTEL "
         "Welch tests + filters\n");
  for (size_t f = 0; f < nfiles; f++) {
    char err[512];
    bmd_dataset *ds = NULL;
    if (bs_matrix_import_file(files[f], NULL, BMD_LOG_BASE2, &ds, err, sizeof(err)) != 0) {
      fprintf(stderr, "bench_prefilter: %s\n", err);
      return 1;
    }
    const char *base = strrchr(files[f], '/');
    int rc = bench(base ? base + 1 : files[f], ds);
    bmd_dataset_destroy(ds);
    if (rc != 0)
      return 1;
  }
  long rss_before = peak_rss_kib();
  double t0 = now();
  bmd_dataset *syn = synthetic(50000, 8, 5);
  if (!syn) {
    fprintf(stderr, "bench_prefilter: out of memory\n");
    return 1;
  }
  printf("synthetic matrix built in %.2f s\n", now() - t0);
  int rc = bench("synthetic 50000x40", syn);
  bmd_dataset_destroy(syn);
  printf("peak RSS %ld KiB (%ld KiB before the synthetic matrix)\n", peak_rss_kib(), rss_before);
  return rc ? 1 : 0;
}
