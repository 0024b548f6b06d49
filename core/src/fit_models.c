/*
 * fit_models.c - the table of model definitions (fit_model_def.h), the
 * public facts read from it (names, parameter names and counts), and what
 * every model shares: the box of the variance parameters, the scaling of
 * the variance scale, and the helpers the models' starting values use.
 *
 * Adding a model (an 11th, say "foo") touches three places:
 *   1. core/include/bmd/fit.h: BMD_MODEL_FOO in enum bmd_model, before
 *      BMD_MODEL_COUNT (model masks are bits of an unsigned: fewer than 32
 *      models).
 *   2. core/src/fit_model_foo.c (new): its mean function with gradient, box,
 *      starts, scaling to and from user units and BMD, all static (a mean
 *      that a test calls directly is declared in fit_internal.h), then
 *      `const bmd_model_def bmd_foo_def = {.id = BMD_MODEL_FOO, ...}`
 *      (fit_model_power.c is a short example to copy).
 *   3. Here: declare bmd_foo_def below and add [BMD_MODEL_FOO] = &bmd_foo_def
 *      to bmd_models[].
 * A missing last entry does not compile (the table's size, below); a hole
 * in the table, an entry at another model's index, a name bmd_model_parse
 * does not map back, a missing function or a gradient that disagrees with
 * finite differences fails tests/unit/test_fit_models.c. Nothing else in
 * core/ names a model, except where a behaviour belongs to one model by
 * BMDExpress's definition (the flagged Hill in fit_select.c, the Poly 2
 * vertex in fit_metrics.c).
 *
 * Variance parameters, common to every model (scaled problem: D = response
 * divisor, doses / max dose; each model's mean-parameter box is in its file):
 *   rho in [-18, 18] for every model (pybmds 25.2)
 *   ln alpha in [-18, 18] in original units, i.e. [-18, 18] - 2 ln D scaled
 *   (for NCV too: its variance uses |m| in original units, fit_likelihood.c).
 * User-facing variance scale: alpha = exp(l + 2 ln D), or ln alpha itself
 * for the models that report it (def->log_alpha).
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* the definitions, one per model, in its family's file */
extern const bmd_model_def bmd_hill_def, bmd_power_def;
extern const bmd_model_def bmd_linear_def, bmd_poly2_def, bmd_poly3_def, bmd_poly4_def;
extern const bmd_model_def bmd_exp2_def, bmd_exp3_def, bmd_exp4_def, bmd_exp5_def;

const bmd_model_def *const bmd_models[] = {
    [BMD_MODEL_HILL] = &bmd_hill_def,     /* fit_model_hill.c */
    [BMD_MODEL_POWER] = &bmd_power_def,   /* fit_model_power.c */
    [BMD_MODEL_LINEAR] = &bmd_linear_def, /* fit_model_poly.c */
    [BMD_MODEL_POLY2] = &bmd_poly2_def,   /* fit_model_poly.c */
    [BMD_MODEL_POLY3] = &bmd_poly3_def,   /* fit_model_poly.c */
    [BMD_MODEL_POLY4] = &bmd_poly4_def,   /* fit_model_poly.c */
    [BMD_MODEL_EXP2] = &bmd_exp2_def,     /* fit_model_exp.c */
    [BMD_MODEL_EXP3] = &bmd_exp3_def,     /* fit_model_exp.c */
    [BMD_MODEL_EXP4] = &bmd_exp4_def,     /* fit_model_exp.c */
    [BMD_MODEL_EXP5] = &bmd_exp5_def,     /* fit_model_exp.c */
};
_Static_assert(sizeof(bmd_models) / sizeof(bmd_models[0]) == BMD_MODEL_COUNT,
               "bmd_models[] needs one entry per bmd_model");

const bmd_model_def *bmd_model_def_get(bmd_model m) {
  return (unsigned)m < BMD_MODEL_COUNT ? bmd_models[m] : NULL;
}

const char *bmd_model_name(bmd_model m) {
  const bmd_model_def *d = bmd_model_def_get(m);
  return d ? d->name : NULL;
}

const char *bmd_model_label(bmd_model m) {
  const bmd_model_def *d = bmd_model_def_get(m);
  return d ? d->label : NULL;
}

int bmd_model_parse(const char *name) {
  if (!name)
    return -1;
  for (int i = 0; i < BMD_MODEL_COUNT; i++) {
    const bmd_model_def *d = bmd_models[i];
    if (strcasecmp(name, d->name) == 0 || (d->alias && strcasecmp(name, d->alias) == 0))
      return i;
  }
  return -1;
}

size_t bmd_model_min_groups(bmd_model m) {
  const bmd_model_def *d = bmd_model_def_get(m);
  if (!d)
    return 0;
  return d->n_mean < 3 ? 3 : d->n_mean;
}

size_t bmd_fit_param_count(bmd_model m, bmd_variance v) {
  const bmd_model_def *d = bmd_model_def_get(m);
  if (!d)
    return 0;
  return d->n_mean + (v == BMD_VARIANCE_NONCONSTANT ? 2 : 1);
}

const char *bmd_fit_param_name(bmd_model m, bmd_variance v, size_t i) {
  const bmd_model_def *d = bmd_model_def_get(m);
  if (!d)
    return NULL;
  if (i < d->n_mean)
    return d->param_names[i];
  i -= d->n_mean;
  if (v == BMD_VARIANCE_NONCONSTANT) {
    if (i == 0)
      return "rho";
    i--;
  }
  if (i == 0)
    return d->log_alpha ? "log-alpha" : "alpha";
  return NULL;
}

void bmd_problem_bounds(bmd_problem *p, const bmd_fit_options *opt) {
  double *lb = p->lb, *ub = p->ub;
  p->def->bounds(p, opt);
  /* rho in [-18, 18] for every model, as pybmds 25.2 (the installed peer)
   * ships it; older priors.csv copies had [0, 18] except for Hill */
  size_t v = p->n_mean;
  if (p->ncv) {
    lb[v] = -18.0;
    ub[v] = 18;
    v++;
  }
  double shift = 2.0 * log(p->scale_y);
  lb[v] = -18 - shift;
  ub[v] = 18 - shift;
}

int bmd_param_scale_free(const bmd_problem *p, size_t j) {
  if (p->ncv && j == p->n_mean)
    return 1;
  return p->def->shape >= 0 && j == (size_t)p->def->shape;
}

/* scaled -> user: the model's mean parameters, then l -> alpha or ln alpha */
void bmd_theta_to_user(const bmd_problem *p, const double *th, double *user) {
  double D = p->scale_y;
  memcpy(user, th, p->n_par * sizeof(double));
  p->def->to_user(p, th, user);
  double l = th[p->n_par - 1] + 2.0 * log(D);
  user[p->n_par - 1] = p->def->log_alpha ? l : exp(l);
}

void bmd_user_to_theta(const bmd_problem *p, const double *user, double *th) {
  double D = p->scale_y;
  memcpy(th, user, p->n_par * sizeof(double));
  p->def->from_user(p, user, th);
  double l = p->def->log_alpha ? user[p->n_par - 1] : log(user[p->n_par - 1]);
  th[p->n_par - 1] = l - 2.0 * log(D);
}

int bmd_ls2(const double *w, const double *f, const double *y, size_t n, double *a, double *b,
            double *rss) {
  /* normal equations of y = a + b f with weights w */
  double sw = 0, sf = 0, sff = 0, sy = 0, sfy = 0;
  for (size_t i = 0; i < n; i++) {
    sw += w[i];
    sf += w[i] * f[i];
    sff += w[i] * f[i] * f[i];
    sy += w[i] * y[i];
    sfy += w[i] * f[i] * y[i];
  }
  double det = sw * sff - sf * sf;
  if (!(fabs(det) > 1e-14 * (sw * sff + 1e-300)))
    return -1;
  *b = (sw * sfy - sf * sy) / det;
  *a = (sy - *b * sf) / sw;
  double r = 0;
  for (size_t i = 0; i < n; i++) {
    double e = y[i] - *a - *b * f[i];
    r += w[i] * e * e;
  }
  *rss = r;
  return 0;
}

double bmd_start_score(const bmd_problem *p, double *th) {
  for (size_t j = 0; j < p->n_mean; j++) {
    if (!isfinite(th[j]))
      return NAN;
    if (th[j] < p->lb[j])
      th[j] = p->lb[j];
    if (th[j] > p->ub[j])
      th[j] = p->ub[j];
  }
  double s = 0.0;
  for (size_t i = 0; i < p->n_groups; i++) {
    double m;
    p->mean(th, p->x[i], p->aux, &m, NULL);
    double e = p->yb[i] - m;
    s += p->nn[i] * e * e;
  }
  return isfinite(s) ? s : NAN;
}

void bmd_start_keep(double (*starts)[BMD_MAX_PARAMS], double *scores, size_t *count, size_t max,
                    const double *th, size_t n, double score) {
  if (!isfinite(score) || max == 0)
    return;
  size_t c = *count;
  if (c == max && score >= scores[c - 1])
    return;
  size_t pos = c < max ? c : max - 1;
  while (pos > 0 && scores[pos - 1] > score) {
    if (pos < max) {
      scores[pos] = scores[pos - 1];
      memcpy(starts[pos], starts[pos - 1], sizeof(starts[0]));
    }
    pos--;
  }
  scores[pos] = score;
  memset(starts[pos], 0, sizeof(starts[0]));
  memcpy(starts[pos], th, n * sizeof(double));
  if (c < max)
    *count = c + 1;
}
