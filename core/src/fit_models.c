/*
 * fit_models.c - the model table: names, parameter names, box bounds of the
 * scaled problem (pybmds defaults, numerics.md §1.3) and the map between
 * scaled parameters and the user-facing ones.
 *
 * Bounds of the scaled problem (D = response divisor, doses / max dose):
 *   Hill   g, v in [-100, 100]; k in [0, 5]; n in [1, 18] (or [1e-8, 18])
 *   Power  g in [-100, 100]; v in [-100, 100] CV, [-1e4, 1e4] NCV; n in [1, 18] (or [0, 18])
 *   Poly   CV: all in [-1e6, 1e6]; NCV: g in [0, 1000], b1 in [-18, 18];
 *          restricted: b_j >= 0 increasing, <= 0 decreasing
 *   Exp    a in [0, 100]; b in [0, 100]; ln c in [0, 20] up, [-20, 0] down;
 *          d in [1, 18]
 *   rho in [-18, 18] for every model (pybmds 25.2)
 *   ln alpha in [-18, 18] in original units, i.e. [-18, 18] - 2 ln D scaled
 *   (for NCV too: its variance uses |m| in original units, fit_likelihood.c).
 */
#include "fit_internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

static const char *const names[BMD_MODEL_COUNT] = {"hill",  "power", "linear", "poly2", "poly3",
                                                   "poly4", "exp2",  "exp3",   "exp4",  "exp5"};
static const char *const labels[BMD_MODEL_COUNT] = {"Hill",   "Power", "Linear", "Poly 2", "Poly 3",
                                                    "Poly 4", "Exp 2", "Exp 3",  "Exp 4",  "Exp 5"};
static const size_t n_mean_tab[BMD_MODEL_COUNT] = {4, 3, 2, 3, 4, 5, 2, 3, 3, 4};

const char *bmd_model_name(bmd_model m) {
  return (unsigned)m < BMD_MODEL_COUNT ? names[m] : NULL;
}

const char *bmd_model_label(bmd_model m) {
  return (unsigned)m < BMD_MODEL_COUNT ? labels[m] : NULL;
}

int bmd_model_parse(const char *name) {
  for (int i = 0; i < BMD_MODEL_COUNT; i++)
    if (strcasecmp(name, names[i]) == 0)
      return i;
  if (strcasecmp(name, "poly1") == 0)
    return BMD_MODEL_LINEAR;
  return -1;
}

size_t bmd_model_n_mean(bmd_model m) {
  return n_mean_tab[m];
}

size_t bmd_model_min_groups(bmd_model m) {
  size_t k = n_mean_tab[m];
  return k < 3 ? 3 : k;
}

size_t bmd_fit_param_count(bmd_model m, bmd_variance v) {
  return n_mean_tab[m] + (v == BMD_VARIANCE_NONCONSTANT ? 2 : 1);
}

static int is_exp(bmd_model m) {
  return m >= BMD_MODEL_EXP2;
}

static int is_poly(bmd_model m) {
  return m >= BMD_MODEL_LINEAR && m <= BMD_MODEL_POLY4;
}

const char *bmd_fit_param_name(bmd_model m, bmd_variance v, size_t i) {
  static const char *const hill[] = {"g", "v", "k", "n"};
  static const char *const power[] = {"g", "v", "n"};
  static const char *const poly[] = {"g", "b1", "b2", "b3", "b4"};
  static const char *const exp2[] = {"a", "b"};
  static const char *const exp3[] = {"a", "b", "d"};
  static const char *const exp4[] = {"a", "b", "c"};
  static const char *const exp5[] = {"a", "b", "c", "d"};
  static const char *const *const tab[BMD_MODEL_COUNT] = {hill, power, poly, poly, poly,
                                                          poly, exp2,  exp3, exp4, exp5};
  if ((unsigned)m >= BMD_MODEL_COUNT)
    return NULL;
  size_t k = n_mean_tab[m];
  if (i < k)
    return tab[m][i];
  i -= k;
  if (v == BMD_VARIANCE_NONCONSTANT) {
    if (i == 0)
      return "rho";
    i--;
  }
  if (i == 0)
    return is_exp(m) ? "log-alpha" : "alpha";
  return NULL;
}

bmd_mean_fn bmd_model_mean_fn(bmd_model m) {
  switch (m) {
  case BMD_MODEL_HILL:
    return bmd_hill_mean;
  case BMD_MODEL_POWER:
    return bmd_power_mean;
  case BMD_MODEL_EXP2:
    return bmd_exp2_mean;
  case BMD_MODEL_EXP3:
    return bmd_exp3_mean;
  case BMD_MODEL_EXP4:
    return bmd_exp4_mean;
  case BMD_MODEL_EXP5:
    return bmd_exp5_mean;
  default:
    return bmd_poly_mean;
  }
}

void bmd_problem_bounds(bmd_problem *p, const bmd_fit_options *opt) {
  bmd_model m = p->model;
  double *lb = p->lb, *ub = p->ub;
  size_t k = p->n_mean;
  /* rho in [-18, 18] for every model, as pybmds 25.2 (the installed peer)
   * ships it; older priors.csv copies had [0, 18] except for Hill */
  double rho_lb = -18.0;
  if (m == BMD_MODEL_HILL) {
    lb[0] = lb[1] = -100;
    ub[0] = ub[1] = 100;
    lb[2] = 0;
    ub[2] = 5;
    lb[3] = opt->hill_restricted ? 1.0 : 1e-8;
    ub[3] = 18;
    rho_lb = -18;
  } else if (m == BMD_MODEL_POWER) {
    lb[0] = -100;
    ub[0] = 100;
    lb[1] = p->ncv ? -1e4 : -100;
    ub[1] = p->ncv ? 1e4 : 100;
    lb[2] = opt->power_restricted ? 1.0 : 0.0;
    ub[2] = 18;
  } else if (is_poly(m)) {
    for (size_t j = 0; j < k; j++) {
      lb[j] = -1e6;
      ub[j] = 1e6;
    }
    if (p->ncv) {
      lb[0] = 0;
      ub[0] = 1000;
      lb[1] = -18;
      ub[1] = 18;
    }
    int restricted = opt->poly_restricted < 0 ? (m != BMD_MODEL_LINEAR) : opt->poly_restricted;
    if (restricted)
      for (size_t j = 1; j < k; j++) {
        if (p->sign > 0)
          lb[j] = 0;
        else
          ub[j] = 0;
      }
  } else {
    lb[0] = 0;
    ub[0] = 100;
    lb[1] = 0;
    ub[1] = 100;
    size_t j = 2;
    if (m == BMD_MODEL_EXP4 || m == BMD_MODEL_EXP5) {
      lb[j] = p->sign > 0 ? 0 : -20;
      ub[j] = p->sign > 0 ? 20 : 0;
      j++;
    }
    if (m == BMD_MODEL_EXP3 || m == BMD_MODEL_EXP5) {
      lb[j] = 1;
      ub[j] = 18;
    }
  }
  size_t v = k;
  if (p->ncv) {
    lb[v] = rho_lb;
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
  switch (p->model) {
  case BMD_MODEL_HILL:
    return j == 3;
  case BMD_MODEL_POWER:
  case BMD_MODEL_EXP3:
    return j == 2;
  case BMD_MODEL_EXP5:
    return j == 3;
  default:
    return 0;
  }
}

/* scaled -> user: see the file comment and fit_internal.h */
void bmd_theta_to_user(const bmd_problem *p, const double *th, double *user) {
  double D = p->scale_y, M = p->maxd;
  size_t k = p->n_mean;
  memcpy(user, th, p->n_par * sizeof(double));
  switch (p->model) {
  case BMD_MODEL_HILL:
    user[0] = D * th[0];
    user[1] = D * th[1];
    user[2] = M * th[2];
    break;
  case BMD_MODEL_POWER:
    user[0] = D * th[0];
    user[1] = D * th[1] * pow(M, -th[2]);
    break;
  case BMD_MODEL_EXP2:
  case BMD_MODEL_EXP3:
  case BMD_MODEL_EXP4:
  case BMD_MODEL_EXP5:
    user[0] = D * th[0];
    user[1] = th[1] / M;
    if (p->model == BMD_MODEL_EXP4 || p->model == BMD_MODEL_EXP5)
      user[2] = exp(th[2]);
    break;
  default:
    for (size_t j = 0; j < k; j++)
      user[j] = D * th[j] / pow(M, (double)j);
  }
  double l = th[p->n_par - 1] + 2.0 * log(D);
  user[p->n_par - 1] = is_exp(p->model) ? l : exp(l);
}

void bmd_user_to_theta(const bmd_problem *p, const double *user, double *th) {
  double D = p->scale_y, M = p->maxd;
  size_t k = p->n_mean;
  memcpy(th, user, p->n_par * sizeof(double));
  switch (p->model) {
  case BMD_MODEL_HILL:
    th[0] = user[0] / D;
    th[1] = user[1] / D;
    th[2] = user[2] / M;
    break;
  case BMD_MODEL_POWER:
    th[0] = user[0] / D;
    th[1] = user[1] / D * pow(M, user[2]);
    break;
  case BMD_MODEL_EXP2:
  case BMD_MODEL_EXP3:
  case BMD_MODEL_EXP4:
  case BMD_MODEL_EXP5:
    th[0] = user[0] / D;
    th[1] = user[1] * M;
    if (p->model == BMD_MODEL_EXP4 || p->model == BMD_MODEL_EXP5)
      th[2] = log(user[2]);
    break;
  default:
    for (size_t j = 0; j < k; j++)
      th[j] = user[j] / D * pow(M, (double)j);
  }
  double l = is_exp(p->model) ? user[p->n_par - 1] : log(user[p->n_par - 1]);
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
