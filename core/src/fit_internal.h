/*
 * fit_internal.h - private pieces shared by the fitting files: the scaled
 * problem, likelihood, optimiser driver and BMD helpers. What each model
 * is (its facts and functions) is in fit_model_def.h.
 *
 * Every fit works on a scaled problem, as bmdscore does: doses x = d/maxd,
 * responses divided by D = |mean at the lowest dose| (1 if that is < 1).
 * Parameters theta are in scaled units; the variance parameters are the
 * last entries: CV (l), NCV (rho, l), sigma^2 = exp(l) * |D m|^rho
 * (scaled: l = ln alpha - 2 ln D; |m| in original units for rho).
 * Exponential models carry ln c instead of c.
 */
#ifndef BMD_FIT_INTERNAL_H
#define BMD_FIT_INTERNAL_H

#include <math.h>
#include <stddef.h>

#include "bmd/fit.h"

#define BMD_BOUND_EPS 1e-6
#define BMD_CHI2_90 2.705543454095404 /* chi^2_1 quantile at 0.90 */
#define BMD_PI 3.14159265358979323846
/* scaled doses searched for a BMD: up to 2^10 x max dose (bmdscore) */
#define BMD_XMAX 1024.0

/* m(x) and dm/dtheta_j for the mean parameters (grad may be NULL). aux is
 * model-specific: the adverse sign (+-1) for exponential models, the
 * degree for polynomials (bmd_problem.aux). */
typedef void (*bmd_mean_fn)(const double *th, double x, int aux, double *m, double *grad);

/* The same for every dose group at once: m[i] = m(x[i]) and, if gm is not
 * NULL, gm[i] = dm/dtheta at x[i], with lx[i] = ln x[i] for x[i] > 0.
 * Bit for bit the values of bmd_mean_fn dose by dose; what does not depend
 * on the dose (Hill ln k, Exp 4/5 c - 1) is computed once per call and
 * the doses' logarithms are taken from lx (for the likelihood's pass over
 * the groups: a model's transcendental functions were most of its cost). */
typedef void (*bmd_means_fn)(const double *th, const double *x, const double *lx, size_t n, int aux,
                             double *m, double (*gm)[BMD_MAX_PARAMS]);

/* A model's definition (fit_model_def.h). */
typedef struct bmd_model_def bmd_model_def;

typedef struct bmd_problem {
  const bmd_model_def *def; /* the model (borrowed from bmd_models[]) */
  size_t n_groups;
  size_t n_mean; /* mean parameters */
  size_t n_par;  /* mean + variance */
  int ncv;
  int sign; /* +1 increasing, -1 decreasing */
  int aux;  /* passed to mean(): sign, or polynomial degree */
  double maxd, scale_y;
  const double *x;  /* scaled doses (borrowed from the workspace) */
  const double *lx; /* ln x[i] where x[i] > 0 (0 at dose 0), or NULL: for
                     * def->means (the workspace's too) */
  const double *nn; /* group sizes */
  const double *yb; /* scaled group means */
  const double *s2; /* scaled sample variances */
  double n_total;
  bmd_mean_fn mean; /* def->mean */
  double lb[BMD_MAX_PARAMS], ub[BMD_MAX_PARAMS];
  /* BMR in scaled units: type and factor (absolute BMRs are divided by D) */
  bmd_bmr_type bmr_type;
  double bmr;
} bmd_problem;

/* ---- mean functions (fit_model_*.c; their definitions in fit_model_def.h) ---- */
void bmd_hill_mean(const double *th, double x, int aux, double *m, double *grad);
void bmd_power_mean(const double *th, double x, int aux, double *m, double *grad);
void bmd_poly_mean(const double *th, double x, int aux, double *m, double *grad);
void bmd_exp2_mean(const double *th, double x, int aux, double *m, double *grad);
void bmd_exp3_mean(const double *th, double x, int aux, double *m, double *grad);
void bmd_exp4_mean(const double *th, double x, int aux, double *m, double *grad);
void bmd_exp5_mean(const double *th, double x, int aux, double *m, double *grad);
void bmd_hill_means(const double *th, const double *x, const double *lx, size_t n, int aux,
                    double *m, double (*gm)[BMD_MAX_PARAMS]);
void bmd_power_means(const double *th, const double *x, const double *lx, size_t n, int aux,
                     double *m, double (*gm)[BMD_MAX_PARAMS]);
void bmd_exp4_means(const double *th, const double *x, const double *lx, size_t n, int aux,
                    double *m, double (*gm)[BMD_MAX_PARAMS]);
void bmd_exp5_means(const double *th, const double *x, const double *lx, size_t n, int aux,
                    double *m, double (*gm)[BMD_MAX_PARAMS]);

/* ---- helpers for the models' starting values (fit_models.c) ---- */
/* Weighted least squares of y on two regressors (1, f): returns 0 and
 * fills a, b, and the weighted residual sum; -1 if singular. */
int bmd_ls2(const double *w, const double *f, const double *y, size_t n, double *a, double *b,
            double *rss);

/* Weighted residual sum sum n_i (ybar_i - m_i)^2 of mean parameters th,
 * after clamping them into the box (NAN if not finite). */
double bmd_start_score(const bmd_problem *p, double *th);
/* Keeps the max best (lowest score) starts, sorted; *count is updated. */
void bmd_start_keep(double (*starts)[BMD_MAX_PARAMS], double *scores, size_t *count, size_t max,
                    const double *th, size_t n, double score);

/* ---- through the model's definition (fit_models.c) ---- */
/* Fills bounds of the scaled problem (mean and variance parameters). */
void bmd_problem_bounds(bmd_problem *p, const bmd_fit_options *opt);
/* 1 if parameter j is not rescaled (the model's shape parameter, rho). */
int bmd_param_scale_free(const bmd_problem *p, size_t j);
/* The problem a fit of model m to ss was solved in (doses over the highest
 * dose, responses over max(1, |control mean|)); buf is the caller's
 * workspace of BMD_PROBLEM_BUF(ss->n_groups) doubles. -1 if m is not a model or the
 * highest dose is not positive. */
#define BMD_PROBLEM_BUF(groups) (4 * (groups)) /* x, ybar, s^2, ln x */
int bmd_problem_of_fit(bmd_problem *p, const bmd_suffstat *ss, bmd_model m, bmd_variance v,
                       int increasing, double *buf);
/* Small dense linear algebra (fit_cholesky.c), row-major n x n, n <=
 * BMD_MAX_PARAMS: the Cholesky factor L of A in A's lower triangle (-1 when
 * a pivot is not positive and finite: A not positive definite), then
 * L y = b (y may not alias b) and L' x = y in place. */
int bmd_cholesky(double *A, size_t n);
void bmd_cholesky_forward(const double *L, size_t n, const double *b, double *y);
void bmd_cholesky_backward(const double *L, size_t n, double *x);
/* Scaled theta -> user-facing parameters, and back. */
void bmd_theta_to_user(const bmd_problem *p, const double *th, double *user);
void bmd_user_to_theta(const bmd_problem *p, const double *user, double *th);

/* ---- likelihood (fit_likelihood.c) ---- */
/* Negative log-likelihood of the scaled data (no 2*pi, no Jacobian) and
 * its gradient (may be NULL). */
double bmd_nll(const bmd_problem *p, const double *th, double *grad);
/* bmd_nll with the gradient and, in the same pass over the groups, the
 * expected information of theta (n_par x n_par, row-major); HUGE_VAL when
 * the NLL or an entry of the information is not finite. */
double bmd_nll_info(const bmd_problem *p, const double *th, double *grad, double *info);
/* Log-likelihood of the original data from a scaled NLL. */
double bmd_loglik_from_nll(const bmd_problem *p, double nll);
/* Fills the variance parameters of th from its mean parameters; with
 * alpha_in_box, a rho that puts alpha outside its box is halved until it
 * does not (returns 1 if it was). */
int bmd_variance_start(const bmd_problem *p, double *th, int alpha_in_box);
/* ln alpha (last parameter) that maximises the likelihood for the mean
 * parameters and rho already in th. */
void bmd_variance_scale_start(const bmd_problem *p, double *th);
/* ln|m| in original response units (D |m|, |m| at least 1e-12): the
 * non-constant variance is alpha exp(rho * this). */
static inline double bmd_ncv_log_abs_mean(const bmd_problem *p, double m) {
  return log(fmax(fabs(m), 1e-12)) + log(p->scale_y);
}
/* Clamps th into the box. */
void bmd_clamp(const bmd_problem *p, double *th);

/* ---- optimiser driver (fit_optim.c) ---- */
/* Local maximum likelihood from th (in/out); returns the bmd_fit_status. */
int bmd_optim_mle(const bmd_problem *p, double *th, double *nll);

/* ---- memo of multi-start fits (fit_memo.c) ---- */
/* The remembered multi-start fit of a problem equal to p in every field and
 * data value: 1 and best (BMD_MAX_PARAMS), nll and status filled, or 0
 * (always 0 for a NULL memo). */
int bmd_fit_memo_get(const bmd_fit_memo *memo, const bmd_problem *p, double *best, double *nll,
                     int *status);
/* Remembers p's multi-start fit (copying p's data), replacing the oldest;
 * nothing for a NULL memo. */
void bmd_fit_memo_put(bmd_fit_memo *memo, const bmd_problem *p, const double *best, double nll,
                      int status);
/* Maximum likelihood subject to the BMR equation at scaled dose xb, from
 * th. A start whose NLL on the equation exceeds nll_near is solved with
 * the equation as a constraint (SLSQP). th_known (NULL: none), nll_known:
 * a solution at xb from another start; a reduced solve that enters its
 * basin returns it (bmd_scoring_options.x_known). */
int bmd_optim_profile(const bmd_problem *p, double xb, double *th, double *nll, double nll_near,
                      const double *th_known, double nll_known);
/* The profile point at xb by SLSQP with the BMR equation as a constraint
 * alone (not the reduced form): th in/out, *nll; a status as
 * bmd_optim_profile's. */
int bmd_optim_profile_constrained(const bmd_problem *p, double xb, double *th, double *nll);

/* One profile point with an SD BMR, the BMR equation solved for ln alpha
 * (fit_profile_reduced.c): from th (its ln alpha is not read), th and
 * *nll of the minimum found, with its status; BMD_FIT_FAILED when it
 * found no point meeting the equation with ln alpha inside its box;
 * BMD_PROFILE_START_INFINITE when the NLL at th put on the equation is not
 * finite (a restart whose curve overflows: no method would start anywhere
 * else). */
#define BMD_PROFILE_START_INFINITE (-2)
#define BMD_PROFILE_START_FAR (-3)
int bmd_profile_reduced(const bmd_problem *p, double xb, double *th, double *nll, double nll_near,
                        const double *th_known, double nll_known);

/* Sets th[j] = value and moves th[k] so that th meets the BMR constraint at
 * xb (a restart for the profile); 0, or -1 if that fails. */
int bmd_profile_reshape(const bmd_problem *p, double xb, double *th, size_t j, size_t k,
                        double value);

/* ---- BMD (fit_bmd.c) ---- */
/* BMR change Delta(theta) in scaled response units and its gradient. */
double bmd_bmr_delta(const bmd_problem *p, const double *th, double *grad);
/* Scaled BMD of theta; NAN when the curve never reaches the BMR. */
double bmd_bmd_scaled(const bmd_problem *p, const double *th);

/* ---- profile limits (fit_profile.c) ---- */
/* BMDL/BMDU (scaled) by root finding on the profile, and the profile
 * solutions there (th_l, th_u); status bits as in bmd_fit_result.limits_status.
 * A limit not bracketed because the profile stayed inside the confidence
 * region to the end of the search (bits 8, 16) gets NAN, and the farthest
 * point reached in *xl_reach / *xu_reach (else NAN) with its solution in
 * th_l / th_u: the witness that the limit is unbounded. */
int bmd_profile_limits(const bmd_problem *p, const double *th_hat, double nll_hat, double xbmd,
                       double alpha, double *xl, double *xu, double *th_l, double *th_u,
                       double *xl_reach, double *xu_reach);

/* ---- observed information (fit_information.c) ---- */
/* H = d^2 NLL / dtheta dtheta' over the parameters not at_bound, as its
 * Cholesky factor L (H = L L'). */
typedef struct bmd_information {
  size_t n;                                  /* free parameters */
  size_t free_idx[BMD_MAX_PARAMS];           /* their indices in theta */
  double L[BMD_MAX_PARAMS * BMD_MAX_PARAMS]; /* n x n, lower triangle */
} bmd_information;
/* Factors H at th (scaled units); -1 when a value is not finite, no
 * parameter is free, or H is not positive definite. */
int bmd_information_factor(const bmd_problem *p, const double *th, const int *at_bound,
                           bmd_information *info);
/* g' H^-1 g for a gradient g over all p->n_par entries (those of bounded
 * parameters are not read): the delta-method variance. */
double bmd_information_variance(const bmd_information *info, const double *g);

/* ---- Wald BMD limits (fit_wald.c) ---- */
/* BMDL/BMDU (scaled) by the delta method on ln BMD at the MLE th with its
 * bounded parameters held fixed; 0, or -1 (both NAN) when the information
 * is not positive definite or the BMD's gradient is not finite. */
int bmd_wald_limits(const bmd_problem *p, const double *th, const int *at_bound, double xbmd,
                    double alpha, double *xl, double *xu);

/* ---- AOD (fit_aod.c) ---- */
double bmd_chi2_sf(double x, double df);

/* BMDS 2.x's AIC parameter count of an exponential model at the scaled
 * maximum th (bmd.compat bmds2; fit_bmds2.c). */
int bmd_bmds2_exp_n_free(const bmd_problem *p, const double *th);

/* A polynomial of degree >= 2 fitted up and down, the lower BMD kept
 * (opt->poly_fit BMDX2 or BMDX3; fit_poly_directions.c). */
int bmd_fit_poly_directions(const bmd_suffstat *ss, bmd_model m, const bmd_fit_options *opt,
                            bmd_fit_memo *memo, const bmd_aod *aod, bmd_fit_result *out,
                            char *errstr, size_t errstr_size);

#endif
