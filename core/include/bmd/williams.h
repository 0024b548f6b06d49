/*
 * bmd/williams.h - Williams' trend test (Williams 1971, 1972) as the
 * BMDExpress "Williams trend" prefilter: per probe, the two-sided statistic
 * T = max(t_up, t_down) of the highest dose against the control after
 * isotonic (pool-adjacent-violators) amalgamation of the treated group
 * means, and its permutation p-value (numerics.md §4).
 *
 * Conventions (numerics.md §4.2-4.4, §4.6):
 *   groups 0 (control) .. k (highest dose), sizes n_g, means ybar_g;
 *   s^2 = sum_g sum_{j in g} (y_j - ybar_g)^2 / nu, nu = N - (k + 1);
 *   M_i = isotonic (weighted by n_g) fit of the treated means ybar_1..ybar_k,
 *         non-decreasing for "up", non-increasing for "down"; the control
 *         stays out of the amalgamation (Williams' original test);
 *   t_i(up)   = (M_i - ybar_0) / (s * sqrt(1/n_i + 1/n_0)),
 *   t_i(down) = (ybar_0 - M_i) / (s * sqrt(1/n_i + 1/n_0)),
 *   T = max(t_k(up), t_k(down)) >= 0.
 *
 * The p-value permutes the sample-to-dose labels (group sizes kept):
 *   p = (1 + #{b : T_b >= T_obs}) / (1 + B),
 * B permutations drawn once from the seed and shared by every probe, so the
 * result does not depend on the thread count. See williams_perm.c for ties
 * and degenerate probes.
 */
#ifndef BMD_WILLIAMS_H
#define BMD_WILLIAMS_H

#include <stddef.h>
#include <stdint.h>

#include "bmd/dataset.h"

/* BMDExpress's seed for its Williams and ORIOGEN prefilters. */
#define BMD_WILLIAMS_DEFAULT_SEED UINT64_C(23524)

typedef struct bmd_williams_options {
  unsigned permutations; /* B; 0 = no permutations (p = 1) */
  uint64_t seed;
  unsigned threads; /* 0 is taken as 1 */
} bmd_williams_options;

/* 10000 permutations (BMDExpress's command-line default), seed 23524,
 * one thread. */
bmd_williams_options bmd_williams_options_default(void);

/* For every probe of ds (samples sorted by dose, groups filled): the
 * Williams statistic T (largest over the increasing and decreasing
 * directions) and its permutation p-value. stat_out and p_out hold
 * ds->n_probes values each (caller-owned). A probe whose values are all
 * equal gets T = 0, p = 1. Fails (with errstr) on fewer than two dose
 * groups, no residual degrees of freedom (N - groups < 1), a non-finite
 * value (naming probe and sample) or lack of memory. */
int bmd_williams_run(const bmd_dataset *ds, const bmd_williams_options *opt, double *stat_out,
                     double *p_out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Lower level, exposed for tests. */

/* Weighted pool-adjacent-violators: fit[0..k) = the non-decreasing sequence
 * minimising sum w_i (y_i - fit_i)^2 (weights > 0). Returns 0, or -1 when
 * out of memory (it allocates O(k) scratch). */
int bmd_williams_pava(const double *y, const double *w, size_t k, double *fit)
    __attribute__((warn_unused_result));

typedef enum bmd_williams_direction {
  BMD_WILLIAMS_UP = 1,
  BMD_WILLIAMS_DOWN = -1
} bmd_williams_direction;

/* One probe, one direction, by the textbook route (two-pass group means and
 * variance, PAVA): row holds the probe's values with samples sorted by dose;
 * group_start/group_size describe the n_groups dose groups (group 0 is the
 * control). Fills, for treated groups i = 1..k (k = n_groups - 1), iso[i-1]
 * = M_i and tbar[i-1] = t_i (either may be NULL); *s2 = pooled variance
 * (may be NULL). Returns 0, or -1 on bad design (n_groups < 2, an empty
 * group, nu < 1) or lack of memory. t_i is +-inf or NaN when s = 0. */
int bmd_williams_tbar(const double *row, size_t n_groups, const size_t *group_start,
                      const size_t *group_size, bmd_williams_direction dir, double *iso,
                      double *tbar, double *s2) __attribute__((warn_unused_result));

/* The two-sided statistic T of one probe by the same route; 0 for a probe
 * whose values are all equal. Returns 0, or -1 as bmd_williams_tbar. */
int bmd_williams_stat(const double *row, size_t n_groups, const size_t *group_start,
                      const size_t *group_size, double *stat) __attribute__((warn_unused_result));

#endif
