/*
 * bmd_export.c - bmd.tsv and the JSON form of BMD results.
 */
#include "bs/bmd_export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *bs_json_number(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static void put_num(FILE *out, double v) {
  if (isfinite(v))
    fprintf(out, "\t%.17g", v);
  else
    fputc('\t', out);
}

/* Ratio a/b, undefined when either is not finite or b is 0 (BMDExpress). */
static double ratio(double a, double b) {
  return (isfinite(a) && isfinite(b) && b != 0) ? a / b : NAN;
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

int bs_bmd_tsv_write(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n,
                     unsigned model_mask, bmd_variance variance) {
  fprintf(out, "Probe ID");
  for (int m = 0; m < BMD_MODEL_COUNT; m++) {
    if (!(model_mask & (1u << m)))
      continue;
    const char *l = bmd_model_label((bmd_model)m);
    fprintf(out,
            "\t%s BMD\t%s BMDL\t%s BMDU\t%s fitPValue\t%s fitLogLikelihood\t%s AIC"
            "\t%s adverseDirection\t%s BMD/BMDL",
            l, l, l, l, l, l, l, l);
    if (m == BMD_MODEL_HILL)
      fprintf(out, "\tFlagged Hill");
    for (size_t i = 0; i < bmd_fit_param_count((bmd_model)m, variance); i++)
      fprintf(out, "\t%s Parameter %s", l, bmd_fit_param_name((bmd_model)m, variance, i));
    fprintf(out, "\t%s Execution Complete", l);
  }
  fprintf(out, "\tBest Poly\tBest Model\tBest BMD\tBest BMDL\tBest BMDU\tBest fitPValue"
               "\tBest fitLogLikelihood\tBest AIC\tBest adverseDirection\tBest BMD/BMDL"
               "\tBest BMDU/BMDL\tBest BMDU/BMD\tBest RSquared\tBest Is Step Function"
               "\tBest Modelled Response BMR Multiples\tBest Model Fold Change"
               "\tBest BMD/Low Dose\tBest BMD/High Dose\tMax Fold Change"
               "\tMax Fold Change Absolute Value\n");
  for (size_t i = 0; i < n; i++) {
    const bmd_probe_fit *pf = &fits[i];
    fprintf(out, "%s", ds->probe_ids[pf->probe]);
    for (size_t k = 0; k < pf->n_models; k++) {
      const bmd_fit_result *r = &pf->fits[k];
      put_num(out, r->bmd);
      put_num(out, r->bmdl);
      put_num(out, r->bmdu);
      put_num(out, r->fit_p);
      put_num(out, r->loglik);
      put_num(out, r->aic);
      fprintf(out, "\t%d", r->increasing ? 1 : -1);
      put_num(out, ratio(r->bmd, r->bmdl));
      if (r->model == BMD_MODEL_HILL)
        fprintf(out, "\t%d", pf->hill_k_flag);
      for (size_t p = 0; p < bmd_fit_param_count(r->model, variance); p++)
        put_num(out, p < r->n_params ? r->params[p] : NAN);
      fprintf(out, "\t%s", status_name(r->status));
    }
    const bmd_select_result *b = &pf->best;
    const bmd_fit_result *best = b->best >= 0 ? &pf->fits[b->best] : NULL;
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
    put_num(out, best ? ratio(b->bmd, b->bmdl) : NAN);
    put_num(out, best ? ratio(b->bmdu, b->bmdl) : NAN);
    put_num(out, best ? ratio(b->bmdu, b->bmd) : NAN);
    put_num(out, best ? pf->best_metrics.r_squared : NAN);
    if (best)
      fprintf(out, "\t%s", pf->best_metrics.step_function ? "true" : "false");
    else
      fputc('\t', out);
    put_num(out, best ? pf->best_metrics.bmr_multiples : NAN);
    put_num(out, best ? pf->best_metrics.fold_change : NAN);
    put_num(out, best ? pf->best_metrics.bmd_low_dose : NAN);
    put_num(out, best ? pf->best_metrics.bmd_high_dose : NAN);
    put_num(out, pf->max_fold_change);
    put_num(out, fabs(pf->max_fold_change));
    fputc('\n', out);
  }
  return ferror(out) ? -1 : 0;
}

json_t *bs_bmd_params_json(const bmd_fit_result *r, const double *values) {
  json_t *o = json_object();
  for (size_t p = 0; p < r->n_params; p++)
    json_object_set_new(o, bmd_fit_param_name(r->model, r->variance, p), bs_json_number(values[p]));
  return o;
}

json_t *bs_bmd_model_json(const bmd_fit_result *r) {
  json_t *o = json_object();
  json_object_set_new(o, "model", json_string(bmd_model_name(r->model)));
  json_object_set_new(o, "converged", json_boolean(r->status == BMD_FIT_OK));
  json_object_set_new(o, "parameters", bs_bmd_params_json(r, r->params));
  json_object_set_new(o, "loglik", bs_json_number(r->loglik));
  json_object_set_new(o, "aic", bs_json_number(r->aic));
  json_object_set_new(o, "bmd", bs_json_number(r->bmd));
  json_object_set_new(o, "bmdl", bs_json_number(r->bmdl));
  json_object_set_new(o, "bmdu", bs_json_number(r->bmdu));
  json_object_set_new(o, "fit_p", bs_json_number(r->fit_p));
  json_object_set_new(o, "increasing", json_boolean(r->increasing));
  return o;
}

json_t *bs_bmd_probe_json(const bmd_dataset *ds, const bmd_probe_fit *pf) {
  json_t *o = json_object();
  json_object_set_new(o, "probe_id", json_string(ds->probe_ids[pf->probe]));
  json_t *models = json_array();
  for (size_t k = 0; k < pf->n_models; k++)
    json_array_append_new(models, bs_bmd_model_json(&pf->fits[k]));
  json_object_set_new(o, "models", models);
  const bmd_select_result *b = &pf->best;
  if (b->best >= 0) {
    const bmd_fit_result *r = &pf->fits[b->best];
    json_t *best = json_object();
    json_object_set_new(best, "model", json_string(bmd_model_name(r->model)));
    json_object_set_new(best, "bmd", bs_json_number(b->bmd));
    json_object_set_new(best, "bmdl", bs_json_number(b->bmdl));
    json_object_set_new(best, "bmdu", bs_json_number(b->bmdu));
    json_object_set_new(best, "fit_p", bs_json_number(r->fit_p));
    json_object_set_new(best, "aic", bs_json_number(r->aic));
    json_object_set_new(best, "r_squared", bs_json_number(pf->best_metrics.r_squared));
    json_object_set_new(best, "hill_flag", json_integer(b->hill_flag));
    json_object_set_new(best, "direction", json_integer(r->increasing ? 1 : -1));
    json_object_set_new(o, "best", best);
  } else {
    json_object_set_new(o, "best", json_null());
  }
  json_object_set_new(o, "hill_k_flag", json_integer(pf->hill_k_flag));
  json_object_set_new(o, "max_fold_change", bs_json_number(pf->max_fold_change));
  return o;
}

static double jnum(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : NAN;
}

static void nan_fill(double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    x[i] = NAN;
}

/* The entry o of probe row `row` of ds (row == ds->n_probes: not found). */
static int probe_from_json(const bmd_dataset *ds, const json_t *o, size_t row, bmd_probe_fit *out,
                           char *errstr, size_t errstr_size) {
  memset(out, 0, sizeof(*out));
  out->best.best = out->best.best_poly = -1;
  const char *id = json_string_value(json_object_get(o, "probe_id"));
  if (!id || row >= ds->n_probes) {
    snprintf(errstr, errstr_size, "probe_id %s%s%s", id ? "\"" : "", id ? id : "is missing",
             id ? "\" is not a probe of the experiment" : "");
    return -1;
  }
  out->probe = row;
  const json_t *models = json_object_get(o, "models");
  if (!json_is_array(models) || json_array_size(models) > BMD_MODEL_COUNT) {
    snprintf(errstr, errstr_size, "probe %s: \"models\" is not an array of at most %d fits", id,
             BMD_MODEL_COUNT);
    return -1;
  }
  out->n_models = json_array_size(models);
  for (size_t k = 0; k < out->n_models; k++) {
    const json_t *jm = json_array_get(models, k), *params = json_object_get(jm, "parameters");
    int m = bmd_model_parse(json_string_value(json_object_get(jm, "model")));
    if (m < 0 || !json_is_object(params)) {
      snprintf(errstr, errstr_size, "probe %s: models[%zu]: bad \"model\" or \"parameters\"", id,
               k);
      return -1;
    }
    bmd_fit_result *r = &out->fits[k];
    r->model = (bmd_model)m;
    /* non-constant variance is the one with a "rho" parameter */
    r->variance = json_object_get(params, "rho") ? BMD_VARIANCE_NONCONSTANT : BMD_VARIANCE_CONSTANT;
    r->status = json_is_true(json_object_get(jm, "converged")) ? BMD_FIT_OK : BMD_FIT_MAXEVAL;
    r->increasing = json_is_true(json_object_get(jm, "increasing"));
    r->n_params = bmd_fit_param_count(r->model, r->variance);
    nan_fill(r->params, BMD_MAX_PARAMS);
    nan_fill(r->bmdl_params, BMD_MAX_PARAMS);
    nan_fill(r->bmdu_params, BMD_MAX_PARAMS);
    for (size_t p = 0; p < r->n_params && p < BMD_MAX_PARAMS; p++)
      r->params[p] = jnum(params, bmd_fit_param_name(r->model, r->variance, p));
    r->loglik = jnum(jm, "loglik");
    r->aic = jnum(jm, "aic");
    r->bmd = jnum(jm, "bmd");
    r->bmdl = jnum(jm, "bmdl");
    r->bmdu = jnum(jm, "bmdu");
    r->fit_p = jnum(jm, "fit_p");
    r->fit_df = NAN;
  }
  out->best_metrics.r_squared = out->best_metrics.bmr_multiples = out->best_metrics.fold_change =
      NAN;
  out->best_metrics.bmd_low_dose = out->best_metrics.bmd_high_dose = NAN;
  out->best_metrics.bmd_resp_low_dose = out->best_metrics.bmd_resp_high_dose = NAN;
  nan_fill(out->best.chi2, 3);
  nan_fill(out->best.chi2_p, 3);
  out->best.bmd = out->best.bmdl = out->best.bmdu = NAN;
  out->max_fold_change = jnum(o, "max_fold_change");
  out->hill_k_flag = (int)json_integer_value(json_object_get(o, "hill_k_flag"));
  const json_t *best = json_object_get(o, "best");
  if (json_is_object(best)) {
    int m = bmd_model_parse(json_string_value(json_object_get(best, "model")));
    for (size_t k = 0; m >= 0 && k < out->n_models; k++)
      if (out->fits[k].model == (bmd_model)m) {
        out->best.best = (int)k;
        break;
      }
    if (out->best.best < 0) {
      snprintf(errstr, errstr_size, "probe %s: best.model is not one of its models", id);
      return -1;
    }
    out->best.best_model = (bmd_model)m;
    out->best.bmd = jnum(best, "bmd");
    out->best.bmdl = jnum(best, "bmdl");
    out->best.bmdu = jnum(best, "bmdu");
    out->best.hill_flag = (int)json_integer_value(json_object_get(best, "hill_flag"));
    out->best_metrics.r_squared = jnum(best, "r_squared");
  } else if (!json_is_null(best)) {
    snprintf(errstr, errstr_size, "probe %s: \"best\" is neither an object nor null", id);
    return -1;
  }
  return 0;
}

int bs_bmd_probe_from_json(const bmd_dataset *ds, const json_t *o, bmd_probe_fit *out, char *errstr,
                           size_t errstr_size) {
  const char *id = json_string_value(json_object_get(o, "probe_id"));
  size_t row = ds->n_probes;
  for (size_t i = 0; id && i < ds->n_probes; i++)
    if (strcmp(ds->probe_ids[i], id) == 0) {
      row = i;
      break;
    }
  return probe_from_json(ds, o, row, out, errstr, errstr_size);
}

int bs_bmd_probes_from_json(const bmd_dataset *ds, const json_t *array, bmd_probe_fit **fits,
                            size_t *n, char *errstr, size_t errstr_size) {
  *fits = NULL;
  *n = 0;
  if (!json_is_array(array)) {
    snprintf(errstr, errstr_size, "not a JSON array of probe results");
    return -1;
  }
  size_t count = json_array_size(array);
  bmd_probe_index *index = bmd_probe_index_new(ds);
  bmd_probe_fit *out = calloc(count ? count : 1, sizeof(*out));
  int rc = -1;
  if (!index || !out) {
    snprintf(errstr, errstr_size, "out of memory for %zu probe results", count);
    goto done;
  }
  for (size_t i = 0; i < count; i++) {
    const json_t *o = json_array_get(array, i);
    /* the first row of that id, as bs_bmd_probe_from_json finds it */
    size_t row = bmd_probe_index_find(index, json_string_value(json_object_get(o, "probe_id")));
    char inner[512];
    if (probe_from_json(ds, o, row, &out[i], inner, sizeof(inner)) != 0) {
      snprintf(errstr, errstr_size, "entry %zu: %s", i, inner);
      goto done;
    }
  }
  *fits = out;
  *n = count;
  out = NULL;
  rc = 0;
done:
  bmd_probe_index_destroy(index);
  free(out);
  return rc;
}
