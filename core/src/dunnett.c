/*
 * dunnett.c - Dunnett's many-to-one test (bmd/dunnett.h): the statistics
 * from the pooled variance, and their adjusted p-values as a 2-D integral
 * evaluated by GSL's adaptive Gauss-Kronrod quadrature. The inner integral
 * depends on the group sizes only, so it is tabulated once as a Chebyshev
 * series and reused while the sizes stay the same (every probe of a
 * dataset).
 */
#include "bmd/dunnett.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_chebyshev.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>

/* Subintervals each adaptive integral may use. */
#define QUAD_LIMIT 256
/* Requested accuracy of the inner (z) integral at a Chebyshev node and of
 * the outer (u) integral, the probability itself. */
#define INNER_EPSABS 1e-14
#define OUTER_EPSABS 1e-11
#define QUAD_EPSREL 1e-10
/* A p-value whose quadrature error estimate exceeds this is not reported. */
#define MAX_ERROR 1e-6
/* |z| <= Z_MAX leaves out 2 Phi(-8.3) < 1.1e-16 of the normal mass. */
#define Z_MAX 8.3
/* G(w) below is tabulated for |w| <= W_MAX: beyond, it differs from its
 * limit (0 or 1) by at most 2 k Phi(-W_MAX) < k 2.3e-19. */
#define W_MAX 9.0
/* Chebyshev order of G; G is entire and varies on the scale of 1. */
#define CHEB_ORDER 96
/* u between the U_TAIL and 1 - U_TAIL quantiles of S / sigma. */
#define U_TAIL 1e-15

struct bmd_dunnett_workspace {
  size_t max_groups;
  gsl_integration_workspace *outer, *inner;
  gsl_cheb_series *g; /* G(w) of the design below */
  size_t k;           /* the tabulated design: k comparisons, 0 = none yet, */
  int two_sided;      /* its alternative */
  size_t *sizes;      /* k + 1: and its group sizes */
  double *lambda;     /* k: lambda_i = sqrt(n_i / (n_i + n_0)) */
  double *rest;       /* k: r_i = sqrt(1 - lambda_i^2) = sqrt(n_0 / (n_i + n_0)) */
  double *means;      /* k: the treated groups' means */
};

bmd_dunnett_workspace *bmd_dunnett_workspace_new(size_t max_groups) {
  if (max_groups < 2)
    return NULL;
  bmd_dunnett_workspace *w = calloc(1, sizeof(*w));
  if (!w)
    return NULL;
  w->max_groups = max_groups;
  w->outer = gsl_integration_workspace_alloc(QUAD_LIMIT);
  w->inner = gsl_integration_workspace_alloc(QUAD_LIMIT);
  w->g = gsl_cheb_alloc(CHEB_ORDER);
  w->lambda = malloc(3 * max_groups * sizeof(double));
  w->sizes = calloc(max_groups, sizeof(size_t));
  if (!w->outer || !w->inner || !w->g || !w->lambda || !w->sizes) {
    bmd_dunnett_workspace_destroy(w);
    return NULL;
  }
  w->rest = w->lambda + max_groups;
  w->means = w->rest + max_groups;
  return w;
}

void bmd_dunnett_workspace_destroy(bmd_dunnett_workspace *w) {
  if (!w)
    return;
  if (w->outer)
    gsl_integration_workspace_free(w->outer);
  if (w->inner)
    gsl_integration_workspace_free(w->inner);
  if (w->g)
    gsl_cheb_free(w->g);
  free(w->lambda);
  free(w->sizes);
  free(w);
}

/*
 * The probability. With sigma the common standard deviation, write
 *   Z_i = (ybar_i - ybar_0) / (sigma sqrt(1/n_i + 1/n_0)),  U = s / sigma,
 * so T_i = Z_i / U. The Z_i are standard normal with
 *   corr(Z_i, Z_j) = (1/n_0) / sqrt((1/n_i + 1/n_0)(1/n_j + 1/n_0))
 *                  = lambda_i lambda_j,   lambda_i = sqrt(n_i / (n_i + n_0)),
 * hence Z_i = lambda_i Z + r_i E_i, r_i = sqrt(1 - lambda_i^2), with Z,
 * E_1..E_k independent standard normals; nu U^2 ~ chi^2_nu independently
 * of them. Conditioning on Z = z and U = u makes the events independent:
 *
 *   P(max_i |T_i| <= c) = int_0^inf f_nu(u) G(c u) du,
 *     G(w) = int phi(z) prod_i [Phi((w - lambda_i z) / r_i)
 *                               - Phi((-w - lambda_i z) / r_i)] dz;
 *   P(max_i T_i <= c)   = int_0^inf f_nu(u) G1(c u) du,
 *     G1(w) = int phi(z) prod_i Phi((w - lambda_i z) / r_i) dz;
 *
 * f_nu the density of U = sqrt(chi^2_nu / nu):
 *   log f_nu(u) = log 2 + (nu/2) log(nu/2) - lgamma(nu/2) + (nu - 1) log u
 *                 - nu u^2 / 2.
 * (z -> -z writes the same two-sided G with lambda_i z + w.) G(w) =
 * P(max |Z_i| <= w) is even in z: twice the integral over [0, Z_MAX]. G and
 * G1 depend on the group sizes only: Chebyshev series on [0, W_MAX] (G) or
 * [-W_MAX, W_MAX] (G1), held at their limits outside.
 */
typedef struct integrand {
  const bmd_dunnett_workspace *w;
  double arg;                  /* w of G(w) while integrating over z; c for u */
  double nu, log_norm, lo, hi; /* the outer integral: f_nu and G's range */
} integrand;

static double inner_cb(double z, void *arg) {
  const integrand *q = arg;
  const bmd_dunnett_workspace *w = q->w;
  double prod = gsl_ran_ugaussian_pdf(z);
  for (size_t i = 0; i < w->k && prod > 0; i++) {
    double mid = w->lambda[i] * z, r = w->rest[i];
    double upper = gsl_cdf_ugaussian_P((q->arg - mid) / r);
    prod *= w->two_sided ? upper - gsl_cdf_ugaussian_P((-q->arg - mid) / r) : upper;
  }
  return prod;
}

static double g_cb(double arg, void *p) {
  bmd_dunnett_workspace *w = p;
  integrand q = {.w = w, .arg = arg};
  gsl_function f = {inner_cb, &q};
  double g, err;
  gsl_integration_qag(&f, w->two_sided ? 0 : -Z_MAX, Z_MAX, INNER_EPSABS, QUAD_EPSREL, QUAD_LIMIT,
                      GSL_INTEG_GAUSS21, w->inner, &g, &err);
  return w->two_sided ? 2 * g : g;
}

static double outer_cb(double u, void *arg) {
  const integrand *q = arg;
  if (!(u > 0))
    return 0;
  double log_f = q->log_norm + (q->nu - 1) * log(u) - q->nu * u * u / 2;
  double cu = q->arg * u;
  double g = cu <= q->lo ? 0 : cu >= q->hi ? 1 : gsl_cheb_eval(q->w->g, cu);
  return exp(log_f) * g;
}

/* 1 - P(max T <= c) (one-sided) or 1 - P(max |T| <= c) of the tabulated
 * design, NaN when the quadrature's error estimate is above MAX_ERROR. */
static double tail(bmd_dunnett_workspace *w, double nu, double c) {
  integrand q = {.w = w, .arg = c, .nu = nu, .hi = W_MAX};
  q.lo = w->two_sided ? 0 : -W_MAX;
  q.log_norm = M_LN2 + nu / 2 * log(nu / 2) - gsl_sf_lngamma(nu / 2);
  double u_lo = sqrt(gsl_cdf_chisq_Pinv(U_TAIL, nu) / nu);
  double u_hi = sqrt(gsl_cdf_chisq_Qinv(U_TAIL, nu) / nu);
  gsl_function f = {outer_cb, &q};
  double prob, err;
  gsl_integration_qag(&f, u_lo, u_hi, OUTER_EPSABS, QUAD_EPSREL, QUAD_LIMIT, GSL_INTEG_GAUSS21,
                      w->outer, &prob, &err);
  if (!(err <= MAX_ERROR))
    return NAN;
  double p = 1 - prob;
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* Makes w->g the G (two_sided) or G1 of the design sizes[0..k] unless it
 * already is: lambda_i, r_i and the series. */
static void tabulate(bmd_dunnett_workspace *w, const size_t *sizes, size_t k, int two_sided) {
  int same = w->k == k && w->two_sided == two_sided;
  for (size_t g = 0; same && g <= k; g++)
    same = w->sizes[g] == sizes[g];
  if (same)
    return;
  double n0 = (double)sizes[0];
  for (size_t i = 0; i < k; i++) {
    double ni = (double)sizes[i + 1];
    w->lambda[i] = sqrt(ni / (ni + n0));
    w->rest[i] = sqrt(n0 / (ni + n0));
  }
  for (size_t g = 0; g <= k; g++)
    w->sizes[g] = sizes[g];
  w->k = k;
  w->two_sided = two_sided;
  gsl_function f = {g_cb, w};
  gsl_cheb_init(w->g, &f, two_sided ? 0 : -W_MAX, W_MAX);
}

/*
 * Statistics: group means ybar_g (two-pass), the pooled variance
 *   s^2 = sum_g sum_j (y_gj - ybar_g)^2 / nu,   nu = N - (k + 1),
 *   t_i = (ybar_i - ybar_0) / (s sqrt(1/n_i + 1/n_0)).
 * p-values, single step: two-sided p_i = P(max_j |T_j| >= |t_i|), greater
 * p_i = P(max_j T_j >= t_i), less p_i = P(min_j T_j <= t_i) = P(max_j -T_j
 * >= -t_i) (the -T_j have the same correlations).
 */
int bmd_dunnett_test(bmd_dunnett_workspace *w, const double *values, const size_t *sizes,
                     size_t n_groups, bmd_dunnett_alternative alternative, double *t_out,
                     double *p_out) {
  if (n_groups < 2 || n_groups > w->max_groups)
    return -1;
  size_t k = n_groups - 1, total = 0;
  for (size_t g = 0; g < n_groups; g++) {
    if (sizes[g] == 0)
      return -1;
    total += sizes[g];
  }
  double mean0 = 0, ss = 0;
  const double *x = values;
  for (size_t g = 0; g < n_groups; g++) {
    double m = 0;
    for (size_t j = 0; j < sizes[g]; j++)
      m += x[j];
    m /= (double)sizes[g];
    for (size_t j = 0; j < sizes[g]; j++)
      ss += (x[j] - m) * (x[j] - m);
    if (g == 0)
      mean0 = m;
    else
      w->means[g - 1] = m;
    x += sizes[g];
  }
  double nu = (double)(total - n_groups), s = nu > 0 ? sqrt(ss / nu) : NAN;
  double n0 = (double)sizes[0];
  for (size_t i = 0; i < k; i++) {
    double ni = (double)sizes[i + 1];
    w->means[i] = s > 0 ? (w->means[i] - mean0) / (s * sqrt(1 / ni + 1 / n0)) : NAN;
    if (t_out)
      t_out[i] = w->means[i];
  }
  if (!p_out)
    return 0;
  int two_sided = alternative == BMD_DUNNETT_TWO_SIDED;
  if (s > 0)
    tabulate(w, sizes, k, two_sided);
  for (size_t i = 0; i < k; i++) {
    double t = w->means[i]; /* now the statistic */
    double c = two_sided ? fabs(t) : alternative == BMD_DUNNETT_GREATER ? t : -t;
    p_out[i] = isnan(t) ? NAN : tail(w, nu, c);
  }
  return 0;
}
