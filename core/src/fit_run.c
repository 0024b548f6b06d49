/*
 * fit_run.c - one model fit end to end: scale the data, bounds, starting
 * values, multi-start maximum likelihood, BMD, profile or Wald BMDL/BMDU, AIC with
 * BMDS's bound rule and the Test 4 goodness-of-fit p-value.
 *
 *   AIC = -2 LL + 2 p,  p = parameters not within 1e-6 of a bound
 *   Test 4: 2 (LL_A3 - LL_fit) on df = k_A3 - p  (p-value NAN if df <= 0)
 * With opt->compat BMDS2, BMDS 2.x's rules: an exponential model's p as
 * its exponential program counts it (fit_bmds2.c), and an unbounded BMDU
 * reported as the model's BMDS 2.x stand-in (bmd_model_def.bmds2_bmdu_cap).
 */
#include "fit_model_def.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STARTS 6

bmd_fit_options bmd_fit_options_default(void) {
  static const bmd_fit_options defaults = {.variance = BMD_VARIANCE_CONSTANT,
                                           .bmr_type = BMD_BMR_SD,
                                           .bmr = 1.0,
                                           .log_base = BMD_LOG_NONE,
                                           .direction = 0,
                                           .poly_restricted = -1,
                                           .poly_fit = BMD_POLY_FIT_SINGLE,
                                           .poly2_monotone = 0,
                                           .poly2_bmr = NAN,
                                           .power_restricted = 1,
                                           .hill_restricted = 1,
                                           .alpha = 0.05,
                                           .compute_limits = 1,
                                           .limit_method = BMD_LIMITS_PROFILE,
                                           .count_all_bounded = 0,
                                           .compat = BMD_COMPAT_BMDS3};
  return defaults;
}

/* The problem's non-data fields; data pointers are set by the caller. */
static void problem_setup(bmd_problem *p, const bmd_suffstat *ss, const bmd_model_def *def, int ncv,
                          int sign) {
  memset(p, 0, sizeof(*p));
  p->def = def;
  p->n_groups = ss->n_groups;
  p->n_mean = def->n_mean;
  p->ncv = ncv;
  p->n_par = p->n_mean + (ncv ? 2 : 1);
  p->sign = sign;
  p->aux = def->poly_degree > 0 ? def->poly_degree : sign;
  p->mean = def->mean;
  double N = 0;
  for (size_t i = 0; i < ss->n_groups; i++)
    N += ss->n[i];
  p->n_total = N;
}

/* The problem in the units the optimiser works in: doses over the
 * highest dose, responses over D = max(1, |control mean|) (buf:
 * BMD_PROBLEM_BUF(G) doubles, borrowed by p), and the doses' logarithms
 * for the models' means (bmd_means_fn). */
static void problem_scaled(bmd_problem *p, const bmd_suffstat *ss, const bmd_model_def *def,
                           int ncv, int sign, double maxd, double *buf) {
  size_t G = ss->n_groups;
  problem_setup(p, ss, def, ncv, sign);
  double D = fabs(ss->mean[0]) < 1.0 ? 1.0 : fabs(ss->mean[0]);
  double *x = buf, *yb = buf + G, *s2 = buf + 2 * G, *lx = buf + 3 * G;
  for (size_t i = 0; i < G; i++) {
    x[i] = ss->dose[i] / maxd;
    lx[i] = x[i] > 0.0 ? log(x[i]) : 0.0;
    yb[i] = ss->mean[i] / D;
    s2[i] = (ss->sd[i] / D) * (ss->sd[i] / D);
  }
  p->x = x;
  p->lx = lx;
  p->nn = ss->n;
  p->yb = yb;
  p->s2 = s2;
  p->maxd = maxd;
  p->scale_y = D;
}

/*
 * Non-constant variance has local optima in rho (sigma^2 = alpha |m|^rho
 * trades a steeper rho against the mean's curvature), and a poor rho start
 * can also trap the mean parameters. Two more rounds, keeping the best:
 * the mean fitted with rho held at 0 (constant variance) as a start, and
 * from the best so far, from that constant-variance fit and from the first
 * three mean starts, rho restarted on a grid with ln alpha re-solved.
 */
static void ncv_restarts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t ns,
                         double *best, double *nll_best, int *st_best) {
  static const double rhos[] = {0.0,  1.0,  2.0,  4.0,  6.0,   8.0,  12.0,
                                18.0, -2.0, -4.0, -6.0, -10.0, -18.0};
  size_t k = p->n_mean;
  double cv[BMD_MAX_PARAMS], nll;
  bmd_problem p0 = *p;
  p0.lb[k] = p0.ub[k] = 0.0;
  memcpy(cv, best, sizeof(cv));
  cv[k] = 0.0;
  bmd_variance_scale_start(&p0, cv);
  int have_cv = bmd_optim_mle(&p0, cv, &nll) != BMD_FIT_FAILED;
  /* from the best fit, the constant-variance fit and the first three
   * mean starts (an optimum with a negative rho may need other means) */
  double from[5][BMD_MAX_PARAMS];
  size_t n_from = 0;
  memcpy(from[n_from++], best, sizeof(from[0]));
  if (have_cv)
    memcpy(from[n_from++], cv, sizeof(from[0]));
  for (size_t i = 0; i < ns && i < 3; i++) {
    memcpy(from[n_from], starts[i], sizeof(from[0]));
    bmd_clamp(p, from[n_from++]);
  }
  for (size_t f = 0; f < n_from; f++) {
    for (size_t r = 0; r < sizeof(rhos) / sizeof(rhos[0]); r++) {
      if (rhos[r] < p->lb[k] || rhos[r] > p->ub[k])
        continue;
      double th[BMD_MAX_PARAMS];
      memcpy(th, from[f], sizeof(th));
      th[k] = rhos[r];
      bmd_variance_scale_start(p, th);
      int st = bmd_optim_mle(p, th, &nll);
      if (st != BMD_FIT_FAILED && nll < *nll_best - 1e-9) {
        *nll_best = nll;
        *st_best = st;
        memcpy(best, th, BMD_MAX_PARAMS * sizeof(double));
      }
    }
  }
}

/*
 * Linear, non-constant variance: sigma^2 = alpha |m|^rho with rho < 0
 * grows without bound where the mean crosses 0, so a line that stays near
 * 0 and crosses it at a dose group can shape the variance there (a local
 * optimum the least-squares starts never approach). Starts
 *   m(x) = s eps (x - x_j)   (eps = 0.01 in scaled units)
 * through 0 at each dosed group x_j, with rho on a grid of negative
 * values and ln alpha re-solved.
 */
static void ncv_zero_crossing_starts(const bmd_problem *p, double *best, double *nll_best,
                                     int *st_best) {
  static const double rhos[] = {-0.5, -1.0, -2.0, -4.0};
  size_t k = p->n_mean;
  for (size_t j = 1; j < p->n_groups; j++)
    for (size_t r = 0; r < sizeof(rhos) / sizeof(rhos[0]); r++) {
      double th[BMD_MAX_PARAMS] = {0}, nll, eps = 0.01;
      th[0] = -p->sign * eps * p->x[j];
      th[1] = p->sign * eps;
      bmd_clamp(p, th);
      th[k] = rhos[r];
      if (th[k] < p->lb[k] || th[k] > p->ub[k])
        continue;
      bmd_variance_scale_start(p, th);
      int st = bmd_optim_mle(p, th, &nll);
      if (st != BMD_FIT_FAILED && nll < *nll_best - 1e-9) {
        *nll_best = nll;
        *st_best = st;
        memcpy(best, th, BMD_MAX_PARAMS * sizeof(double));
      }
    }
}

/*
 * Multi-start maximum likelihood: each start with rho from the regression
 * of ln s^2 on ln |ybar|, and (non-constant variance) again with that rho
 * halved until alpha lies in its box, when it does not; then the
 * non-constant-variance restarts. The best parameters and their NLL;
 * returns the best fit's status (BMD_FIT_FAILED when none converged).
 * A problem the memo (may be NULL) remembers is not solved again.
 */
static int multistart_mle(const bmd_problem *p, bmd_fit_memo *memo, double *best,
                          double *nll_best) {
  int st_best = BMD_FIT_FAILED;
  if (bmd_fit_memo_get(memo, p, best, nll_best, &st_best))
    return st_best;
  double starts[16][BMD_MAX_PARAMS];
  size_t ns = p->def->starts(p, starts, p->def->n_starts);
  for (size_t s = 0; s < 2 * ns; s++) {
    double th[BMD_MAX_PARAMS] = {0}, nll;
    memcpy(th, starts[s / 2], p->n_mean * sizeof(double));
    bmd_clamp(p, th);
    if (!bmd_variance_start(p, th, (int)(s % 2)) && s % 2)
      continue;
    int st = bmd_optim_mle(p, th, &nll);
    if (st != BMD_FIT_FAILED && nll < *nll_best - 1e-12) {
      *nll_best = nll;
      st_best = st;
      memcpy(best, th, BMD_MAX_PARAMS * sizeof(double));
    }
  }
  if (p->ncv && st_best != BMD_FIT_FAILED)
    ncv_restarts(p, starts, ns, best, nll_best, &st_best);
  if (p->ncv && p->def->poly_degree == 1 && st_best != BMD_FIT_FAILED)
    ncv_zero_crossing_starts(p, best, nll_best, &st_best);
  bmd_fit_memo_put(memo, p, best, *nll_best, st_best);
  return st_best;
}

/*
 * Exp 4/5 decreasing hold Exp 2/3 as c -> 0:
 *   a (c - (c - 1) exp(-(b x)^d)) -> a exp(-(b x)^d)
 * and their optimum can lie in that corner (ln c on its lower bound; with
 * non-constant variance a mean tending to 0 also shapes sigma^2 = alpha
 * |m|^rho), which the grid starts of exp45_starts, with c from least
 * squares, miss. So the nested model is fitted as well (its own starts
 * and restarts, same scaling: a, b and d mean the same) and its optimum,
 * with ln c at the bound, is one more start; Exp 4/5 is then never worse
 * than Exp 2/3 on the same data, up to c = e^-20.
 */
static void nested_exp_start(const bmd_problem *p, const bmd_suffstat *ss, bmd_model m,
                             const bmd_fit_options *opt, double maxd, bmd_fit_memo *memo,
                             double *best, double *nll_best, int *st_best) {
  const bmd_model_def *inner =
      bmd_model_def_get(m == BMD_MODEL_EXP5 ? BMD_MODEL_EXP3 : BMD_MODEL_EXP2);
  double *buf = malloc(BMD_PROBLEM_BUF(ss->n_groups) * sizeof(double));
  if (!buf)
    return;
  bmd_problem q;
  problem_scaled(&q, ss, inner, p->ncv, p->sign, maxd, buf);
  q.bmr_type = p->bmr_type;
  q.bmr = p->bmr;
  bmd_problem_bounds(&q, opt);
  double th_in[BMD_MAX_PARAMS], nll_in = HUGE_VAL;
  if (multistart_mle(&q, memo, th_in, &nll_in) != BMD_FIT_FAILED) {
    /* (a, b[, d], variance...) -> (a, b, ln c = lower bound[, d], variance...) */
    double th[BMD_MAX_PARAMS] = {0}, nll;
    int lc = p->def->log_c;
    for (size_t j = 0, k = 0; j < p->n_par; j++)
      th[j] = (int)j == lc ? p->lb[lc] : th_in[k++];
    int st = bmd_optim_mle(p, th, &nll);
    if (st != BMD_FIT_FAILED && nll < *nll_best - 1e-12) {
      *nll_best = nll;
      *st_best = st;
      memcpy(best, th, BMD_MAX_PARAMS * sizeof(double));
    }
  }
  free(buf);
}

static void result_blank(bmd_fit_result *out, bmd_model m, const bmd_fit_options *opt) {
  memset(out, 0, sizeof(*out));
  out->model = m;
  out->variance = opt->variance;
  out->n_params = bmd_fit_param_count(m, opt->variance);
  for (size_t j = 0; j < BMD_MAX_PARAMS; j++)
    out->params[j] = out->bmdl_params[j] = out->bmdu_params[j] = NAN;
  out->loglik = out->aic = out->fit_p = out->fit_df = NAN;
  out->bmd = out->bmdl = out->bmdu = out->bmdl_reach = out->bmdu_reach = NAN;
}

/* ln sigma^2 at the control on the lower bound of ln alpha (scaled units) */
static int variance_collapsed(const bmd_problem *p, const double *th) {
  size_t v = p->n_par - 1;
  double lsig0 = th[v];
  if (p->ncv) {
    double m0;
    p->mean(th, 0.0, p->aux, &m0, NULL);
    lsig0 += th[p->n_mean] * bmd_ncv_log_abs_mean(p, m0);
  }
  return lsig0 - p->lb[v] < BMD_BOUND_EPS;
}

int bmd_fit_run(const bmd_suffstat *ss, bmd_model m, const bmd_fit_options *opt, const bmd_aod *aod,
                bmd_fit_result *out, char *errstr, size_t errstr_size) {
  return bmd_fit_run_memo(ss, m, opt, aod, NULL, out, errstr, errstr_size);
}

int bmd_fit_run_memo(const bmd_suffstat *ss, bmd_model m, const bmd_fit_options *opt,
                     const bmd_aod *aod, bmd_fit_memo *memo, bmd_fit_result *out, char *errstr,
                     size_t errstr_size) {
  double *buf = NULL;
  bmd_aod aod_local;
  const bmd_model_def *def = bmd_model_def_get(m);
  if (!ss || !opt || !out || !def) {
    snprintf(errstr, errstr_size, "invalid arguments");
    return -1;
  }
  if (def->poly_degree >= 2 && opt->poly_fit != BMD_POLY_FIT_SINGLE)
    return bmd_fit_poly_directions(ss, m, opt, memo, aod, out, errstr, errstr_size);
  if (!(opt->bmr > 0) || !(opt->alpha > 0 && opt->alpha < 0.5) ||
      (opt->limit_method != BMD_LIMITS_PROFILE && opt->limit_method != BMD_LIMITS_WALD)) {
    snprintf(errstr, errstr_size,
             "BMR factor must be > 0, alpha in (0, 0.5) and the limits profile or Wald");
    return -1;
  }
  result_blank(out, m, opt);
  size_t G = ss->n_groups;
  double maxd = 0;
  for (size_t i = 0; i < G; i++) {
    if (!(ss->n[i] > 0) || !isfinite(ss->mean[i]) || !(ss->sd[i] >= 0) || !(ss->dose[i] >= 0)) {
      snprintf(errstr, errstr_size, "dose group %zu: need n > 0, finite mean, sd >= 0, dose >= 0",
               i + 1);
      return -1;
    }
    if (i > 0 && !(ss->dose[i] > ss->dose[i - 1])) {
      snprintf(errstr, errstr_size, "doses must be distinct and ascending");
      return -1;
    }
    maxd = fmax(maxd, ss->dose[i]);
  }
  int ncv = opt->variance == BMD_VARIANCE_NONCONSTANT;
  int increasing = opt->direction > 0 ? 1 : opt->direction < 0 ? 0 : bmd_direction_ols(ss);
  out->increasing = increasing;
  if (G < bmd_model_min_groups(m) || !(maxd > 0)) {
    out->status = BMD_FIT_TOO_FEW_GROUPS;
    return 0;
  }
  if (!aod) {
    if (bmd_aod_compute(ss, opt->variance, &aod_local) != 0) {
      snprintf(errstr, errstr_size, "analysis of deviance failed");
      return -1;
    }
    aod = &aod_local;
  }

  bmd_problem p;
  buf = malloc(BMD_PROBLEM_BUF(G) * sizeof(double));
  if (!buf) {
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
  }
  problem_scaled(&p, ss, def, ncv, increasing ? 1 : -1, maxd, buf);
  /* BMR: relative on log data is an absolute change of log_b(1 + BMRF) */
  p.bmr_type = opt->bmr_type;
  p.bmr = opt->bmr;
  if (opt->bmr_type == BMD_BMR_REL && opt->log_base != BMD_LOG_NONE) {
    double lb = opt->log_base == BMD_LOG_BASE2    ? log(2.0)
                : opt->log_base == BMD_LOG_BASE10 ? log(10.0)
                                                  : 1.0;
    p.bmr_type = BMD_BMR_ABS;
    p.bmr = log1p(opt->bmr) / lb;
  }
  if (p.bmr_type == BMD_BMR_ABS)
    p.bmr /= p.scale_y;
  bmd_problem_bounds(&p, opt);

  double best[BMD_MAX_PARAMS], nll_best = HUGE_VAL;
  int st_best = multistart_mle(&p, memo, best, &nll_best);
  if (def->log_c >= 0 && p.sign < 0 && st_best != BMD_FIT_FAILED)
    nested_exp_start(&p, ss, m, opt, maxd, memo, best, &nll_best, &st_best);
  out->status = st_best;
  if (st_best == BMD_FIT_FAILED)
    goto done;

  bmd_theta_to_user(&p, best, out->params);
  int n_free = 0;
  for (size_t j = 0; j < p.n_par; j++) {
    /* BMDS compares reported values with the nominal (unscaled) bounds, so
     * only shape parameters and zero bounds can coincide there */
    int at_lb = fabs(best[j] - p.lb[j]) < BMD_BOUND_EPS;
    int at_ub = fabs(best[j] - p.ub[j]) < BMD_BOUND_EPS;
    int comparable_lb = p.lb[j] == 0.0 || bmd_param_scale_free(&p, j);
    int comparable_ub = p.ub[j] == 0.0 || bmd_param_scale_free(&p, j);
    out->bounded[j] = (at_lb && comparable_lb) || (at_ub && comparable_ub);
    out->at_bound[j] = at_lb || at_ub;
    n_free += !out->bounded[j];
  }
  if (opt->compat == BMD_COMPAT_BMDS2 && def->bmds2_exp_df)
    n_free = bmd_bmds2_exp_n_free(&p, best);
  out->n_free = opt->count_all_bounded ? (int)p.n_par : n_free;
  out->loglik = bmd_loglik_from_nll(&p, nll_best);
  out->aic = -2.0 * out->loglik + 2.0 * out->n_free;
  out->fit_df = (double)(aod->k_a3 - out->n_free);
  out->fit_p = out->fit_df > 0 && isfinite(aod->ll_a3)
                   ? bmd_chi2_sf(2.0 * (aod->ll_a3 - out->loglik), out->fit_df)
                   : NAN;

  double xbmd = bmd_bmd_scaled(&p, best);
  if (isnan(xbmd))
    goto done;
  out->bmd = xbmd * maxd;
  /* a variance collapsed onto its lower bound (e.g. constant responses)
   * leaves no usable profile: limits not computed (status bit 4). With
   * non-constant variance ln alpha may sit on its bound while rho keeps
   * sigma^2(0) = alpha |m(0)|^rho well above it: that profile is usable. */
  if (opt->compute_limits && variance_collapsed(&p, best)) {
    out->limits_status = 4;
  } else if (opt->compute_limits && opt->limit_method == BMD_LIMITS_WALD) {
    double xl, xu;
    out->limits_status =
        bmd_wald_limits(&p, best, out->at_bound, xbmd, opt->alpha, &xl, &xu) == 0 ? 0 : 32;
    out->bmdl = xl * maxd;
    out->bmdu = xu * maxd;
  } else if (opt->compute_limits) {
    double xl, xu, thl[BMD_MAX_PARAMS], thu[BMD_MAX_PARAMS], rl, ru;
    out->limits_status =
        bmd_profile_limits(&p, best, nll_best, xbmd, opt->alpha, &xl, &xu, thl, thu, &rl, &ru);
    out->bmdl = xl * maxd;
    out->bmdu = xu * maxd;
    out->bmdl_reach = rl * maxd;
    out->bmdu_reach = ru * maxd;
    if (isfinite(xl) || isfinite(rl))
      bmd_theta_to_user(&p, thl, out->bmdl_params);
    if (isfinite(xu) || isfinite(ru))
      bmd_theta_to_user(&p, thu, out->bmdu_params);
    if (opt->compat == BMD_COMPAT_BMDS2 && (out->limits_status & 16) && def->bmds2_bmdu_cap > 0)
      out->bmdu = def->bmds2_bmdu_cap;
  }
done:
  free(buf);
  return 0;
}

/* The mean functions take user-facing parameters as they are (D = M = 1),
 * but for c, which they take as ln c. NAN for an unknown model. */
double bmd_fit_mean(const bmd_fit_result *r, double dose) {
  const bmd_model_def *def = bmd_model_def_get(r->model);
  if (!def)
    return NAN;
  double th[BMD_MAX_PARAMS];
  memcpy(th, r->params, def->n_mean * sizeof(double));
  if (def->log_c >= 0)
    th[def->log_c] = log(r->params[def->log_c]);
  int aux = def->poly_degree > 0 ? def->poly_degree : (r->increasing ? 1 : -1);
  double m;
  def->mean(th, dose, aux, &m, NULL);
  return m;
}

int bmd_problem_of_fit(bmd_problem *p, const bmd_suffstat *ss, bmd_model m, bmd_variance v,
                       int increasing, double *buf) {
  const bmd_model_def *def = bmd_model_def_get(m);
  size_t G = ss->n_groups;
  if (!def || G == 0 || !(ss->dose[G - 1] > 0))
    return -1;
  problem_scaled(p, ss, def, v == BMD_VARIANCE_NONCONSTANT, increasing ? 1 : -1, ss->dose[G - 1],
                 buf);
  return 0;
}

double bmd_fit_loglik(const bmd_suffstat *ss, bmd_model m, bmd_variance v, int increasing,
                      const double *params) {
  double *buf = malloc((ss->n_groups ? BMD_PROBLEM_BUF(ss->n_groups) : 1) * sizeof(double));
  bmd_problem p;
  if (!buf || bmd_problem_of_fit(&p, ss, m, v, increasing, buf) != 0) {
    free(buf);
    return NAN;
  }
  double th[BMD_MAX_PARAMS];
  bmd_user_to_theta(&p, params, th);
  double ll = bmd_loglik_from_nll(&p, bmd_nll(&p, th, NULL));
  free(buf);
  return ll;
}
