/*
 * bmd/fit.h - continuous dose-response models fitted by maximum likelihood
 * under box bounds, benchmark dose (BMD) and its profile-likelihood limits
 * (BMDL/BMDU), AIC, goodness of fit and the analysis of deviance, as EPA
 * BMDS 3 / pybmds computes them (shared/notes/numerics.md §1).
 *
 * Data enter as per-dose sufficient statistics (n, mean, SD with n - 1);
 * individual responses are reduced to them first (the likelihood is
 * identical). Models: Hill, Power, Linear, Poly 2-4, Exp 2-5. Variance is
 * constant (sigma^2 = alpha) or non-constant (sigma^2 = alpha*|mu|^rho).
 *
 * Ownership: bmd_suffstat owns its arrays; results are plain values the
 * caller owns. Not estimable numbers are NAN, never a magic value.
 */
#ifndef BMD_FIT_H
#define BMD_FIT_H

#include <stddef.h>

#include "bmd/dataset.h"

#define BMD_MAX_PARAMS 8

typedef enum bmd_model {
  BMD_MODEL_HILL = 0,
  BMD_MODEL_POWER,
  BMD_MODEL_LINEAR,
  BMD_MODEL_POLY2,
  BMD_MODEL_POLY3,
  BMD_MODEL_POLY4,
  BMD_MODEL_EXP2,
  BMD_MODEL_EXP3,
  BMD_MODEL_EXP4,
  BMD_MODEL_EXP5,
  BMD_MODEL_COUNT
} bmd_model;

typedef enum bmd_variance { BMD_VARIANCE_CONSTANT = 0, BMD_VARIANCE_NONCONSTANT } bmd_variance;

typedef enum bmd_bmr_type { BMD_BMR_SD = 0, BMD_BMR_REL, BMD_BMR_ABS } bmd_bmr_type;

/* How polynomials of degree >= 2 are fitted (docs/fitting.md, "Polynomials"):
 *   SINGLE   one fit in the data's direction, restricted per poly_restricted
 *            (pybmds / BMDS 3);
 *   BMDX3    BMDExpress 3: fitted with the adverse direction up and down,
 *            monotone (every b_j of the direction's sign) for degree > 2 and,
 *            if poly2_monotone, for degree 2; the lower BMD is kept;
 *   BMDX2    BMDExpress 2.x (BMDS 2.x `poly`, restrict 0): unrestricted,
 *            BMD solved up and down, the lower BMD kept.
 * Linear is always one fit in the data's direction. */
typedef enum bmd_poly_fit {
  BMD_POLY_FIT_SINGLE = 0,
  BMD_POLY_FIT_BMDX3,
  BMD_POLY_FIT_BMDX2
} bmd_poly_fit;

/* How BMDL/BMDU are computed (BMDExpress 3's bmdUBmdLEstimationMethod):
 *   PROFILE  profile likelihood, as BMDS (1);
 *   WALD     the delta method on ln BMD at the maximum, as ToxicR's fast
 *            ("Wald") limits (2; docs/fitting.md). */
typedef enum bmd_limit_method { BMD_LIMITS_PROFILE = 0, BMD_LIMITS_WALD } bmd_limit_method;

/* Rules that differ between BMDS versions (docs/fitting.md, "BMDS 2.x
 * compatibility"):
 *   BMDS3  BMDS 3 / pybmds / BMDExpress 3 (the default);
 *   BMDS2  BMDS 2.x as BMDExpress 2 runs it: the exponential models' AIC
 *          counts every parameter but one sitting on b = 0, c = 0 or d = 1
 *          (d on its upper bound 18 is counted), and an unbounded BMDU is
 *          reported as BMDS 2.x's stand-in value (1e10 Hill and Linear,
 *          1e7 Power and Exp 2-5; limits_status keeps bit 16). */
typedef enum bmd_compat { BMD_COMPAT_BMDS3 = 0, BMD_COMPAT_BMDS2 } bmd_compat;

typedef enum bmd_fit_status {
  BMD_FIT_OK = 0,        /* optimiser converged (ftol/xtol reached) */
  BMD_FIT_MAXEVAL,       /* stopped at the evaluation limit; values kept */
  BMD_FIT_FAILED,        /* no finite likelihood reached */
  BMD_FIT_TOO_FEW_GROUPS /* fewer dose groups than the model needs */
} bmd_fit_status;

/* Per-dose sufficient statistics, doses ascending. */
typedef struct bmd_suffstat {
  size_t n_groups;
  double *dose; /* n_groups each, in one owned block: dose | n | mean | sd */
  double *n;    /* non-integer counts are accepted */
  double *mean; /* sample mean */
  double *sd;   /* sample SD (divisor n - 1); 0 when n = 1 */
} bmd_suffstat;

/* Zero-filled statistics for n_groups groups; NULL when out of memory. */
bmd_suffstat *bmd_suffstat_new(size_t n_groups);
void bmd_suffstat_destroy(bmd_suffstat *ss);

/* Reduces individual responses (dose[i], y[i], any order) to per-dose
 * statistics. Returns 0, or -1 with errstr filled. *out is new. */
int bmd_suffstat_from_individual(const double *dose, const double *y, size_t n, bmd_suffstat **out,
                                 char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

typedef struct bmd_fit_options {
  bmd_variance variance;         /* default constant */
  bmd_bmr_type bmr_type;         /* default SD */
  double bmr;                    /* BMR factor; default 1.0 */
  bmd_log_base log_base;         /* relative BMR on log data becomes absolute log_b(1+bmr) */
  int direction;                 /* 0 = from the OLS slope of group means, +1 up, -1 down */
  int poly_restricted;           /* -1 = pybmds default (Linear free, Poly 2-4 monotone), 0, 1 */
  bmd_poly_fit poly_fit;         /* default SINGLE */
  int poly2_monotone;            /* BMDX3: Poly 2 monotone too (BMDExpress 3 option, off) */
  double poly2_bmr;              /* BMDX2/3: Poly 2's own BMR factor; NAN = bmr */
  int power_restricted;          /* 1 (default): Power n >= 1, else n >= 0 */
  int hill_restricted;           /* 1 (default): Hill n >= 1, else n >= 1e-8 */
  double alpha;                  /* one-sided; 0.05 gives the 90% two-sided interval */
  int compute_limits;            /* 1 (default): BMDL and BMDU */
  bmd_limit_method limit_method; /* how: profile (default) or Wald */
  int count_all_bounded;         /* 1: AIC counts parameters on a bound too */
  bmd_compat compat;             /* default BMDS3 */
} bmd_fit_options;

bmd_fit_options bmd_fit_options_default(void);

typedef struct bmd_fit_result {
  bmd_model model;
  bmd_variance variance;
  bmd_fit_status status;
  int increasing;                /* adverse direction used: 1 up, 0 down */
  size_t n_params;               /* mean + variance parameters */
  double params[BMD_MAX_PARAMS]; /* user-facing values, see bmd_fit_param_name */
  int bounded[BMD_MAX_PARAMS];   /* 1 if within 1e-6 of a bound BMDS counts (AIC) */
  int at_bound[BMD_MAX_PARAMS];  /* 1 if within 1e-6 of any bound of the scaled box */
  double loglik;                 /* includes the 2*pi term */
  int n_free;                    /* parameters counted in the AIC */
  double aic;
  double fit_p; /* Test 4 p-value; NAN when df <= 0 */
  double fit_df;
  double bmd, bmdl, bmdu; /* NAN when not estimable */
  /* profile solutions at BMDL and BMDU (user-facing; NAN when missing):
   * a certificate that the limit is a feasible profile point. When a limit
   * is unbounded (status bit 8 or 16) they hold the witness instead: the
   * profile solution at bmdl_reach / bmdu_reach, the farthest dose the
   * search reached, still inside the confidence region. */
  double bmdl_params[BMD_MAX_PARAMS], bmdu_params[BMD_MAX_PARAMS];
  double bmdl_reach, bmdu_reach; /* NAN unless that limit is unbounded */
  /* 0 ok; bit 1 BMDL, bit 2 BMDU not bracketed; 4 variance on bound;
   * 8 BMDL, 16 BMDU unbounded (the profile stays inside the region);
   * 32 Wald limits not computable (information not positive definite) */
  int limits_status;
} bmd_fit_result;

/* A model's facts. For an m that is not a model: NULL, 0 or -1, never
 * another model's. */
const char *bmd_model_name(bmd_model m);  /* "hill", "power", "poly2", "exp5", ... */
const char *bmd_model_label(bmd_model m); /* BMDExpress's "Hill", "Poly 2", "Exp 5", ... */
int bmd_model_parse(const char *name);    /* model id (any case; "poly1" too), or -1 */
/* Number of dose groups the model needs (its mean parameters, at least 3). */
size_t bmd_model_min_groups(bmd_model m);

/* Parameter name i of a model (pybmds names: g, v, k, n, b1.., a, b, c, d,
 * rho, alpha or log-alpha for exponential models); NULL past the end. */
const char *bmd_fit_param_name(bmd_model m, bmd_variance v, size_t i);
size_t bmd_fit_param_count(bmd_model m, bmd_variance v);

/* Mean response of a fitted model at dose d (NAN if r->model is not a model). */
double bmd_fit_mean(const bmd_fit_result *r, double dose);

/* Adverse direction from the OLS slope of group means on dose: 1 if the
 * slope is > 0, else 0 (BMDExpress; ties -> decreasing). */
int bmd_direction_ols(const bmd_suffstat *ss);

/* Analysis of deviance (numerics.md §1.9). Log-likelihoods include 2*pi. */
typedef struct bmd_aod {
  double ll_a1, ll_a2, ll_a3, ll_r;
  int k_a1, k_a2, k_a3, k_r;
  double test_p[3]; /* tests 1-3; test 4 is per model (fit_p) */
  double test_df[3];
} bmd_aod;

/* Fits one model, then BMD and (if asked) BMDL/BMDU (bmdl_params and
 * bmdu_params, profile solutions, stay NAN with Wald limits). aod (borrowed, may be
 * NULL) is the dataset's analysis of deviance for opt->variance, computed
 * here when NULL; pass it when fitting several models to one dataset. A fit
 * that does not converge is a result with its status, not an error; -1
 * only for invalid arguments (errstr filled). */
int bmd_fit_run(const bmd_suffstat *ss, bmd_model m, const bmd_fit_options *opt, const bmd_aod *aod,
                bmd_fit_result *out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/*
 * A memo of recent maximum-likelihood fits, for fitting several models to
 * one dataset: the Exp 2/3 fit nested in Exp 4/5 and a polynomial's kept
 * direction fitted again for its limits are then not solved twice (the
 * fit is deterministic; a problem counts as the same only if it is equal
 * in every value). Owned by the caller, one per thread (not thread-safe);
 * bmd_fit_memo_destroy(NULL) is safe. NULL from _new when out of memory.
 */
typedef struct bmd_fit_memo bmd_fit_memo;
bmd_fit_memo *bmd_fit_memo_new(void);
void bmd_fit_memo_destroy(bmd_fit_memo *memo);

/* bmd_fit_run with a memo (borrowed, may be NULL: no memo); the results
 * are the same. */
int bmd_fit_run_memo(const bmd_suffstat *ss, bmd_model m, const bmd_fit_options *opt,
                     const bmd_aod *aod, bmd_fit_memo *memo, bmd_fit_result *out, char *errstr,
                     size_t errstr_size) __attribute__((warn_unused_result));

int bmd_aod_compute(const bmd_suffstat *ss, bmd_variance v, bmd_aod *out)
    __attribute__((warn_unused_result));

/* Evaluates the log-likelihood of user-facing parameters (for tests). */
double bmd_fit_loglik(const bmd_suffstat *ss, bmd_model m, bmd_variance v, int increasing,
                      const double *params);

#endif
