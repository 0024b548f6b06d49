/*
 * test_probes.c - the many-probe BMD driver: results equal single fits,
 * do not depend on the thread count, and report progress; fitted in
 * chunks with the across-probe steps deferred, then finished whole, they
 * equal one fit of every probe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/probes.h"

/* A small dataset: 5 doses x 3 replicates, probes with and without trend. */
static bmd_dataset *make_dataset(size_t n_probes) {
  static const double doses[] = {0, 1, 3, 10, 30};
  bmd_dataset *ds = bmd_dataset_new(n_probes, 15);
  uint64_t state = 12345;
  for (size_t s = 0; s < 15; s++)
    ds->doses[s] = doses[s / 3];
  for (size_t p = 0; p < n_probes; p++) {
    char id[32];
    snprintf(id, sizeof(id), "probe_%zu", p);
    ds->probe_ids[p] = strdup(id);
    double slope = (p % 3 == 0) ? 0.0 : 0.05 * (double)(p % 7 + 1);
    for (size_t s = 0; s < 15; s++) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      double noise = ((double)(state >> 11) / 9007199254740992.0 - 0.5) * 0.4;
      ds->values[p * 15 + s] = 8.0 + slope * ds->doses[s] / (1.0 + ds->doses[s] / 20.0) + noise;
    }
  }
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  return ds;
}

static size_t calls, last_done;
static void progress(void *opaque, size_t done, size_t total) {
  (void)opaque;
  assert_true(done <= total);
  assert_true(done > last_done);
  last_done = done;
  calls++;
}

static void test_thread_count_invariance(void **state) {
  (void)state;
  bmd_dataset *ds = make_dataset(12);
  bmd_probes_options opt = bmd_probes_options_default();
  opt.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_POWER) | (1u << BMD_MODEL_LINEAR) |
                   (1u << BMD_MODEL_POLY2) | (1u << BMD_MODEL_EXP3) | (1u << BMD_MODEL_EXP5);
  bmd_probe_fit *one = calloc(12, sizeof(*one)), *three = calloc(12, sizeof(*three));
  char err[256];
  opt.progress = progress;
  assert_int_equal(bmd_probes_fit(ds, NULL, 12, &opt, one, err, sizeof(err)), 0);
  assert_int_equal(calls, 12);
  assert_int_equal(last_done, 12);
  opt.progress = NULL;
  opt.threads = 3;
  assert_int_equal(bmd_probes_fit(ds, NULL, 12, &opt, three, err, sizeof(err)), 0);
  for (size_t i = 0; i < 12; i++) {
    assert_int_equal(one[i].probe, i);
    assert_int_equal(one[i].n_models, 6);
    assert_int_equal(one[i].best.best, three[i].best.best);
    for (size_t m = 0; m < one[i].n_models; m++) {
      /* bit-identical: the same code on the same data, whatever the thread */
      assert_memory_equal(&one[i].fits[m].bmd, &three[i].fits[m].bmd, sizeof(double));
      assert_memory_equal(&one[i].fits[m].aic, &three[i].fits[m].aic, sizeof(double));
    }
  }
  free(one);
  free(three);
  bmd_dataset_destroy(ds);
}

static void test_matches_single_fits(void **state) {
  (void)state;
  bmd_dataset *ds = make_dataset(4);
  bmd_probes_options opt = bmd_probes_options_default();
  opt.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_LINEAR);
  size_t subset[] = {2, 1};
  bmd_probe_fit out[2];
  char err[256];
  assert_int_equal(bmd_probes_fit(ds, subset, 2, &opt, out, err, sizeof(err)), 0);
  for (size_t i = 0; i < 2; i++) {
    assert_int_equal(out[i].probe, subset[i]);
    bmd_suffstat *ss = bmd_suffstat_new(ds->n_groups);
    assert_int_equal(bmd_probe_suffstat(ds, subset[i], ss), 0);
    /* The group statistics equal the reduction of the individual values. */
    bmd_suffstat *ref = NULL;
    assert_int_equal(bmd_suffstat_from_individual(ds->doses, bmd_dataset_row(ds, subset[i]),
                                                  ds->n_samples, &ref, err, sizeof(err)),
                     0);
    for (size_t g = 0; g < ds->n_groups; g++) {
      assert_true(fabs(ss->mean[g] - ref->mean[g]) < 1e-12);
      assert_true(fabs(ss->sd[g] - ref->sd[g]) < 1e-12);
    }
    bmd_fit_result r;
    assert_int_equal(bmd_fit_run(ss, BMD_MODEL_LINEAR, &opt.fit, NULL, &r, err, sizeof(err)), 0);
    assert_true(r.aic == out[i].fits[1].aic || (isnan(r.aic) && isnan(out[i].fits[1].aic)));
    assert_true(r.bmd == out[i].fits[1].bmd || (isnan(r.bmd) && isnan(out[i].fits[1].bmd)));
    bmd_suffstat_destroy(ss);
    bmd_suffstat_destroy(ref);
  }
  size_t bad[] = {99};
  assert_int_equal(bmd_probes_fit(ds, bad, 1, &opt, out, err, sizeof(err)), -1);
  opt.model_mask = 0;
  assert_int_equal(bmd_probes_fit(ds, NULL, 4, &opt, out, err, sizeof(err)), -1);
  bmd_dataset_destroy(ds);
}

/* Flagged-Hill options 4 and 5 look across probes: chunks fitted with
 * defer_across, concatenated, then bmd_probes_finish, give exactly the
 * whole fit's results (the BMD stage's fan-out, docs/architecture.md). */
static void test_chunks_then_finish_equal_whole(void **state) {
  (void)state;
  enum { N = 24 };
  bmd_dataset *ds = make_dataset(N);
  static const bmd_flagged_hill options[] = {BMD_HILL_MODIFY_BMD, BMD_HILL_NEXT_BEST,
                                             BMD_HILL_INCLUDE};
  static const size_t bounds[] = {0, 7, 15, N}; /* three chunks of unequal size */
  char err[256];
  for (size_t o = 0; o < sizeof(options) / sizeof(options[0]); o++) {
    bmd_probes_options opt = bmd_probes_options_default();
    opt.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_POWER) | (1u << BMD_MODEL_LINEAR) |
                     (1u << BMD_MODEL_EXP3);
    opt.select.flagged_hill = options[o];
    opt.select.hill_k_fraction = 50.0; /* flag many Hill fits: the option has work to do */
    bmd_probe_fit *whole = calloc(N, sizeof(*whole)), *parts = calloc(N, sizeof(*parts));
    size_t rows[N];
    for (size_t i = 0; i < N; i++)
      rows[i] = i;
    assert_int_equal(bmd_probes_fit(ds, rows, N, &opt, whole, err, sizeof(err)), 0);
    opt.defer_across = 1;
    for (size_t c = 0; c + 1 < sizeof(bounds) / sizeof(bounds[0]); c++)
      assert_int_equal(bmd_probes_fit(ds, rows + bounds[c], bounds[c + 1] - bounds[c], &opt,
                                      parts + bounds[c], err, sizeof(err)),
                       0);
    size_t deferred = 0;
    for (size_t i = 0; i < N; i++)
      deferred += parts[i].best.needs_hill_fix != 0;
    /* options 4 and 5 leave flagged Hill fits for the finish */
    assert_true(options[o] == BMD_HILL_INCLUDE ? deferred == 0 : deferred > 0);
    assert_int_equal(bmd_probes_finish(ds, parts, N, &opt, err, sizeof(err)), 0);
    for (size_t i = 0; i < N; i++) {
      assert_int_equal(parts[i].probe, whole[i].probe);
      assert_int_equal(parts[i].best.best, whole[i].best.best);
      assert_int_equal(parts[i].best.best_model, whole[i].best.best_model);
      assert_int_equal(parts[i].best.hill_flag, whole[i].best.hill_flag);
      assert_int_equal(parts[i].best.needs_hill_fix, 0);
      assert_memory_equal(&parts[i].best.bmd, &whole[i].best.bmd, sizeof(double));
      assert_memory_equal(&parts[i].best.bmdl, &whole[i].best.bmdl, sizeof(double));
      assert_memory_equal(&parts[i].best.bmdu, &whole[i].best.bmdu, sizeof(double));
      assert_memory_equal(&parts[i].best_metrics, &whole[i].best_metrics,
                          sizeof(whole[i].best_metrics));
    }
    free(whole);
    free(parts);
  }
  bmd_dataset_destroy(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_thread_count_invariance),
      cmocka_unit_test(test_matches_single_fits),
      cmocka_unit_test(test_chunks_then_finish_equal_whole),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
