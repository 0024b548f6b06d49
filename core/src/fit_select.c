/*
 * fit_select.c - BMDExpress best-model selection (bmdexpress.md §3.6).
 *
 * "Convergent" = finite (BMDExpress's NaN / -9999 are our NAN). The values
 * that must be convergent, S, follow the limit-use mode: {BMD, BMDL, BMDU},
 * {BMD, BMDL} or {BMD}. better(cur, cand):
 *   1. any cand value in S equal to 0 -> no;
 *   2. AIC_cand < AIC_cur and cand's S values all convergent -> yes;
 *   3. AIC_cur < AIC_cand, cur has a non-convergent S value, cand's are
 *      all convergent and positive -> yes.
 * AICs within 1e-8 (relative, at least 1e-8) of each other are a tie, which
 * the earlier model keeps: BMDS 2.x prints AICs to 6 decimals, so BMDExpress
 * sees equal fits (Power with n on its bound 1 and Linear) as equal, where
 * doubles differ in the 14th digit.
 * Polynomials (run order Linear, Poly2, ...): nested chi-square walk with
 *   LR_i = max(0, 2 (LL_{i+1} - LL_i)) rounded as BMDExpress rounds it
 *   (bmdx_round(LR, 8)), p_i = chi^2_1 upper tail rounded by bmdx_round(p, 5);
 *   stop at i when (p_i > cut-off and model i has BMD, BMDL and BMDU) or
 *   (p_i < cut-off and model i+1 lacks one), whatever the limit-use mode
 *   (BMDSTool.java, selectBestPolyModel). Or the lowest AIC.
 * Non-polynomials by folding better(); then better(bestPoly, bestOther).
 * Flagged-Hill options 2 and 3 fold over every other fit, polynomials of
 * every degree included, before comparing with the best polynomial
 * (BMDSTool.selectBest1Model / selectBest2Model).
 */
#include "bmd/select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_model_def.h"

bmd_select_options bmd_select_options_default(void) {
  bmd_select_options o;
  o.poly_test = BMD_POLY_NESTED_CHI2;
  o.poly_p = 0.05;
  o.limit_use = BMD_USE_BMD_BMDL_BMDU;
  o.flag_hill = 1;
  o.hill_k_fraction = 0.5;
  o.flagged_hill = BMD_HILL_NEXT_BEST;
  o.flagged_hill_fraction = 0.5;
  o.next_best_p = 0.05;
  return o;
}

/*
 * BMDExpress's NumberManager.numberFormat(decimals, x): x rounded half-even
 * (on its exact binary value, as DecimalFormat does) to `decimals` places,
 * plus one place for each zero after the decimal point when |x| < 0.1:
 *   places = decimals + floor(-log10 |x|)   (|x| < 0.1)
 * printf rounds the exact binary value half-even too.
 */
double bmd_bmdx_round(double x, int decimals) {
  if (!isfinite(x) || x == 0)
    return x;
  int places = decimals;
  if (fabs(x) < 0.1)
    places += (int)floor(-log10(fabs(x)));
  if (places > 340)
    return x;
  char buf[512];
  snprintf(buf, sizeof(buf), "%.*f", places, x);
  return strtod(buf, NULL);
}

/* a < b by more than the tie tolerance */
static int aic_less(double a, double b) {
  return a < b - 1e-8 * fmax(1.0, fabs(b));
}

/* Linear and Poly 2-4 (the nested chi-square walk); 0 for an unknown model */
static int is_poly(bmd_model m) {
  const bmd_model_def *def = bmd_model_def_get(m);
  return def && def->poly_degree > 0;
}

static size_t set_values(const bmd_fit_result *r, bmd_limit_use use, double *v) {
  v[0] = r->bmd;
  if (use == BMD_USE_BMD_BMDL_BMDU) {
    v[1] = r->bmdl;
    v[2] = r->bmdu;
    return 3;
  }
  if (use == BMD_USE_BMD_BMDL) {
    v[1] = r->bmdl;
    return 2;
  }
  return 1;
}

static int all_convergent(const bmd_fit_result *r, bmd_limit_use use) {
  double v[3];
  size_t n = set_values(r, use, v);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]))
      return 0;
  return 1;
}

static int better(const bmd_fit_result *cur, const bmd_fit_result *cand, bmd_limit_use use) {
  double v[3];
  size_t n = set_values(cand, use, v);
  for (size_t i = 0; i < n; i++)
    if (v[i] == 0.0)
      return 0;
  int cand_ok = all_convergent(cand, use);
  if (aic_less(cand->aic, cur->aic) && cand_ok)
    return 1;
  if (aic_less(cur->aic, cand->aic) && !all_convergent(cur, use) && cand_ok) {
    for (size_t i = 0; i < n; i++)
      if (!(v[i] > 0))
        return 0;
    return 1;
  }
  return 0;
}

int bmd_hill_flagged(const bmd_fit_result *r, const bmd_suffstat *ss, double fraction) {
  if (r->model != BMD_MODEL_HILL || !isfinite(r->params[2]))
    return 0;
  double low = NAN;
  for (size_t i = 0; i < ss->n_groups; i++)
    if (ss->dose[i] > 0) {
      low = ss->dose[i];
      break;
    }
  return isfinite(low) && r->params[2] < fraction * low;
}

/* Fold better() over res[idx[0..n)]; returns an index or -1. */
static int fold_best(const bmd_fit_result *res, const int *idx, size_t n, bmd_limit_use use) {
  int best = -1;
  for (size_t i = 0; i < n; i++) {
    const bmd_fit_result *r = &res[idx[i]];
    if (r->status == BMD_FIT_FAILED || r->status == BMD_FIT_TOO_FEW_GROUPS)
      continue;
    if (best < 0 || better(&res[best], r, use))
      best = idx[i];
  }
  return best;
}

static int best_poly_nested(const bmd_fit_result *res, const int *idx, size_t n,
                            const bmd_select_options *opt, bmd_select_result *out) {
  if (n == 0)
    return -1;
  int choice = idx[0];
  for (size_t i = 0; i + 1 < n; i++) {
    const bmd_fit_result *a = &res[idx[i]], *b = &res[idx[i + 1]];
    double lr = b->loglik > a->loglik ? bmd_bmdx_round(2.0 * (b->loglik - a->loglik), 8) : 0.0;
    double p = bmd_bmdx_round(bmd_chi2_sf(lr, 1.0), 5);
    if (i < 3) {
      out->chi2[i] = lr;
      out->chi2_p[i] = p;
    }
    int a_ok = all_convergent(a, BMD_USE_BMD_BMDL_BMDU);
    int b_ok = all_convergent(b, BMD_USE_BMD_BMDL_BMDU);
    if ((p > opt->poly_p && a_ok) || (p < opt->poly_p && !b_ok)) {
      choice = idx[i];
      break;
    }
    choice = idx[i + 1];
  }
  return choice;
}

/* best among non-polys (polys too with options 2 and 3), Hill filtered
 * by the options, and then against the best poly */
static int select_among(const bmd_fit_result *res, size_t n, const bmd_suffstat *ss,
                        const bmd_select_options *opt, int best_poly, int drop_flagged,
                        int drop_hill, int with_polys) {
  int idx[BMD_MODEL_COUNT * 2];
  size_t k = 0;
  for (size_t i = 0; i < n && k < BMD_MODEL_COUNT * 2; i++) {
    if (is_poly(res[i].model) && !with_polys)
      continue;
    if (res[i].model == BMD_MODEL_HILL &&
        (drop_hill ||
         (drop_flagged && opt->flag_hill && bmd_hill_flagged(&res[i], ss, opt->hill_k_fraction))))
      continue;
    idx[k++] = (int)i;
  }
  int other = fold_best(res, idx, k, opt->limit_use);
  if (best_poly < 0)
    return other;
  if (other < 0)
    return best_poly;
  return better(&res[best_poly], &res[other], opt->limit_use) ? other : best_poly;
}

void bmd_select_best(const bmd_fit_result *res, size_t n, const bmd_suffstat *ss,
                     const bmd_select_options *opt, bmd_select_result *out) {
  memset(out, 0, sizeof(*out));
  out->best = out->best_poly = -1;
  out->bmd = out->bmdl = out->bmdu = NAN;
  for (int i = 0; i < 3; i++)
    out->chi2[i] = out->chi2_p[i] = NAN;
  int pidx[BMD_MODEL_COUNT * 2];
  size_t np = 0;
  for (size_t i = 0; i < n && np < BMD_MODEL_COUNT * 2; i++)
    if (is_poly(res[i].model) && res[i].status != BMD_FIT_TOO_FEW_GROUPS &&
        res[i].status != BMD_FIT_FAILED)
      pidx[np++] = (int)i;
  out->best_poly = opt->poly_test == BMD_POLY_NESTED_CHI2
                       ? best_poly_nested(res, pidx, np, opt, out)
                       : fold_best(res, pidx, np, opt->limit_use);
  int drop_flagged = opt->flagged_hill == BMD_HILL_EXCLUDE_FLAGGED;
  int drop_hill = opt->flagged_hill == BMD_HILL_EXCLUDE_ALL;
  int best = select_among(res, n, ss, opt, out->best_poly, drop_flagged, drop_hill,
                          drop_flagged || drop_hill);
  if (best < 0)
    return;
  const bmd_fit_result *b = &res[best];
  int flagged = opt->flag_hill && bmd_hill_flagged(b, ss, opt->hill_k_fraction);
  out->hill_flag = flagged;
  if (flagged && opt->flagged_hill == BMD_HILL_MODIFY_BMD) {
    out->hill_flag = 3;
    out->needs_hill_fix = 1;
  } else if (flagged && opt->flagged_hill == BMD_HILL_NEXT_BEST) {
    int alt = select_among(res, n, ss, opt, out->best_poly, 0, 1, 0);
    if (alt >= 0 && res[alt].fit_p > opt->next_best_p) {
      best = alt;
      b = &res[best];
      out->hill_flag = 0;
    } else {
      out->hill_flag = 4;
      out->needs_hill_fix = 1;
    }
  }
  /* validity of the selected model under the limit-use mode; a flagged
   * Hill awaiting option 4's values is judged by those (fix_flagged_hill) */
  int valid =
      isfinite(b->bmd) &&
      (opt->limit_use != BMD_USE_BMD_BMDL_BMDU || (isfinite(b->bmdl) && isfinite(b->bmdu))) &&
      (opt->limit_use != BMD_USE_BMD_BMDL || isfinite(b->bmdl));
  if (!valid && !out->needs_hill_fix)
    return;
  out->best = best;
  out->best_model = b->model;
  out->bmd = b->bmd;
  out->bmdl = b->bmdl;
  out->bmdu = b->bmdu;
}

void bmd_select_fix_flagged_hill(bmd_select_result *sel, size_t n_probes, double fraction) {
  int ref = -1;
  for (size_t i = 0; i < n_probes; i++)
    if (sel[i].best >= 0 && sel[i].best_model == BMD_MODEL_HILL && sel[i].hill_flag == 0 &&
        isfinite(sel[i].bmd) && (ref < 0 || sel[i].bmd < sel[ref].bmd))
      ref = (int)i;
  for (size_t i = 0; i < n_probes; i++) {
    if (!sel[i].needs_hill_fix)
      continue;
    sel[i].bmd = ref >= 0 ? fraction * sel[ref].bmd : NAN;
    sel[i].bmdl = ref >= 0 ? fraction * sel[ref].bmdl : NAN;
    sel[i].bmdu = ref >= 0 ? fraction * sel[ref].bmdu : NAN;
    sel[i].needs_hill_fix = 0;
    if (ref < 0)
      sel[i].best = -1; /* no unflagged Hill to take the values from */
  }
}
