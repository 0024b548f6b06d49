/*
 * bench_curvefit.c - curve-fit prefilter throughput (bmd/prefilter_curvefit.h):
 * a synthetic matrix of PROBES probes x 8 doses x REPS replicates (seeded,
 * 10% of probes responding), the filter flow without a fold filter (every
 * probe fitted: the worst case) and the fits of BMDExpress's six models
 * (Hill, Power, Linear, Poly 2, Exp 3, Exp 5; Wald limits) on THREADS
 * threads. Prints probes/s (wall clock), the fits' CPU time (user + system,
 * getrusage: the figure that does not depend on other load of the machine)
 * and the process's peak RSS.
 *
 * usage: bench_curvefit [PROBES [REPS [THREADS [MODELS]]]]
 *        (defaults 20000 3 2, MODELS comma-separated as --models: the six)
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
#include "bmd/prefilter_curvefit.h"

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

/* doses 0, 3, 9, ..., 3^7; a responder rises (or falls) as a Hill curve */
static bmd_dataset *synthetic(size_t probes, size_t reps) {
  const size_t doses = 8, n = doses * reps;
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
    double effect = p % 10 == 0 ? 2.0 * gauss() : 0.0, base = 6.0 + 4.0 * uniform();
    for (size_t s = 0; s < n; s++) {
      double d = ds->doses[s];
      ds->values[p * n + s] = (double)(float)(base + effect * d / (d + 100.0) + 0.3 * gauss());
    }
  }
  ds->log_base = BMD_LOG_BASE2;
  if (bmd_dataset_group(ds) != 0) {
    bmd_dataset_destroy(ds);
    return NULL;
  }
  return ds;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  size_t probes = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
  size_t reps = argc > 2 ? strtoul(argv[2], NULL, 10) : 3;
  unsigned threads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 2;
  bmd_curvefit_options co = bmd_curvefit_options_default();
  co.threads = threads;
  if (argc > 4) {
    co.model_mask = 0;
    char *list = strdup(argv[4]), *save = NULL;
    for (char *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save))
      co.model_mask |= bmd_model_parse(m) >= 0 ? 1u << bmd_model_parse(m) : 0;
    free(list);
  }
  if (probes == 0 || reps == 0 || threads == 0 || co.model_mask == 0) {
    fprintf(stderr, "usage: bench_curvefit [PROBES [REPS [THREADS [MODELS]]]]\n");
    return 2;
  }
  bmd_dataset *ds = synthetic(probes, reps);
  double *values = malloc(probes * BMD_CURVEFIT_COLUMNS * sizeof(double));
  unsigned char *pass = malloc(probes);
  size_t *rows = malloc(probes * sizeof(size_t));
  if (!ds || !values || !pass || !rows) {
    fprintf(stderr, "bench_curvefit: out of memory\n");
    return 1;
  }
  char err[256];
  bmd_prefilter_options po = bmd_prefilter_options_default();
  po.fold_threshold = 0;
  po.filter_controls = 0;
  double t0 = now();
  bmd_prefilter_result *r = NULL;
  if (bmd_prefilter_run(ds, NULL, &po, &r, err, sizeof(err)) != 0) {
    fprintf(stderr, "bench_curvefit: %s\n", err);
    return 1;
  }
  double t1 = now(), c1 = cpu_seconds();
  size_t n = 0;
  for (size_t i = 0; i < probes; i++)
    if (r->verdict[i] == BMD_PREFILTER_PASSED)
      rows[n++] = i;
  if (bmd_curvefit_run(ds, rows, n, &co, values, pass, err, sizeof(err)) != 0) {
    fprintf(stderr, "bench_curvefit: %s\n", err);
    return 1;
  }
  double t2 = now(), c2 = cpu_seconds();
  size_t passed = 0;
  for (size_t j = 0; j < n; j++)
    passed += pass[j];
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("curve-fit prefilter: %zu probes x %zu samples (8 doses x %zu), %u threads: "
         "flow %.2f s, fits %.2f s = %.0f probes/s; fits' CPU %.2f s = %.0f probes per "
         "CPU-second; %zu of %zu fitted pass; peak RSS %ld MiB\n",
         probes, ds->n_samples, reps, threads, t1 - t0, t2 - t1, (double)n / (t2 - t1), c2 - c1,
         (double)n / (c2 - c1), passed, n, ru.ru_maxrss / 1024);
  bmd_prefilter_result_destroy(r);
  bmd_dataset_destroy(ds);
  free(values);
  free(pass);
  free(rows);
  return 0;
}
