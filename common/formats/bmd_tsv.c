/*
 * bmd_tsv.c - bmd.tsv: BMDExpress 3's BMD export columns (see
 * bs/bmd_export.h and docs/fitting.md "bmd.tsv"), names and order as
 * HillResult/PolyResult/PowerResult/ExponentialResult.getColumnNames and
 * ProbeStatResult.generateColumnHeader write them, spelling slips
 * included ("Hill Residual  1", "Linear  Is Step Function ...",
 * "Linear Power Modelled Response BMR Multiples"), so that a BMDExpress
 * user's scripts find their columns. After each model's BMDExpress columns
 * come ours, which BMDExpress gives for the best model only (BMDU ratios,
 * step function, BMD responses, wAUC) or not at all (log wAUC, the
 * parameters on a bound of their box, comma-separated).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bmd_export.h"

static void put_num(FILE *out, double v) {
  if (isfinite(v))
    fprintf(out, "\t%.17g", v);
  else
    fputc('\t', out);
}

/* true / false, empty when unknown (-1) */
static void put_flag(FILE *out, int v) {
  fprintf(out, "\t%s", v < 0 ? "" : v ? "true" : "false");
}

/* The table's "converged" word of each fit status. */
static const char *const status_names[] = {
    [BMD_FIT_OK] = "true",
    [BMD_FIT_MAXEVAL] = "maxeval",
    [BMD_FIT_FAILED] = "false",
    [BMD_FIT_TOO_FEW_GROUPS] = "too few dose groups",
};

static const char *status_name(bmd_fit_status s) {
  return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "false";
}

static int is_polynomial(bmd_model m) {
  return m >= BMD_MODEL_LINEAR && m <= BMD_MODEL_POLY4;
}

static void model_header(FILE *out, bmd_model m, bmd_variance variance, size_t n_groups) {
  const char *l = bmd_model_label(m);
  fprintf(out,
          "\t%s BMD\t%s BMDL\t%s BMDU\t%s fitPValue\t%s fitLogLikelihood\t%s AIC"
          "\t%s adverseDirection\t%s BMD/BMDL",
          l, l, l, l, l, l, l, l);
  if (m == BMD_MODEL_HILL)
    fprintf(out, "\tFlagged Hill");
  for (size_t i = 0; i < bmd_fit_param_count(m, variance); i++)
    fprintf(out, "\t%s Parameter %s", l, bmd_fit_param_name(m, variance, i));
  fprintf(out, "\t%s Execution Complete\t%s RSquared", l, l);
  for (size_t g = 0; g < n_groups; g++)
    fprintf(out, "\t%s Residual  %zu", l, g + 1);
  /* PolyResult.getColumnNames: a double space and a stray "Power" */
  const char *sp = is_polynomial(m) ? "  " : " ", *pw = is_polynomial(m) ? "Power " : "";
  fprintf(out,
          "\t%s%sIs Step Function Less Than Lowest Dose\t%s Z-Score\t%s ABS Z-Score"
          "\t%s %sModelled Response BMR Multiples\t%s ABS %sModelled Response BMR Multiples"
          "\t%s Fold Change Top To Bottom (Model)\t%s ABS Fold Change Top To Bottom (Model)"
          "\t%s BMD/Low Dose\t%s BMD/High Dose",
          l, sp, l, l, l, pw, l, pw, l, l, l, l);
  /* ours */
  fprintf(out,
          "\t%s BMDU/BMDL\t%s BMDU/BMD\t%s Is Step Function\t%s BMD Response/Low Dose Response"
          "\t%s BMD Response/High Dose Response\t%s wAUC\t%s log wAUC\t%s Parameters At Bound",
          l, l, l, l, l, l, l, l);
}

static void model_row(FILE *out, const bmd_fit_result *r, const bmd_fit_metrics *mt,
                      const bmd_suffstat *ss, double *residuals, int hill_k_flag) {
  put_num(out, r->bmd);
  put_num(out, r->bmdl);
  put_num(out, r->bmdu);
  put_num(out, r->fit_p);
  put_num(out, r->loglik);
  put_num(out, r->aic);
  fprintf(out, "\t%d", r->increasing ? 1 : -1);
  put_num(out, mt->bmd_bmdl);
  if (r->model == BMD_MODEL_HILL)
    fprintf(out, "\t%d", hill_k_flag);
  for (size_t p = 0; p < bmd_fit_param_count(r->model, r->variance); p++)
    put_num(out, p < r->n_params ? r->params[p] : NAN);
  fprintf(out, "\t%s", status_name(r->status));
  put_num(out, mt->r_squared);
  bmd_fit_residuals(r, ss, residuals);
  for (size_t g = 0; g < ss->n_groups; g++)
    put_num(out, residuals[g]);
  put_flag(out, mt->step_below_low_dose);
  put_num(out, mt->z_score);
  put_num(out, fabs(mt->z_score));
  put_num(out, mt->bmr_multiples);
  put_num(out, fabs(mt->bmr_multiples));
  put_num(out, mt->fold_change);
  put_num(out, fabs(mt->fold_change));
  put_num(out, mt->bmd_low_dose);
  put_num(out, mt->bmd_high_dose);
  put_num(out, mt->bmdu_bmdl);
  put_num(out, mt->bmdu_bmd);
  put_flag(out, mt->step_function);
  put_num(out, mt->bmd_resp_low_dose);
  put_num(out, mt->bmd_resp_high_dose);
  put_num(out, mt->wauc);
  put_num(out, mt->log_wauc);
  fputc('\t', out);
  for (size_t p = 0, first = 1; isfinite(r->loglik) && p < r->n_params; p++)
    if (r->at_bound[p]) {
      fprintf(out, "%s%s", first ? "" : ",", bmd_fit_param_name(r->model, r->variance, p));
      first = 0;
    }
}

static const char best_header[] =
    "\tBest Poly\tBest Model\tBest BMD\tBest BMDL\tBest BMDU\tBest fitPValue"
    "\tBest fitLogLikelihood\tBest AIC\tBest adverseDirection\tBest BMD/BMDL"
    "\tBest BMDU/BMDL\tBest BMDU/BMD\tBest RSquared\tBest Is Step Function"
    "\tBest Is Step Function Less Than Lowest Dose\tBest Z-Score\tBest ABS Z-Score"
    "\tBest Modelled Response BMR Multiples\tBest ABS Modelled Response BMR Multiples"
    "\tBest Model Fold Change\tBest ABS Model Fold Change\tBest BMD/Low Dose"
    "\tBest BMD/High Dose\tBest BMD Response/Low Dose Response"
    "\tBest BMD Response/High Dose Response\twAUC\tlog wAUC"
    "\tMax Fold Change\tMax Fold Change Absolute Value\n";

static void best_row(FILE *out, const bmd_probe_fit *pf) {
  const bmd_select_result *b = &pf->best;
  const bmd_fit_result *best = b->best >= 0 ? &pf->fits[b->best] : NULL;
  const bmd_fit_metrics *mt = &pf->best_metrics;
  fprintf(out, "\t%s", b->best_poly >= 0 ? bmd_model_label(pf->fits[b->best_poly].model) : "");
  fprintf(out, "\t%s", best ? bmd_model_label(best->model) : "none");
  put_num(out, best ? b->bmd : NAN);
  put_num(out, best ? b->bmdl : NAN);
  put_num(out, best ? b->bmdu : NAN);
  put_num(out, best ? best->fit_p : NAN);
  put_num(out, best ? best->loglik : NAN);
  put_num(out, best ? best->aic : NAN);
  if (best)
    fprintf(out, "\t%d", best->increasing ? 1 : -1);
  else
    fputc('\t', out);
  put_num(out, mt->bmd_bmdl);
  put_num(out, mt->bmdu_bmdl);
  put_num(out, mt->bmdu_bmd);
  put_num(out, mt->r_squared);
  put_flag(out, mt->step_function);
  put_flag(out, mt->step_below_low_dose);
  put_num(out, mt->z_score);
  put_num(out, fabs(mt->z_score));
  put_num(out, mt->bmr_multiples);
  put_num(out, fabs(mt->bmr_multiples));
  put_num(out, mt->fold_change);
  put_num(out, fabs(mt->fold_change));
  put_num(out, mt->bmd_low_dose);
  put_num(out, mt->bmd_high_dose);
  put_num(out, mt->bmd_resp_low_dose);
  put_num(out, mt->bmd_resp_high_dose);
  put_num(out, mt->wauc);
  put_num(out, mt->log_wauc);
  put_num(out, pf->max_fold_change);
  put_num(out, fabs(pf->max_fold_change));
}

void bs_bmd_tsv_write_header(FILE *out, const bmd_dataset *ds, unsigned model_mask,
                             bmd_variance variance) {
  fprintf(out, "Probe ID");
  for (int m = 0; m < BMD_MODEL_COUNT; m++)
    if (model_mask & (1u << m))
      model_header(out, (bmd_model)m, variance, ds->n_groups);
  fputs(best_header, out);
}

int bs_bmd_tsv_write_rows(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n) {
  bmd_suffstat *ss = bmd_suffstat_new(ds->n_groups);
  double *residuals = malloc((ds->n_groups ? ds->n_groups : 1) * sizeof(double));
  int rc = -1;
  if (!ss || !residuals)
    goto done;
  for (size_t i = 0; i < n; i++) {
    const bmd_probe_fit *pf = &fits[i];
    bmd_probe_suffstat(ds, pf->probe, ss);
    fprintf(out, "%s", ds->probe_ids[pf->probe]);
    for (size_t k = 0; k < pf->n_models; k++)
      model_row(out, &pf->fits[k], &pf->metrics[k], ss, residuals, pf->hill_k_flag);
    best_row(out, pf);
    fputc('\n', out);
  }
  rc = ferror(out) ? -1 : 0;
done:
  bmd_suffstat_destroy(ss);
  free(residuals);
  return rc;
}

int bs_bmd_tsv_write(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n,
                     unsigned model_mask, bmd_variance variance) {
  bs_bmd_tsv_write_header(out, ds, model_mask, variance);
  return bs_bmd_tsv_write_rows(out, ds, fits, n);
}
