/*
 * fit_aod.c - analysis of deviance of a continuous dataset (numerics.md
 * §1.9): the likelihoods A1, A2, A3, R and tests 1-3.
 *
 *   A1: one mean per group, common variance: sigma^2 = sum (n_i-1) s_i^2 / N,
 *       LL = -N/2 [ln(2 pi sigma^2) + 1], G + 1 parameters
 *   A2: one mean and one variance per group: sigma_i^2 = (n_i-1) s_i^2 / n_i,
 *       LL = sum -n_i/2 [ln(2 pi sigma_i^2) + 1], 2G parameters
 *   A3: one mean per group, variance alpha |mu_i|^rho (NCV; = A1 for CV),
 *       fitted numerically, G + 2 parameters
 *   R:  one mean, one variance: sigma^2 = [sum (n_i-1) s_i^2 + sum n_i (ybar_i - ybar)^2] / N
 * Tests (statistic 2 (LL_big - LL_small) clamped at 0, upper chi^2 tail):
 *   1: A2 vs R, df 2G - 2;  2: A2 vs A1, df G - 1;
 *   3: A2 vs A3, df G - 2 (NCV) or G - 1 (CV).
 */
#include "fit_internal.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>

double bmd_chi2_sf(double x, double df) {
  if (!(df > 0))
    return NAN;
  if (x < 0)
    x = 0;
  return gsl_cdf_chisq_Q(x, df);
}

typedef struct a3_ctx {
  const bmd_suffstat *ss;
  double scale;
} a3_ctx;

/* NLL of the A3 model on data divided by `scale`; theta = (mu_1..mu_G, rho, l). */
static double a3_nll(unsigned n, const double *th, double *grad, void *data) {
  a3_ctx *c = data;
  size_t G = c->ss->n_groups;
  double rho = th[G], l = th[G + 1], nll = 0;
  if (grad) {
    grad[G] = 0;
    grad[G + 1] = 0;
  }
  for (size_t i = 0; i < G; i++) {
    double ni = c->ss->n[i], yb = c->ss->mean[i] / c->scale, sd = c->ss->sd[i] / c->scale;
    double mu = th[i], am = fabs(mu) < 1e-12 ? 1e-12 : fabs(mu);
    double lam = log(am), lsig = l + rho * lam, sig2 = exp(lsig);
    double r = yb - mu, q = (ni - 1.0) * sd * sd + ni * r * r;
    nll += 0.5 * ni * lsig + 0.5 * q / sig2;
    if (grad) {
      double A = 0.5 * ni - 0.5 * q / sig2;
      grad[i] = -ni * r / sig2 + A * rho / (mu < 0 ? -am : am);
      grad[G] += A * lam;
      grad[G + 1] += A;
    }
  }
  (void)n;
  return isfinite(nll) ? nll : HUGE_VAL;
}

static double a3_fit(const bmd_suffstat *ss, double ll_a1, double n_total) {
  size_t G = ss->n_groups;
  double scale = fabs(ss->mean[0]) < 1.0 ? 1.0 : fabs(ss->mean[0]);
  double *buf = calloc(3 * (G + 2), sizeof(double));
  if (!buf)
    return NAN;
  double *th = buf, *lb = buf + G + 2, *ub = buf + 2 * (G + 2);
  for (size_t i = 0; i < G; i++) {
    th[i] = ss->mean[i] / scale;
    lb[i] = -HUGE_VAL;
    ub[i] = HUGE_VAL;
  }
  /* start: rho = 0, common variance */
  double sq = 0;
  for (size_t i = 0; i < G; i++)
    sq += (ss->n[i] - 1.0) * ss->sd[i] * ss->sd[i] / (scale * scale);
  th[G] = 0.0;
  th[G + 1] = sq > 0 ? log(sq / n_total) : 0.0;
  lb[G] = -18;
  ub[G] = 18;
  lb[G + 1] = -40;
  ub[G + 1] = 40;
  a3_ctx ctx = {ss, scale};
  nlopt_opt o = nlopt_create(NLOPT_LD_SLSQP, (unsigned)(G + 2));
  double f = HUGE_VAL, ll = NAN;
  if (o) {
    nlopt_set_lower_bounds(o, lb);
    nlopt_set_upper_bounds(o, ub);
    nlopt_set_min_objective(o, a3_nll, &ctx);
    nlopt_set_ftol_rel(o, 1e-12);
    nlopt_set_xtol_rel(o, 1e-10);
    nlopt_set_maxeval(o, 3000);
    nlopt_optimize(o, th, &f);
    nlopt_destroy(o);
    if (isfinite(f))
      ll = -f - 0.5 * n_total * log(2 * BMD_PI) - n_total * log(scale);
  }
  free(buf);
  /* A3 nests A1 (rho = 0): never report less */
  if (!(ll >= ll_a1))
    ll = ll_a1;
  return ll;
}

int bmd_aod_compute(const bmd_suffstat *ss, bmd_variance v, bmd_aod *out) {
  size_t G = ss ? ss->n_groups : 0;
  if (G < 1)
    return -1;
  double N = 0, sw = 0, pooled = 0, ll_a2 = 0;
  int a2_ok = 1;
  for (size_t i = 0; i < G; i++) {
    N += ss->n[i];
    sw += ss->n[i] * ss->mean[i];
    double ssq = (ss->n[i] - 1.0) * ss->sd[i] * ss->sd[i];
    pooled += ssq;
    double s2i = ssq / ss->n[i];
    if (s2i > 0)
      ll_a2 += -0.5 * ss->n[i] * (log(2 * BMD_PI * s2i) + 1.0);
    else
      a2_ok = 0;
  }
  double ybar = sw / N, between = 0;
  for (size_t i = 0; i < G; i++)
    between += ss->n[i] * (ss->mean[i] - ybar) * (ss->mean[i] - ybar);
  double s2_a1 = pooled / N, s2_r = (pooled + between) / N;
  out->ll_a1 = s2_a1 > 0 ? -0.5 * N * (log(2 * BMD_PI * s2_a1) + 1.0) : NAN;
  out->ll_a2 = a2_ok ? ll_a2 : NAN;
  out->ll_r = s2_r > 0 ? -0.5 * N * (log(2 * BMD_PI * s2_r) + 1.0) : NAN;
  out->k_a1 = (int)G + 1;
  out->k_a2 = 2 * (int)G;
  out->k_r = 2;
  if (v == BMD_VARIANCE_NONCONSTANT) {
    out->ll_a3 = isfinite(out->ll_a1) ? a3_fit(ss, out->ll_a1, N) : NAN;
    out->k_a3 = (int)G + 2;
  } else {
    out->ll_a3 = out->ll_a1;
    out->k_a3 = (int)G + 1;
  }
  out->test_df[0] = 2.0 * (double)G - 2.0;
  out->test_df[1] = (double)G - 1.0;
  out->test_df[2] = v == BMD_VARIANCE_NONCONSTANT ? (double)G - 2.0 : (double)G - 1.0;
  out->test_p[0] = bmd_chi2_sf(2.0 * (out->ll_a2 - out->ll_r), out->test_df[0]);
  out->test_p[1] = bmd_chi2_sf(2.0 * (out->ll_a2 - out->ll_a1), out->test_df[1]);
  out->test_p[2] = bmd_chi2_sf(2.0 * (out->ll_a2 - out->ll_a3), out->test_df[2]);
  return 0;
}
