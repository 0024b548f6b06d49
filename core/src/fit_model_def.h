/*
 * fit_model_def.h - one definition per model: every fact and function the
 * fitting files need about a model, in one const struct, as GSL gives each
 * method (gsl_multifit_nlinear_trust, gsl_multimin_fminimizer_type) one
 * struct that its driver reads.
 *
 * Each model's definition lives next to its functions (fit_model_hill.c,
 * fit_model_power.c, fit_model_poly.c, fit_model_exp.c); the table that
 * indexes them by bmd_model is in fit_models.c, with the recipe for
 * adding a model. The fitting files (fit_run.c, fit_bmd.c, fit_profile.c,
 * fit_select.c) read a model's facts only through its definition, never by
 * comparing bmd_model values (BMDExpress's rules for one named model, such
 * as the flagged Hill, aside).
 */
#ifndef BMD_FIT_MODEL_DEF_H
#define BMD_FIT_MODEL_DEF_H

#include <stddef.h>

#include "bmd/fit.h"
#include "fit_internal.h"

struct bmd_model_def {
  bmd_model id;      /* its index in bmd_models[] */
  const char *name;  /* "hill", "poly2", ...: bmd_model_parse, JSON, CLI */
  const char *alias; /* a second name bmd_model_parse accepts ("poly1"), or NULL */
  const char *label; /* BMDExpress's display name: "Hill", "Poly 2", "Exp 5" */
  size_t n_mean;     /* mean parameters (the variance parameters follow) */
  /* pybmds names of the n_mean mean parameters, then NULL */
  const char *const *param_names;

  /* family facts */
  int poly_degree; /* 1-4 for Linear and Poly 2-4 (the mean's aux, the
                    * nested chi-square walk of model selection); 0 otherwise */
  int log_alpha;   /* 1: the variance scale is reported as ln alpha (pybmds'
                    * exponential models), 0: as alpha */
  int shape;       /* index of the shape parameter (Hill/Power n, Exp 3/5 d):
                    * not rescaled with the data (BMDS's bound rule) and
                    * restarted along the profile; -1 none */
  int log_c;       /* index of ln c (Exp 4/5: the fit carries ln c, the user
                    * sees c; the profile restarts it); -1 none */
  int dose_scale;  /* index of the parameter that stretches the curve
                    * along the dose axis, -1 none: with theta_j times
                    * r^dose_scale_power the mean at r x is the old mean
                    * at x (Hill k, power 1; Exp b, power -1) */
  int dose_scale_power;
  size_t n_starts; /* mean-parameter starts the multi-start fit keeps */
  /* BMDS 2.x (bmd_fit_options.compat BMDS2; fit_bmds2.c) */
  int bmds2_exp_df;      /* 1: the AIC counts parameters as BMDS 2.x's
                          * exponential program does */
  double bmds2_bmdu_cap; /* the BMDU BMDS 2.x reports where the profile
                          * never leaves the confidence region (as
                          * BMDExpress 2.30 stored it: docs/fitting.md);
                          * 0 none */

  /* m(x) and dm/dtheta in scaled units (fit_internal.h) */
  bmd_mean_fn mean;
  bmd_means_fn means; /* the same for all groups at once, or NULL */
  /* box of the mean parameters p->lb[0..n_mean), p->ub[0..n_mean) of the
   * scaled problem (p->sign, p->ncv set); the variance parameters' box is
   * common (bmd_problem_bounds) */
  void (*bounds)(bmd_problem *p, const bmd_fit_options *opt);
  /* up to max starting mean parameters inside the box (set first), best
   * first; returns the count */
  size_t (*starts)(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max);
  /* mean parameters, scaled theta -> user-facing values and back
   * (D = p->scale_y, M = p->maxd); the variance parameters are common */
  void (*to_user)(const bmd_problem *p, const double *th, double *user);
  void (*from_user)(const bmd_problem *p, const double *user, double *th);
  /* scaled dose x > 0 where s (m(x) - m(0)) = delta (delta > 0), or NAN
   * when the curve never gets there (fit_bmd.c checks the result) */
  double (*bmd)(const bmd_problem *p, const double *th, double delta);
};

/* The table, indexed by bmd_model: BMD_MODEL_COUNT entries (fit_models.c).
 * Declared without its size so that the definition's initializer sets it
 * and its _Static_assert can compare it with BMD_MODEL_COUNT. */
extern const bmd_model_def *const bmd_models[];

/* bmd_models[m], or NULL when m is not a model. */
const bmd_model_def *bmd_model_def_get(bmd_model m);

#endif
