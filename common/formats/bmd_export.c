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

/* The metrics of one fit as a new JSON object (names as in bmd/metrics.h). */
static json_t *metrics_json(const bmd_fit_metrics *m) {
  json_t *o = json_object();
  json_object_set_new(o, "r_squared", bs_json_number(m->r_squared));
  json_object_set_new(o, "z_score", bs_json_number(m->z_score));
  json_object_set_new(o, "bmr_multiples", bs_json_number(m->bmr_multiples));
  json_object_set_new(o, "fold_change", bs_json_number(m->fold_change));
  json_object_set_new(o, "bmd_low_dose", bs_json_number(m->bmd_low_dose));
  json_object_set_new(o, "bmd_high_dose", bs_json_number(m->bmd_high_dose));
  json_object_set_new(o, "bmd_response_low_dose", bs_json_number(m->bmd_resp_low_dose));
  json_object_set_new(o, "bmd_response_high_dose", bs_json_number(m->bmd_resp_high_dose));
  json_object_set_new(o, "bmd_bmdl", bs_json_number(m->bmd_bmdl));
  json_object_set_new(o, "bmdu_bmdl", bs_json_number(m->bmdu_bmdl));
  json_object_set_new(o, "bmdu_bmd", bs_json_number(m->bmdu_bmd));
  json_object_set_new(o, "wauc", bs_json_number(m->wauc));
  json_object_set_new(o, "log_wauc", bs_json_number(m->log_wauc));
  json_object_set_new(o, "step_function",
                      m->step_function < 0 ? json_null() : json_boolean(m->step_function));
  json_object_set_new(o, "step_below_low_dose",
                      m->step_below_low_dose < 0 ? json_null()
                                                 : json_boolean(m->step_below_low_dose));
  return o;
}

static double jnum(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : NAN;
}

static int jflag(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  return json_is_boolean(v) ? json_is_true(v) : -1;
}

/* The inverse of metrics_json; a missing object or field is undefined. */
static void metrics_from_json(const json_t *o, bmd_fit_metrics *m) {
  m->r_squared = jnum(o, "r_squared");
  m->z_score = jnum(o, "z_score");
  m->bmr_multiples = jnum(o, "bmr_multiples");
  m->fold_change = jnum(o, "fold_change");
  m->bmd_low_dose = jnum(o, "bmd_low_dose");
  m->bmd_high_dose = jnum(o, "bmd_high_dose");
  m->bmd_resp_low_dose = jnum(o, "bmd_response_low_dose");
  m->bmd_resp_high_dose = jnum(o, "bmd_response_high_dose");
  m->bmd_bmdl = jnum(o, "bmd_bmdl");
  m->bmdu_bmdl = jnum(o, "bmdu_bmdl");
  m->bmdu_bmd = jnum(o, "bmdu_bmd");
  m->wauc = jnum(o, "wauc");
  m->log_wauc = jnum(o, "log_wauc");
  m->step_function = jflag(o, "step_function");
  m->step_below_low_dose = jflag(o, "step_below_low_dose");
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
  json_t *at_bound = json_array();
  for (size_t p = 0; isfinite(r->loglik) && p < r->n_params; p++)
    if (r->at_bound[p])
      json_array_append_new(at_bound, json_string(bmd_fit_param_name(r->model, r->variance, p)));
  json_object_set_new(o, "at_bound", at_bound);
  return o;
}

json_t *bs_bmd_probe_json(const bmd_dataset *ds, const bmd_probe_fit *pf) {
  json_t *o = json_object();
  json_object_set_new(o, "probe_id", json_string(ds->probe_ids[pf->probe]));
  bmd_suffstat *ss = bmd_suffstat_new(ds->n_groups);
  double *res = malloc((ds->n_groups ? ds->n_groups : 1) * sizeof(double));
  if (ss)
    bmd_probe_suffstat(ds, pf->probe, ss);
  json_t *models = json_array();
  for (size_t k = 0; k < pf->n_models; k++) {
    json_t *m = bs_bmd_model_json(&pf->fits[k]);
    json_t *mt = metrics_json(&pf->metrics[k]), *residuals = json_array();
    if (ss && res) {
      bmd_fit_residuals(&pf->fits[k], ss, res);
      for (size_t g = 0; g < ds->n_groups; g++)
        json_array_append_new(residuals, bs_json_number(res[g]));
    }
    json_object_set_new(mt, "residuals", residuals);
    json_object_set_new(m, "metrics", mt);
    json_array_append_new(models, m);
  }
  bmd_suffstat_destroy(ss);
  free(res);
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
    json_object_set_new(best, "metrics", metrics_json(&pf->best_metrics));
    json_object_set_new(o, "best", best);
  } else {
    json_object_set_new(o, "best", json_null());
  }
  json_object_set_new(o, "hill_k_flag", json_integer(pf->hill_k_flag));
  json_object_set_new(o, "max_fold_change", bs_json_number(pf->max_fold_change));
  return o;
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
    metrics_from_json(json_object_get(jm, "metrics"), &out->metrics[k]);
  }
  metrics_from_json(NULL, &out->best_metrics);
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
    metrics_from_json(json_object_get(best, "metrics"), &out->best_metrics);
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

static size_t skip_space(const char *text, size_t len, size_t at) {
  while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
    at++;
  return at;
}

int bs_bmd_probes_from_json_text(const bmd_dataset *ds, const char *text, size_t len,
                                 bmd_probe_fit **fits, size_t *n, char *errstr,
                                 size_t errstr_size) {
  *fits = NULL;
  *n = 0;
  bmd_probe_index *index = bmd_probe_index_new(ds);
  bmd_probe_fit *out = NULL;
  size_t count = 0, cap = 0, at = skip_space(text, len, 0);
  int rc = -1;
  if (!index) {
    snprintf(errstr, errstr_size, "out of memory");
    goto done;
  }
  if (at == len || text[at] != '[') {
    snprintf(errstr, errstr_size, "not a JSON array of probe results");
    goto done;
  }
  at = skip_space(text, len, at + 1);
  int closed = at < len && text[at] == ']';
  if (closed)
    at++;
  while (!closed) {
    /* one entry, then "," or "]" */
    json_error_t jerr;
    json_t *o = json_loadb(text + at, len - at, JSON_DISABLE_EOF_CHECK, &jerr);
    if (!o) {
      snprintf(errstr, errstr_size, "entry %zu: not JSON (%s)", count, jerr.text);
      goto done;
    }
    at += jerr.position;
    if (count == cap) {
      cap = cap ? 2 * cap : 1024;
      bmd_probe_fit *grown = realloc(out, cap * sizeof(*out));
      if (!grown) {
        json_decref(o);
        snprintf(errstr, errstr_size, "out of memory for %zu probe results", cap);
        goto done;
      }
      out = grown;
    }
    /* the first row of that id, as bs_bmd_probe_from_json finds it */
    size_t row = bmd_probe_index_find(index, json_string_value(json_object_get(o, "probe_id")));
    char inner[512];
    int bad = probe_from_json(ds, o, row, &out[count], inner, sizeof(inner));
    json_decref(o);
    if (bad) {
      snprintf(errstr, errstr_size, "entry %zu: %s", count, inner);
      goto done;
    }
    count++;
    at = skip_space(text, len, at);
    if (at < len && text[at] == ',') {
      at = skip_space(text, len, at + 1);
      continue;
    }
    if (at < len && text[at] == ']') {
      at++;
      closed = 1;
      continue;
    }
    snprintf(errstr, errstr_size, "entry %zu: neither \",\" nor \"]\" after it", count - 1);
    goto done;
  }
  if (skip_space(text, len, at) != len) {
    snprintf(errstr, errstr_size, "text after the array of probe results");
    goto done;
  }
  *fits = out ? out : calloc(1, sizeof(*out));
  if (!*fits) {
    snprintf(errstr, errstr_size, "out of memory");
    goto done;
  }
  *n = count;
  out = NULL;
  rc = 0;
done:
  bmd_probe_index_destroy(index);
  free(out);
  return rc;
}
