/*
 * step_prefilter.c - the prefilter step (bs/steps.h): the settings'
 * method's test over every probe (one-way ANOVA, the Williams trend test,
 * or none, as core's method table defines them), BMDExpress's filter flow
 * (p cut-off with or without Benjamini-Hochberg, AFFX controls, fold
 * filter, NOTEL/LOTEL; bmd/prefilter.h), the method's test after the flow
 * on its survivors (the curve fit), then prefilter.tsv
 * (bs/prefilter_export.h); or all of that on some rows only (a curve fit
 * on another prefilter's passed probes).
 */
#define _DEFAULT_SOURCE /* strdup */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs/prefilter_export.h"
#include "steps_internal.h"

typedef struct tsv_args {
  const bmd_dataset *ds;
  const bmd_prefilter_method *method;
  const bs_prefilter_output *o;
} tsv_args;

static int render_tsv(FILE *out, const void *arg) {
  const tsv_args *a = arg;
  return bs_prefilter_tsv_write(out, a->ds, a->method, a->o->result, a->o->values);
}

/* The method's after-flow test on the rows the flow passed; a row it
 * fails gets verdict BMD_PREFILTER_CURVE_FIT. Columns of other rows stay
 * NaN (empty cells). */
static bs_status run_after(const bmd_prefilter_method *m, const bmd_dataset *view,
                           const bmd_prefilter_test_options *topt, bs_prefilter_output *o,
                           char *errstr, size_t errstr_size) {
  bmd_prefilter_result *r = o->result;
  size_t n = r->n_probes, k = 0;
  for (size_t i = 0; i < n * m->n_columns; i++)
    o->values[i] = NAN;
  size_t *rows = malloc((r->n_passed ? r->n_passed : 1) * sizeof(size_t));
  unsigned char *pass = malloc(r->n_passed ? r->n_passed : 1);
  if (!rows || !pass) {
    free(rows);
    free(pass);
    snprintf(errstr, errstr_size, "prefilter: out of memory");
    return BS_ERR_RETRIABLE;
  }
  for (size_t i = 0; i < n; i++)
    if (r->verdict[i] == BMD_PREFILTER_PASSED)
      rows[k++] = i;
  int rc = m->after(view, topt, rows, k, o->values, pass, errstr, errstr_size);
  for (size_t j = 0; rc == 0 && j < k; j++)
    if (!pass[j]) {
      r->verdict[rows[j]] = BMD_PREFILTER_CURVE_FIT;
      r->n_passed--;
    }
  free(rows);
  free(pass);
  return rc == 0 ? BS_OK : rc == -2 ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
}

void bs_prefilter_output_destroy(bs_prefilter_output *o) {
  if (!o)
    return;
  bmd_prefilter_result_destroy(o->result);
  free(o->values);
  free(o->stat);
  free(o->passed);
  free(o);
}

bs_status bs_step_prefilter(const bs_settings *s, const bmd_dataset *ds, unsigned threads,
                            const bs_export_target *to, bs_prefilter_output **out, char *errstr,
                            size_t errstr_size) {
  const bmd_prefilter_method *m = s->method;
  bmd_dataset view = bs_step_dataset(s, ds);
  size_t n = ds->n_probes, rows = n ? n : 1;
  double *p = NULL;
  bs_status st = BS_ERR_RETRIABLE;
  *out = NULL;
  bs_prefilter_output *o = calloc(1, sizeof(*o));
  if (!o || (m->n_columns && !(o->values = malloc(rows * m->n_columns * sizeof(double)))) ||
      (m->test && !(p = malloc(rows * sizeof(double))))) {
    snprintf(errstr, errstr_size, "prefilter: out of memory for %zu probes", n);
    goto done;
  }
  bmd_prefilter_test_options topt = s->test;
  topt.threads = threads;
  if (m->test) {
    int rc = m->test(&view, &topt, o->values, p, errstr, errstr_size);
    if (rc != 0) {
      st = rc == -2 ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
      goto done;
    }
  }
  if (bmd_prefilter_run(&view, p, &s->prefilter, &o->result, errstr, errstr_size) != 0) {
    st = BS_ERR_PERMANENT;
    goto done;
  }
  if (m->after && (st = run_after(m, &view, &topt, o, errstr, errstr_size)) != BS_OK)
    goto done;
  st = BS_ERR_RETRIABLE;
  /* the method's statistic (a column of its values) and the passed rows */
  if (m->stat_column >= 0 && (size_t)m->stat_column < m->n_columns) {
    if (!(o->stat = malloc(rows * sizeof(double)))) {
      snprintf(errstr, errstr_size, "prefilter: out of memory");
      goto done;
    }
    for (size_t i = 0; i < n; i++)
      o->stat[i] = o->values[i * m->n_columns + (size_t)m->stat_column];
  }
  if (!(o->passed = malloc((o->result->n_passed ? o->result->n_passed : 1) * sizeof(size_t)))) {
    snprintf(errstr, errstr_size, "prefilter: out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    if (o->result->verdict[i] == BMD_PREFILTER_PASSED)
      o->passed[o->n_passed++] = i;
  tsv_args args = {ds, m, o};
  st = bs_export_render_put(to, "prefilter.tsv", "text/tab-separated-values", render_tsv, &args,
                            errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  *out = o;
  o = NULL;
done:
  free(p);
  bs_prefilter_output_destroy(o);
  return st;
}

/* A copy of rows[0..n) of ds (every sample), grouped as ds is; NULL when
 * out of memory. */
static bmd_dataset *dataset_rows(const bmd_dataset *ds, const size_t *rows, size_t n) {
  bmd_dataset *sub = bmd_dataset_new(n, ds->n_samples);
  if (!sub)
    return NULL;
  sub->log_base = ds->log_base;
  int ok = 1;
  for (size_t j = 0; j < ds->n_samples; j++) {
    sub->doses[j] = ds->doses[j];
    ok &= (sub->sample_ids[j] = strdup(ds->sample_ids[j] ? ds->sample_ids[j] : "")) != NULL;
  }
  for (size_t i = 0; i < n; i++) {
    ok &= (sub->probe_ids[i] = strdup(ds->probe_ids[rows[i]])) != NULL;
    memcpy(sub->values + i * ds->n_samples, bmd_dataset_row(ds, rows[i]),
           ds->n_samples * sizeof(double));
  }
  if (!ok || bmd_dataset_group(sub) != 0) { /* ds's order: the sort keeps it */
    bmd_dataset_destroy(sub);
    return NULL;
  }
  return sub;
}

bs_status bs_step_prefilter_rows(const bs_settings *s, const bmd_dataset *ds, const size_t *rows,
                                 size_t n_rows, unsigned threads, const bs_export_target *to,
                                 bs_prefilter_output **out, char *errstr, size_t errstr_size) {
  if (!rows)
    return bs_step_prefilter(s, ds, threads, to, out, errstr, errstr_size);
  *out = NULL;
  for (size_t i = 0; i < n_rows; i++)
    if (rows[i] >= ds->n_probes) {
      snprintf(errstr, errstr_size, "prefilter: input row %zu of %zu probes", rows[i],
               ds->n_probes);
      return BS_ERR_PERMANENT;
    }
  bmd_dataset *sub = dataset_rows(ds, rows, n_rows);
  if (!sub) {
    snprintf(errstr, errstr_size, "prefilter: out of memory for %zu probes", n_rows);
    return BS_ERR_RETRIABLE;
  }
  bs_status st = bs_step_prefilter(s, sub, threads, to, out, errstr, errstr_size);
  for (size_t i = 0; st == BS_OK && i < (*out)->n_passed; i++)
    (*out)->passed[i] = rows[(*out)->passed[i]]; /* ascending, as rows are */
  bmd_dataset_destroy(sub);
  return st;
}
