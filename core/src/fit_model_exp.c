/*
 * fit_model_exp.c - Exponential models 2-5 (EPA BMDS forms): mean functions
 * and gradients, box, starting values, scaling and BMD (scaled problem,
 * see fit_internal.h), and their definitions bmd_exp2_def .. bmd_exp5_def
 * (fit_model_def.h). Exp 4/5 carry ln c; aux = s = +1 (increasing) or -1
 * (decreasing). The variance scale is reported as ln alpha (pybmds).
 *
 *   Exp 2/3  m(x) = a exp(s (b x)^d)          (Exp 2: d = 1)
 *   Exp 4/5  m(x) = a (c - (c - 1) exp(-(b x)^d))  (Exp 4: d = 1)
 *   box (scaled, pybmds defaults, numerics.md §1.3): a in [0, 100];
 *   b in [0, 100]; ln c in [0, 20] increasing, [-20, 0] decreasing;
 *   d in [1, 18]
 *   user units: a D, b / M, c = exp(ln c) (D = response divisor, M = max
 *   dose); d as is
 * BMDs beyond BMD_XMAX x max dose are "no BMD", as in bmdscore.
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>

/* t = (b x)^d and dt/db, dt/dd (x >= 0, b >= 0). */
static void power_term(double b, double x, double d, double *t, double *dtdb, double *dtdd) {
  double bx = b * x;
  if (bx > 0.0) {
    *t = pow(bx, d);
    *dtdb = d * *t / b;
    *dtdd = *t * log(bx);
  } else {
    *t = 0.0;
    *dtdb = (x > 0.0 && d == 1.0) ? x : 0.0;
    *dtdd = 0.0;
  }
}

/*
 * Exp 3: m = a exp(s t), t = (b x)^d;  Exp 2 is d = 1.
 *   dm/da = e, dm/db = a e s dt/db, dm/dd = a e s dt/dd  (e = exp(s t)).
 */
void bmd_exp3_mean(const double *th, double x, int aux, double *m, double *grad) {
  double a = th[0], b = th[1], d = th[2], t, tb, td;
  power_term(b, x, d, &t, &tb, &td);
  double e = exp(aux * t);
  *m = a * e;
  if (grad) {
    grad[0] = e;
    grad[1] = a * e * aux * tb;
    grad[2] = a * e * aux * td;
  }
}

void bmd_exp2_mean(const double *th, double x, int aux, double *m, double *grad) {
  double t3[3] = {th[0], th[1], 1.0}, g3[3];
  bmd_exp3_mean(t3, x, aux, m, grad ? g3 : NULL);
  if (grad) {
    grad[0] = g3[0];
    grad[1] = g3[1];
  }
}

/*
 * Exp 5: m = a (c - (c - 1) E), E = exp(-t), t = (b x)^d, c = exp(lc);
 * Exp 4 is d = 1.
 *   dm/da = c - (c - 1) E, dm/db = a (c - 1) E dt/db,
 *   dm/dlc = a c (1 - E),   dm/dd = a (c - 1) E dt/dd.
 */
static void exp45_means(const double *th, double d, const double *x, size_t count, double *m,
                        double (*gm)[BMD_MAX_PARAMS]) {
  double a = th[0], b = th[1], cm1 = expm1(th[2]); /* c - 1 once a call */
  for (size_t i = 0; i < count; i++) {
    double t, tb, td;
    power_term(b, x[i], d, &t, &tb, &td);
    /* c - (c - 1) E = 1 + (c - 1) (1 - E), with c - 1 and 1 - E from
     * expm1: no cancellation when c is large and t small */
    double E = exp(-t), G = -expm1(-t);
    m[i] = a * (1.0 + cm1 * G);
    if (gm) {
      gm[i][0] = 1.0 + cm1 * G;
      gm[i][1] = a * cm1 * E * tb;
      gm[i][2] = a * (cm1 + 1.0) * G;
      gm[i][3] = a * cm1 * E * td;
    }
  }
}

/* every group at once (bmd_means_fn) and one dose */
void bmd_exp5_means(const double *th, const double *x, const double *lx, size_t count, int aux,
                    double *m, double (*gm)[BMD_MAX_PARAMS]) {
  (void)lx;
  (void)aux;
  exp45_means(th, th[3], x, count, m, gm);
}

void bmd_exp5_mean(const double *th, double x, int aux, double *m, double *grad) {
  (void)aux;
  double gm[1][BMD_MAX_PARAMS];
  exp45_means(th, th[3], &x, 1, m, grad ? gm : NULL);
  if (grad)
    memcpy(grad, gm[0], 4 * sizeof(double));
}

/* Exp 4: Exp 5 with d = 1 (its gm[i][3], dm/dd, is not a parameter's) */
void bmd_exp4_means(const double *th, const double *x, const double *lx, size_t count, int aux,
                    double *m, double (*gm)[BMD_MAX_PARAMS]) {
  (void)lx;
  (void)aux;
  exp45_means(th, 1.0, x, count, m, gm);
}

void bmd_exp4_mean(const double *th, double x, int aux, double *m, double *grad) {
  (void)aux;
  double gm[1][BMD_MAX_PARAMS];
  exp45_means(th, 1.0, &x, 1, m, grad ? gm : NULL);
  if (grad)
    memcpy(grad, gm[0], 3 * sizeof(double));
}

/* Exp 2/3: least squares of ln(mean) on x^d over a grid of d (Exp 3). */
static size_t exp23_starts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max) {
  int has_d = p->def->shape >= 0;
  double scores[16];
  size_t count = 0;
  size_t G = p->n_groups > 64 ? 64 : p->n_groups;
  double z[64], f[64], w[64];
  static const double dgrid[] = {1.0, 1.5, 2.0, 3.0, 5.0};
  size_t nd = has_d ? sizeof(dgrid) / sizeof(dgrid[0]) : 1;
  double ymax = 0;
  for (size_t i = 0; i < G; i++)
    if (fabs(p->yb[i]) > ymax)
      ymax = fabs(p->yb[i]);
  for (size_t i = 0; i < G; i++) {
    double y = p->yb[i] > 1e-6 * ymax ? p->yb[i] : 1e-6 * (ymax > 0 ? ymax : 1);
    z[i] = log(y);
    w[i] = p->nn[i];
  }
  for (size_t a = 0; a < nd; a++) {
    double d = dgrid[a];
    for (size_t i = 0; i < G; i++)
      f[i] = p->x[i] > 0 ? pow(p->x[i], d) : 0.0;
    double la, slope, rss;
    if (bmd_ls2(w, f, z, G, &la, &slope, &rss) != 0)
      continue;
    double sb = p->sign * slope;
    double th[BMD_MAX_PARAMS] = {exp(la), sb > 0 ? pow(sb, 1.0 / d) : 0.05, d};
    bmd_start_keep(starts, scores, &count, max < 16 ? max : 16, th, has_d ? 3 : 2,
                   bmd_start_score(p, th));
  }
  /* grid over (b, d) with a by least squares: a = sum n y f / sum n f^2,
   * f = exp(s (b x)^d); catches optima the log fit misses (non-monotone data) */
  static const double bgrid[] = {0.1, 0.3, 0.7, 1.5, 3.0, 6.0};
  for (size_t a = 0; a < nd; a++)
    for (size_t bi = 0; bi < sizeof(bgrid) / sizeof(bgrid[0]); bi++) {
      double d = dgrid[a], b = bgrid[bi], num = 0, den = 0;
      for (size_t i = 0; i < G; i++) {
        double fi = exp(p->sign * pow(b * p->x[i], d));
        num += p->nn[i] * p->yb[i] * fi;
        den += p->nn[i] * fi * fi;
      }
      if (!(den > 0))
        continue;
      double th[BMD_MAX_PARAMS] = {num / den, b, d};
      bmd_start_keep(starts, scores, &count, max < 16 ? max : 16, th, has_d ? 3 : 2,
                     bmd_start_score(p, th));
    }
  return count;
}

/* Exp 4/5: grid over (b, d (Exp 5)), least squares for A = a and B = a (c - 1). */
static size_t exp45_starts(const bmd_problem *p, double (*starts)[BMD_MAX_PARAMS], size_t max) {
  int has_d = p->def->shape >= 0;
  double scores[16];
  size_t count = 0;
  size_t G = p->n_groups > 64 ? 64 : p->n_groups;
  double f[64];
  /* up to the bounds b = 100, d = 18: a step between dose 0 and the first
   * dose (every dosed group on the plateau) */
  static const double bgrid[] = {0.05, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 20.0, 60.0, 100.0};
  static const double dgrid[] = {1.0, 1.5, 2.0, 3.0, 5.0, 9.0, 18.0};
  size_t nd = has_d ? sizeof(dgrid) / sizeof(dgrid[0]) : 1;
  for (size_t a = 0; a < nd; a++) {
    double d = dgrid[a];
    for (size_t bi = 0; bi < sizeof(bgrid) / sizeof(bgrid[0]); bi++) {
      double b = bgrid[bi];
      for (size_t i = 0; i < G; i++)
        f[i] = 1.0 - exp(-pow(b * p->x[i], d));
      double A, B, rss;
      if (bmd_ls2(p->nn, f, p->yb, G, &A, &B, &rss) != 0)
        continue;
      if (!(A > 0))
        A = fabs(p->yb[0]) > 0 ? fabs(p->yb[0]) : 1.0;
      double c = 1.0 + B / A;
      if (p->sign > 0 && c < 1.001)
        c = 1.001;
      if (p->sign < 0 && (c > 0.999 || c <= 0))
        c = c <= 0 ? 1e-3 : 0.999;
      double th[BMD_MAX_PARAMS] = {A, b, log(c), d};
      bmd_start_keep(starts, scores, &count, max < 16 ? max : 16, th, has_d ? 4 : 3,
                     bmd_start_score(p, th));
    }
  }
  return count;
}

/* ln c's box by direction (Exp 4/5), d's box (Exp 3/5) */
static void exp_bounds(bmd_problem *p, const bmd_fit_options *opt) {
  (void)opt;
  double *lb = p->lb, *ub = p->ub;
  int lc = p->def->log_c, d = p->def->shape;
  lb[0] = 0;
  ub[0] = 100;
  lb[1] = 0;
  ub[1] = 100;
  if (lc >= 0) {
    lb[lc] = p->sign > 0 ? 0 : -20;
    ub[lc] = p->sign > 0 ? 20 : 0;
  }
  if (d >= 0) {
    lb[d] = 1;
    ub[d] = 18;
  }
}

static void exp_to_user(const bmd_problem *p, const double *th, double *user) {
  double D = p->scale_y, M = p->maxd;
  int lc = p->def->log_c;
  user[0] = D * th[0];
  user[1] = th[1] / M;
  if (lc >= 0)
    user[lc] = exp(th[lc]);
}

static void exp_from_user(const bmd_problem *p, const double *user, double *th) {
  double D = p->scale_y, M = p->maxd;
  int lc = p->def->log_c;
  th[0] = user[0] / D;
  th[1] = user[1] * M;
  if (lc >= 0)
    th[lc] = log(user[lc]);
}

/* Exp 2/3: s a (exp(s t) - 1) = Delta, t = (b x)^d:
 *   t = s ln(1 + s Delta / a) > 0:  x = t^(1/d) / b */
static double exp23_bmd(const bmd_problem *p, const double *th, double delta) {
  double s = p->sign, x = NAN;
  int di = p->def->shape;
  double a = th[0], b = th[1], d = di >= 0 ? th[di] : 1.0;
  double u = 1.0 + s * delta / a;
  if (a > 0 && b > 0 && u > 0) {
    double t = s * log(u);
    if (t > 0)
      x = pow(t, 1.0 / d) / b;
  }
  if (x > BMD_XMAX)
    x = NAN;
  return x;
}

/* Exp 4/5: s a (c - 1) (1 - exp(-t)) = Delta, t = (b x)^d:
 *   r = Delta / (s a (c - 1)), 0 < r < 1:  t = -ln(1 - r), x = t^(1/d) / b */
static double exp45_bmd(const bmd_problem *p, const double *th, double delta) {
  double s = p->sign, x = NAN;
  int di = p->def->shape;
  double a = th[0], b = th[1], c = exp(th[p->def->log_c]), d = di >= 0 ? th[di] : 1.0;
  double r = delta / (s * a * (c - 1.0));
  if (a > 0 && b > 0 && r > 0 && r < 1)
    x = pow(-log1p(-r), 1.0 / d) / b;
  if (x > BMD_XMAX)
    x = NAN;
  return x;
}

static const char *const exp2_names[] = {"a", "b", NULL};
static const char *const exp3_names[] = {"a", "b", "d", NULL};
static const char *const exp4_names[] = {"a", "b", "c", NULL};
static const char *const exp5_names[] = {"a", "b", "c", "d", NULL};

/* The exponential family: Exp 2-5 differ in their parameters, the index
 * of the shape d and of ln c (-1: none), their starts and their BMD. */
#define EXP_DEF(model, model_name, model_label, n, names, d, c, starts_n, mean_fn, means_fn,       \
                starts_fn, bmd_fn)                                                                 \
  {                                                                                                \
    .id = model, .name = model_name, .label = model_label, .n_mean = n, .param_names = names,      \
    .log_alpha = 1, .shape = d, .log_c = c, .dose_scale = 1, /* b x */ .dose_scale_power = -1,     \
    .n_starts = starts_n, .bmds2_exp_df = 1, .bmds2_bmdu_cap = 1e7, .mean = mean_fn,               \
    .means = means_fn, .bounds = exp_bounds, .starts = starts_fn, .to_user = exp_to_user,          \
    .from_user = exp_from_user, .bmd = bmd_fn                                                      \
  }

const bmd_model_def bmd_exp2_def = EXP_DEF(BMD_MODEL_EXP2, "exp2", "Exp 2", 2, exp2_names, -1, -1,
                                           2, bmd_exp2_mean, NULL, exp23_starts, exp23_bmd);
const bmd_model_def bmd_exp3_def = EXP_DEF(BMD_MODEL_EXP3, "exp3", "Exp 3", 3, exp3_names, 2, -1, 4,
                                           bmd_exp3_mean, NULL, exp23_starts, exp23_bmd);
const bmd_model_def bmd_exp4_def = EXP_DEF(BMD_MODEL_EXP4, "exp4", "Exp 4", 3, exp4_names, -1, 2, 3,
                                           bmd_exp4_mean, bmd_exp4_means, exp45_starts, exp45_bmd);
const bmd_model_def bmd_exp5_def = EXP_DEF(BMD_MODEL_EXP5, "exp5", "Exp 5", 4, exp5_names, 3, 2, 5,
                                           bmd_exp5_mean, bmd_exp5_means, exp45_starts, exp45_bmd);
