/*
 * bench_fit.c - throughput of the full BMD analysis: every probe of a
 * BMDExpress expression file (first row sample ids, second row "Dose",
 * then one probe per row, tab-separated), ten models, constant (default)
 * or non-constant variance, 1 SD BMR, profile BMDL/BMDU, no prefilter, on
 * T threads.
 *
 *   bench_fit FILE [THREADS=2] [MAX_PROBES=0 (all)] [constant|nonconstant]
 *
 * Prints probes per second, fits per second, peak memory, and the mean
 * time per fit of the six models pybmds also has (Hill, Power, Linear,
 * Poly 2, Exp 3, Exp 5) on the first 20 probes without a zero-SD dose
 * group, single-threaded, for
 * bench/bench_fit_pybmds.py to compare.
 */
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmd/fit.h"
#include "bmd/select.h"

typedef struct job {
  size_t n_probes, n_samples;
  const double *dose;
  const double *values;
  size_t first, step;
  size_t fits;
  int failed;
  bmd_variance variance;
} job;

/* Peak resident memory of this process in MB: VmHWM of /proc/self/status,
 * which starts afresh at exec (getrusage's ru_maxrss keeps the peak of the
 * process that exec'd us, e.g. a Python driver's) */
static double peak_rss_mb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  double kb = -1;
  while (f && fgets(line, sizeof(line), f))
    if (sscanf(line, "VmHWM: %lf kB", &kb) == 1)
      break;
  if (f)
    fclose(f);
  return kb / 1024.0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void *worker(void *arg) {
  job *j = arg;
  bmd_fit_options opt = bmd_fit_options_default();
  opt.variance = j->variance;
  bmd_select_options so = bmd_select_options_default();
  bmd_fit_result res[BMD_MODEL_COUNT];
  char err[256];
  bmd_fit_memo *memo = bmd_fit_memo_new(); /* as bmd_probes_fit: one per thread */
  for (size_t p = j->first; p < j->n_probes; p += j->step) {
    bmd_suffstat *ss = NULL;
    if (bmd_suffstat_from_individual(j->dose, j->values + p * j->n_samples, j->n_samples, &ss, err,
                                     sizeof(err)) != 0) {
      j->failed++;
      continue;
    }
    bmd_aod aod;
    if (bmd_aod_compute(ss, opt.variance, &aod) != 0) {
      bmd_suffstat_destroy(ss);
      j->failed++;
      continue;
    }
    for (int m = 0; m < BMD_MODEL_COUNT; m++) {
      if (bmd_fit_run_memo(ss, (bmd_model)m, &opt, &aod, memo, &res[m], err, sizeof(err)) != 0)
        j->failed++;
      j->fits++;
    }
    bmd_select_result sel;
    bmd_select_best(res, BMD_MODEL_COUNT, ss, &so, &sel);
    bmd_suffstat_destroy(ss);
  }
  bmd_fit_memo_destroy(memo);
  return NULL;
}

static int read_matrix(const char *path, double **dose, double **values, size_t *np, size_t *ns) {
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char *line = NULL;
  size_t cap = 0, rows = 0, cols = 0, room = 0;
  double *v = NULL, *d = NULL;
  while (getline(&line, &cap, f) >= 0) {
    rows++;
    if (rows == 1) {
      for (char *c = line; *c; c++)
        cols += *c == '\t';
      d = calloc(cols, sizeof(double));
      continue;
    }
    char *save = NULL, *tok = strtok_r(line, "\t\r\n", &save);
    double *dst;
    if (rows == 2) {
      dst = d;
    } else {
      if (*np == room) {
        room = room ? 2 * room : 1024;
        v = realloc(v, room * cols * sizeof(double));
      }
      dst = v + *np * cols;
      (*np)++;
    }
    for (size_t c = 0; c < cols; c++) {
      tok = strtok_r(NULL, "\t\r\n", &save);
      dst[c] = tok ? strtod(tok, NULL) : 0.0;
    }
  }
  free(line);
  fclose(f);
  *dose = d;
  *values = v;
  *ns = cols;
  return 0;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  if (argc < 2) {
    fprintf(stderr, "usage: bench_fit FILE [THREADS] [MAX_PROBES] [constant|nonconstant]\n");
    return 2;
  }
  bmd_variance variance = BMD_VARIANCE_CONSTANT;
  if (argc > 4) {
    if (strcmp(argv[4], "nonconstant") == 0) {
      variance = BMD_VARIANCE_NONCONSTANT;
    } else if (strcmp(argv[4], "constant") != 0) {
      fprintf(stderr, "bench_fit: variance '%s' is not constant or nonconstant\n", argv[4]);
      return 2;
    }
  }
  int threads = argc > 2 ? atoi(argv[2]) : 2;
  size_t maxp = argc > 3 ? (size_t)atol(argv[3]) : 0;
  double *dose = NULL, *values = NULL;
  size_t np = 0, ns = 0;
  if (read_matrix(argv[1], &dose, &values, &np, &ns) != 0) {
    perror(argv[1]);
    return 1;
  }
  if (maxp && maxp < np)
    np = maxp;

  /* per-fit time of the six pybmds models on the first 20 probes, 1 thread */
  const bmd_model six[] = {BMD_MODEL_HILL,  BMD_MODEL_POWER, BMD_MODEL_LINEAR,
                           BMD_MODEL_POLY2, BMD_MODEL_EXP3,  BMD_MODEL_EXP5};
  bmd_fit_options opt = bmd_fit_options_default();
  opt.variance = variance;
  size_t nsmall = 20, nfit = 0, used = 0;
  double t0 = now();
  for (size_t p = 0; p < np && used < nsmall; p++) {
    bmd_suffstat *ss = NULL;
    char err[256];
    if (bmd_suffstat_from_individual(dose, values + p * ns, ns, &ss, err, sizeof(err)) != 0)
      continue;
    int zero_sd = 0; /* pybmds refuses these: skip them on both sides */
    for (size_t g = 0; g < ss->n_groups; g++)
      zero_sd |= !(ss->sd[g] > 0);
    if (zero_sd) {
      bmd_suffstat_destroy(ss);
      continue;
    }
    used++;
    for (size_t m = 0; m < 6; m++) {
      bmd_fit_result r;
      if (bmd_fit_run(ss, six[m], &opt, NULL, &r, err, sizeof(err)) == 0)
        nfit++;
    }
    bmd_suffstat_destroy(ss);
  }
  double per_fit = (now() - t0) / (double)(nfit ? nfit : 1);

  job *jobs = calloc((size_t)threads, sizeof(job));
  pthread_t *tid = calloc((size_t)threads, sizeof(pthread_t));
  t0 = now();
  for (int t = 0; t < threads; t++) {
    jobs[t] = (job){np, ns, dose, values, (size_t)t, (size_t)threads, 0, 0, variance};
    pthread_create(&tid[t], NULL, worker, &jobs[t]);
  }
  size_t fits = 0;
  int failed = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(tid[t], NULL);
    fits += jobs[t].fits;
    failed += jobs[t].failed;
  }
  double el = now() - t0;
  printf("probes=%zu samples=%zu threads=%d models=10 variance=%s elapsed_s=%.3f probes_per_s=%.1f "
         "fits_per_s=%.1f failed=%d peak_rss_mb=%.1f\n",
         np, ns, threads, variance == BMD_VARIANCE_CONSTANT ? "constant" : "nonconstant", el,
         np / el, fits / el, failed, peak_rss_mb());
  printf("per_fit_s_six_models_first_%zu_probes=%.6g\n", nsmall, per_fit);
  free(jobs);
  free(tid);
  free(dose);
  free(values);
  return 0;
}
