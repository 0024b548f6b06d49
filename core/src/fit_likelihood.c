/*
 * fit_likelihood.c - the normal log-likelihood from per-dose sufficient
 * statistics, with constant or non-constant variance, and its gradient.
 *
 * Group i: n_i, mean ybar_i, sample variance s_i^2 (divisor n_i - 1),
 * model mean m_i, variance sigma_i^2 = exp(l) |m_i|^rho (rho = 0 for CV).
 * With non-constant variance, |m_i| is taken in original response units
 * (D |m_i|, lam_i = ln|m_i| + ln D), as alpha and its box are defined
 * there (bmdscore fits its final model on the original responses): l =
 * ln alpha - 2 ln D for every rho.
 *
 *   LL = sum_i [ -(n_i/2) ln(2 pi) - (n_i/2) ln sigma_i^2 - Q_i / (2 sigma_i^2) ]
 *   Q_i = (n_i - 1) s_i^2 + n_i (ybar_i - m_i)^2
 *
 * We minimise NLL = sum_i [ (n_i/2) ln sigma_i^2 + Q_i / (2 sigma_i^2) ] on
 * the scaled data; the 2 pi term and the Jacobian of the response scaling
 * (-N ln D) are added back by bmd_loglik_from_nll. Gradient:
 *   A_i = dNLL/d ln sigma_i^2 = n_i/2 - Q_i / (2 sigma_i^2)
 *   dNLL/dm_i = -n_i (ybar_i - m_i) / sigma_i^2 + A_i rho / m_i
 *   dNLL/dl = sum A_i,  dNLL/drho = sum A_i lam_i,
 *   dNLL/dtheta_j = sum_i dNLL/dm_i dm_i/dtheta_j.
 * Expected information (bmd_nll_info), with v_i = ln sigma_i^2:
 *   I_ab = sum_i n_i [ (dm_i/dtheta_a)(dm_i/dtheta_b) / sigma_i^2
 *                      + (dv_i/dtheta_a)(dv_i/dtheta_b) / 2 ],
 *   dv_i/dtheta_j = rho (dm_i/dtheta_j) / m_i (mean parameters),
 *   dv_i/drho = lam_i,  dv_i/dl = 1.
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>

#define MIN_ABS_MEAN 1e-12
/* dose groups whose means bmd_nll_info takes at once (on the stack); a
 * problem with more takes them dose by dose */
#define MEANS_AT_ONCE 32

/* adds group i's share of the expected information (see the top) */
static void add_information(const bmd_problem *p, double ni, double sig2, double m, double lam,
                            double rho, const double *gm, double *info) {
  size_t k = p->n_mean, np = p->n_par;
  if (!p->ncv) {
    /* dv_i/dtheta is 1 for l and 0 for the rest: the mean block and the
     * l diagonal only (the same sums as below, without the zeros) */
    for (size_t a = 0; a < k; a++)
      for (size_t b = 0; b <= a; b++)
        info[a * np + b] += ni * (gm[a] * gm[b] / sig2);
    info[np * np - 1] += ni * 0.5;
    return;
  }
  double dm[BMD_MAX_PARAMS] = {0}, dv[BMD_MAX_PARAMS] = {0};
  double mm = fabs(m) < MIN_ABS_MEAN ? copysign(MIN_ABS_MEAN, m) : m;
  for (size_t j = 0; j < k; j++) {
    dm[j] = gm[j];
    dv[j] = p->ncv ? rho * gm[j] / mm : 0.0;
  }
  if (p->ncv)
    dv[k] = lam;
  dv[np - 1] = 1.0;
  for (size_t a = 0; a < np; a++)
    for (size_t b = 0; b <= a; b++)
      info[a * np + b] += ni * (dm[a] * dm[b] / sig2 + 0.5 * dv[a] * dv[b]);
}

double bmd_nll(const bmd_problem *p, const double *th, double *grad) {
  return bmd_nll_info(p, th, grad, NULL);
}

double bmd_nll_info(const bmd_problem *p, const double *th, double *grad, double *info) {
  size_t k = p->n_mean;
  double rho = p->ncv ? th[k] : 0.0;
  double l = th[p->n_par - 1];
  double ln_d = p->ncv ? log(p->scale_y) : 0.0;
  double sig2_cv = p->ncv ? 0.0 : exp(l); /* constant variance: one sigma^2 */
  double nll = 0.0;
  double gm1[BMD_MAX_PARAMS];
  int derivs = grad || info;
  if (grad)
    memset(grad, 0, p->n_par * sizeof(double));
  if (info)
    memset(info, 0, p->n_par * p->n_par * sizeof(double));
  /* every group's mean at once where the model can (bmd_means_fn: the
   * same values, its dose-free parts computed once), else dose by dose */
  double ms[MEANS_AT_ONCE], gms[MEANS_AT_ONCE][BMD_MAX_PARAMS];
  int at_once = p->def && p->def->means && p->lx && p->n_groups <= MEANS_AT_ONCE;
  if (at_once)
    p->def->means(th, p->x, p->lx, p->n_groups, p->aux, ms, derivs ? gms : NULL);
  for (size_t i = 0; i < p->n_groups; i++) {
    double m;
    double *gm = at_once ? gms[i] : gm1;
    if (at_once)
      m = ms[i];
    else
      p->mean(th, p->x[i], p->aux, &m, derivs ? gm : NULL);
    double lam = 0.0, lsig = l;
    if (p->ncv) {
      double am = fabs(m);
      if (am < MIN_ABS_MEAN)
        am = MIN_ABS_MEAN;
      lam = log(am) + ln_d; /* bmd_ncv_log_abs_mean, ln D hoisted */
      lsig += rho * lam;
    }
    double sig2 = p->ncv ? exp(lsig) : sig2_cv;
    double r = p->yb[i] - m;
    double q = (p->nn[i] - 1.0) * p->s2[i] + p->nn[i] * r * r;
    nll += 0.5 * p->nn[i] * lsig + 0.5 * q / sig2;
    if (grad) {
      double A = 0.5 * p->nn[i] - 0.5 * q / sig2;
      double dm = -p->nn[i] * r / sig2;
      if (p->ncv) {
        dm += A * rho / (fabs(m) < MIN_ABS_MEAN ? copysign(MIN_ABS_MEAN, m) : m);
        grad[k] += A * lam;
      }
      grad[p->n_par - 1] += A;
      for (size_t j = 0; j < k; j++)
        grad[j] += dm * gm[j];
    }
    if (info)
      add_information(p, p->nn[i], sig2, m, lam, rho, gm, info);
  }
  if (info) {
    size_t np = p->n_par;
    for (size_t a = 0; a < np; a++)
      for (size_t b = 0; b < a; b++)
        info[b * np + a] = info[a * np + b];
    for (size_t a = 0; a < np * np; a++)
      if (!isfinite(info[a]))
        return HUGE_VAL;
  }
  return isfinite(nll) ? nll : HUGE_VAL;
}

double bmd_loglik_from_nll(const bmd_problem *p, double nll) {
  return -nll - 0.5 * p->n_total * log(2.0 * BMD_PI) - p->n_total * log(p->scale_y);
}

void bmd_clamp(const bmd_problem *p, double *th) {
  for (size_t j = 0; j < p->n_par; j++) {
    if (!(th[j] >= p->lb[j]))
      th[j] = p->lb[j];
    if (th[j] > p->ub[j])
      th[j] = p->ub[j];
  }
}

int bmd_variance_start(const bmd_problem *p, double *th, int alpha_in_box) {
  size_t k = p->n_mean;
  double rho = 0.0;
  if (p->ncv) {
    /* weighted regression of ln s_i^2 on ln |ybar_i| */
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < p->n_groups; i++) {
      double w = p->nn[i] - 1.0;
      if (w <= 0 || p->s2[i] <= 0 || fabs(p->yb[i]) < MIN_ABS_MEAN)
        continue;
      double xv = log(fabs(p->yb[i])), yv = log(p->s2[i]);
      sw += w;
      sx += w * xv;
      sy += w * yv;
      sxx += w * xv * xv;
      sxy += w * xv * yv;
    }
    double det = sw * sxx - sx * sx;
    if (sw > 0 && det > 1e-12 * sw * sw)
      rho = (sw * sxy - sx * sy) / det;
    if (!isfinite(rho))
      rho = 0.0;
    if (rho < p->lb[k])
      rho = p->lb[k];
    if (rho > p->ub[k])
      rho = p->ub[k];
    th[k] = rho;
  }
  bmd_variance_scale_start(p, th);
  /* group means close together make the regression steep: a rho whose
   * alpha falls outside its box is halved until alpha fits */
  size_t v = p->n_par - 1;
  int halved = 0;
  for (int i = 0;
       alpha_in_box && p->ncv && i < 12 && th[k] != 0.0 && (th[v] <= p->lb[v] || th[v] >= p->ub[v]);
       i++) {
    th[k] *= 0.5;
    bmd_variance_scale_start(p, th);
    halved = 1;
  }
  return halved;
}

/*
 * Given the mean parameters and rho, the likelihood is maximised in l by
 *   exp(l) = (1/N) sum_i q_i / exp(rho lam_i),  q_i = (n_i - 1) s_i^2 + n_i (ybar_i - m_i)^2.
 */
void bmd_variance_scale_start(const bmd_problem *p, double *th) {
  size_t k = p->n_mean;
  double rho = p->ncv ? th[k] : 0.0;
  double sq = 0.0;
  for (size_t i = 0; i < p->n_groups; i++) {
    double m;
    p->mean(th, p->x[i], p->aux, &m, NULL);
    double r = p->yb[i] - m;
    double q = (p->nn[i] - 1.0) * p->s2[i] + p->nn[i] * r * r;
    sq += p->ncv ? q / exp(rho * bmd_ncv_log_abs_mean(p, m)) : q;
  }
  double a = sq / p->n_total;
  double l = a > 0 && isfinite(a) ? log(a) : 0.0;
  size_t v = p->n_par - 1;
  if (l < p->lb[v])
    l = p->lb[v];
  if (l > p->ub[v])
    l = p->ub[v];
  th[v] = l;
}
