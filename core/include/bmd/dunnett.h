/*
 * bmd/dunnett.h - Dunnett's many-to-one comparisons: each of k treated
 * groups against one control, with the pooled variance of all k + 1 groups
 * and p-values adjusted for the k comparisons by the joint (multivariate t)
 * distribution of the k statistics (Dunnett 1955). BMDExpress 3 uses it for
 * NOTEL/LOTEL when a config's lotelTest is 1 (docs/prefilter.md).
 *
 * Pure numerics: no I/O. The probabilities are integrals evaluated with GSL
 * quadrature: every program calling these must turn GSL's abort handler off
 * (gsl_set_error_handler_off).
 */
#ifndef BMD_DUNNETT_H
#define BMD_DUNNETT_H

#include <stddef.h>

/* Which differences the p-values test, treated mean minus control mean. */
typedef enum bmd_dunnett_alternative {
  BMD_DUNNETT_TWO_SIDED = 0, /* != 0 (BMDExpress: |fold change| either way) */
  BMD_DUNNETT_GREATER,       /* > 0 */
  BMD_DUNNETT_LESS           /* < 0 */
} bmd_dunnett_alternative;

/* Quadrature workspace for designs of up to max_groups groups (control
 * included). */
typedef struct bmd_dunnett_workspace bmd_dunnett_workspace;

/* New workspace (bmd_dunnett_workspace_destroy), NULL when out of memory or
 * max_groups < 2. */
bmd_dunnett_workspace *bmd_dunnett_workspace_new(size_t max_groups);

/* NULL is safe. */
void bmd_dunnett_workspace_destroy(bmd_dunnett_workspace *w);

/*
 * Dunnett's test of one design. values holds the samples group after group
 * (borrowed): sizes[0] control values, then sizes[1] of the first treated
 * group, ... (n_groups groups, k = n_groups - 1 comparisons). Fills t_out[i]
 * and p_out[i] for the treated group i + 1 (either may be NULL). Statistics
 * and p-values are NaN when there is no residual degree of freedom or the
 * pooled variance is 0. Returns 0, or -1 when n_groups is out of the
 * workspace's range or a group is empty.
 */
int bmd_dunnett_test(bmd_dunnett_workspace *w, const double *values, const size_t *sizes,
                     size_t n_groups, bmd_dunnett_alternative alternative, double *t_out,
                     double *p_out) __attribute__((warn_unused_result));

#endif
