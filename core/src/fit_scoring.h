/*
 * fit_scoring.h - bounded Fisher scoring (fit_scoring.c): minimises f over
 * a box with Newton steps whose Hessian is the caller's information
 * matrix. The problem, options by value from _options_default(), and the
 * driver, as GSL's multifit; no allocation.
 */
#ifndef BMD_FIT_SCORING_H
#define BMD_FIT_SCORING_H

#include <stddef.h>

#include "bmd/fit.h"

typedef struct bmd_scoring_problem {
  size_t n;              /* parameters, at most BMD_MAX_PARAMS */
  const double *lb, *ub; /* the box (borrowed) */
  void *ctx;             /* passed to the callbacks (borrowed) */
  /* f(x), its gradient (n entries) and the n x n information matrix at
   * x (row-major), computed together (they share the model's values);
   * HUGE_VAL or NAN where any of them is undefined */
  double (*fgi)(void *ctx, const double *x, double *grad, double *F);
} bmd_scoring_problem;

typedef struct bmd_scoring_options {
  double ftol_rel; /* stop when f and every x_j change less than these */
  double xtol_rel;
  int max_iter;
  double mu0; /* the first step's damping (0: a Newton step) */
  /* a minimum found already (from another start), or NULL: an iterate
   * that comes within a tenth of a standard error of it, in the metric of
   * the information, and not below it, is in its basin, and the search
   * stops there with x = x_known and f = f_known (multi-start solves: the
   * other starts that end at the same minimum stop early instead of each
   * converging to it again) */
  const double *x_known;
  double f_known;
} bmd_scoring_options;

bmd_scoring_options bmd_scoring_options_default(void);

/* Minimises from x (in/out, clamped into the box first); *f_out is f at
 * the returned x, *n_evals the evaluations of f. Returns BMD_FIT_OK
 * (converged), BMD_FIT_MAXEVAL (max_iter reached: x is the best point) or
 * BMD_FIT_FAILED (f not finite at the start, or no descent possible). */
int bmd_scoring_minimize(const bmd_scoring_problem *sp, const bmd_scoring_options *opt, double *x,
                         double *f_out, size_t *n_evals);

#endif
