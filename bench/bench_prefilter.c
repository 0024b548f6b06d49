/*
 * bench_prefilter.c - throughput of the deterministic prefilters (one-way
 * ANOVA, fold change, NOTEL/LOTEL Welch t-tests, and the whole flow with BH)
 * on BMDExpress matrices and on a synthetic matrix; prints probes per second
 * and the peak resident memory (getrusage). Single thread.
 *
 *   bench_prefilter [--reps R] [--synthetic PROBESxSAMPLES] [FILE...]
 *
 * Without files it reads the three example matrices under
 * tests/data/bmdexpress/ (run it from the source tree). The synthetic matrix
 * has 8 dose groups of equal size, normal noise from a fixed-seed LCG.
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

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

/* Box-Muller normal from a 64-bit LCG (Knuth's MMIX constants). */
static double normal(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  double u1 = ((double)(*s >> 11) + 1.0) / 9007199254740993.0;
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  double u2 = (double)(*s >> 11) / 9007199254740992.0;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static bmd_dataset *synthetic(size_t np, size_t ns) {
  bmd_dataset *ds = bmd_dataset_new(np, ns);
  if (!ds)
    return NULL;
  size_t groups = 8, per = ns / groups ? ns / groups : 1;
  uint64_t seed = 12345;
  for (size_t s = 0; s < ns; s++) {
    size_t g = s / per < groups ? s / per : groups - 1;
    ds->doses[s] = g == 0 ? 0.0 : pow(3.0, (double)g);
    char id[32];
    snprintf(id, sizeof(id), "S%zu", s);
    ds->sample_ids[s] = strdup(id);
  }
  for (size_t p = 0; p < np; p++) {
    char id[32];
    snprintf(id, sizeof(id), "P%zu", p);
    ds->probe_ids[p] = strdup(id);
    double slope = (p % 10 == 0) ? 0.3 : 0.0; /* one probe in ten responds */
    for (size_t s = 0; s < ns; s++) {
      double y = 8.0 + slope * log1p(ds->doses[s]) + 0.3 * normal(&seed);
      ds->values[p * ns + s] = (double)(float)y;
    }
  }
  ds->log_base = BMD_LOG_BASE2;
  if (bmd_dataset_group(ds) != 0) {
    bmd_dataset_destroy(ds);
    return NULL;
  }
  return ds;
}

static int bench(const char *name, const bmd_dataset *ds, int reps) {
  size_t np = ds->n_probes, k = ds->n_groups - 1;
  double *fc = malloc((k ? k : 1) * sizeof(*fc));
  double *tp = malloc((k ? k : 1) * sizeof(*tp));
  double *p = malloc((np ? np : 1) * sizeof(*p));
  if (!fc || !tp || !p) {
    free(fc);
    free(tp);
    free(p);
    return -1;
  }
  double sink = 0.0;
  double t0 = now();
  for (int r = 0; r < reps; r++)
    for (size_t i = 0; i < np; i++) {
      bmd_anova a = bmd_anova_probe(ds, i);
      p[i] = a.p;
      sink += isnan(a.f) ? 0.0 : a.f;
    }
  double t_anova = now() - t0;
  t0 = now();
  for (int r = 0; r < reps; r++)
    for (size_t i = 0; i < np; i++)
      sink += bmd_fold_changes(ds, i, fc);
  double t_fold = now() - t0;
  t0 = now();
  for (int r = 0; r < reps; r++)
    for (size_t i = 0; i < np; i++)
      sink += (double)bmd_notel_lotel(ds, i, fc, 2.0, 0.05, tp);
  double t_notel = now() - t0;
  bmd_prefilter_options o = bmd_prefilter_options_default();
  char err[256];
  size_t passed = 0;
  t0 = now();
  for (int r = 0; r < reps; r++) {
    bmd_prefilter_result *res = NULL;
    if (bmd_prefilter_run(ds, p, &o, &res, err, sizeof(err)) != 0) {
      fprintf(stderr, "bench_prefilter: %s\n", err);
      free(fc);
      free(tp);
      free(p);
      return -1;
    }
    passed = res->n_passed;
    bmd_prefilter_result_destroy(res);
  }
  double t_flow = now() - t0;
  double n = (double)np * reps;
  printf("%-24s %7zu probes x %3zu samples, %zu groups, reps %d\n", name, np, ds->n_samples,
         ds->n_groups, reps);
  printf("  anova        %12.0f probes/s\n", n / t_anova);
  printf("  fold change  %12.0f probes/s\n", n / t_fold);
  printf("  notel/lotel  %12.0f probes/s\n", n / t_notel);
  printf("  whole flow   %12.0f probes/s (fold+notel+BH+filters; %zu passed)\n", n / t_flow,
         passed);
  printf("  peak RSS     %12.1f MB   (checksum %.6g)\n", peak_rss_mb(), sink);
  free(fc);
  free(tp);
  free(p);
  return 0;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  int reps = 5;
  size_t syn_p = 50000, syn_s = 40;
  const char *files[64];
  size_t nfiles = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
      reps = atoi(argv[++i]);
    else if (strcmp(argv[i], "--synthetic") == 0 && i + 1 < argc) {
      if (sscanf(argv[++i], "%zux%zu", &syn_p, &syn_s) != 2) {
        fprintf(stderr, "bench_prefilter: --synthetic PROBESxSAMPLES\n");
        return 2;
      }
    } else if (nfiles < 64)
      files[nfiles++] = argv[i];
  }
  if (reps < 1)
    reps = 1;
  static const char *const defaults[] = {"tests/data/bmdexpress/example data 1.txt",
                                         "tests/data/bmdexpress/example data 2.txt",
                                         "tests/data/bmdexpress/example data 3.txt"};
  if (nfiles == 0)
    for (size_t i = 0; i < 3; i++)
      files[nfiles++] = defaults[i];

  bs_import_limits lim = bs_import_limits_default();
  for (size_t f = 0; f < nfiles; f++) {
    bmd_dataset *ds = NULL;
    char err[512];
    if (bs_matrix_import_file(files[f], &lim, BMD_LOG_BASE2, &ds, err, sizeof(err)) != 0) {
      fprintf(stderr, "bench_prefilter: %s\n", err);
      return 1;
    }
    const char *base = strrchr(files[f], '/');
    int rc = bench(base ? base + 1 : files[f], ds, reps);
    bmd_dataset_destroy(ds);
    if (rc != 0)
      return 1;
  }
  if (syn_p > 0 && syn_s >= 16) {
    bmd_dataset *ds = synthetic(syn_p, syn_s);
    if (!ds) {
      fprintf(stderr, "bench_prefilter: out of memory\n");
      return 1;
    }
    char name[64];
    snprintf(name, sizeof(name), "synthetic %zux%zu", syn_p, syn_s);
    int rc = bench(name, ds, reps > 2 ? 2 : reps);
    bmd_dataset_destroy(ds);
    if (rc != 0)
      return 1;
  }
  return 0;
}
