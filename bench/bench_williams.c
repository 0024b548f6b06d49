/*
 * bench_williams.c - throughput of the Williams permutation test on a
 * synthetic matrix (fixed RNG): probes x samples in equal dose groups,
 * B permutations, with 1 thread and with T threads.
 *
 * usage: bench_williams [probes [samples [groups [permutations [threads]]]]]
 * defaults: 50000 40 8 10000 2 (the issue-3 target: < 10 s, < 200 MB).
 * Prints wall time and probes/s per run, the T-thread / 1-thread speed-up,
 * CPU time per run (on a shared machine wall/CPU shows the contention) and
 * the peak RSS of the process (getrusage).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "bmd/dataset.h"
#include "bmd/williams.h"

static double now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64* for the synthetic data, Box-Muller normals */
static double uniform01(uint64_t *x) {
  *x ^= *x >> 12;
  *x ^= *x << 25;
  *x ^= *x >> 27;
  return ((double)((*x * UINT64_C(2685821657736338717)) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(uint64_t *x) {
  double u = uniform01(x), v = uniform01(x);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static size_t arg(int argc, char **argv, int i, size_t def) {
  return argc > i ? (size_t)strtoull(argv[i], NULL, 10) : def;
}

static int run(const bmd_dataset *ds, unsigned perms, unsigned threads, double *stat, double *p,
               double *secs) {
  bmd_williams_options o = bmd_williams_options_default();
  o.permutations = perms;
  o.threads = threads;
  char err[256];
  double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
  if (bmd_williams_run(ds, &o, stat, p, err, sizeof(err)) != 0) {
    fprintf(stderr, "bench_williams: %s\n", err);
    return -1;
  }
  *secs = now(CLOCK_MONOTONIC) - t0;
  double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
  /* CPU time shows how much of the wall time other processes took */
  printf("threads %u: %.3f s wall, %.3f s CPU, %.0f probes/s\n", threads, *secs, cpu,
         (double)ds->n_probes / *secs);
  return 0;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  size_t n_probes = arg(argc, argv, 1, 50000), n = arg(argc, argv, 2, 40);
  size_t n_groups = arg(argc, argv, 3, 8);
  unsigned perms = (unsigned)arg(argc, argv, 4, 10000), threads = (unsigned)arg(argc, argv, 5, 2);
  if (n_groups < 2 || n <= n_groups || n_probes == 0) {
    fprintf(stderr, "bench_williams: need probes > 0, groups >= 2, samples > groups\n");
    return 2;
  }
  bmd_dataset *ds = bmd_dataset_new(n_probes, n);
  double *stat = malloc(n_probes * sizeof(double)), *p = malloc(n_probes * sizeof(double));
  double *p1 = malloc(n_probes * sizeof(double));
  if (!ds || !stat || !p || !p1) {
    fprintf(stderr, "bench_williams: out of memory\n");
    return 1;
  }
  uint64_t x = UINT64_C(0x243F6A8885A308D3);
  for (size_t s = 0; s < n; s++)
    ds->doses[s] = (double)(s * n_groups / n); /* groups as equal as possible */
  for (size_t q = 0; q < n_probes; q++) {
    /* one probe in ten has a monotone trend */
    double slope = q % 10 == 0 ? 0.3 * (q % 20 == 0 ? 1 : -1) : 0.0;
    for (size_t s = 0; s < n; s++)
      ds->values[q * n + s] = 8.0 + slope * ds->doses[s] + normal(&x);
  }
  if (bmd_dataset_group(ds) != 0) {
    fprintf(stderr, "bench_williams: out of memory\n");
    return 1;
  }
  printf("Williams: %zu probes x %zu samples, %zu dose groups, %u permutations\n", n_probes, n,
         ds->n_groups, perms);
  double t1, tn;
  if (run(ds, perms, 1, stat, p1, &t1) != 0 || run(ds, perms, threads, stat, p, &tn) != 0)
    return 1;
  size_t same = memcmp(p, p1, n_probes * sizeof(double)) == 0, sig = 0;
  for (size_t q = 0; q < n_probes; q++)
    sig += p[q] <= 0.01;
  printf("speed-up %u threads / 1 thread: %.2f; results identical: %s\n", threads, t1 / tn,
         same ? "yes" : "NO");
  printf("probes with p <= 0.01: %zu (%zu have a planted trend)\n", sig, (n_probes + 9) / 10);
  /* FNV-1a over the statistic and p-value bits: compare across builds
   * (e.g. the AVX2 clone against the baseline path) */
  uint64_t h = UINT64_C(1469598103934665603);
  for (size_t q = 0; q < n_probes; q++) {
    uint64_t bits[2];
    memcpy(&bits[0], &stat[q], sizeof(double));
    memcpy(&bits[1], &p[q], sizeof(double));
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < 64; i += 8)
        h = (h ^ ((bits[k] >> i) & 0xff)) * UINT64_C(1099511628211);
  }
  printf("result checksum: %016llx\n", (unsigned long long)h);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("peak RSS: %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
  bmd_dataset_destroy(ds);
  free(stat);
  free(p);
  free(p1);
  return same ? 0 : 1;
}
