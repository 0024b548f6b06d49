/*
 * step_prefilter.c - the prefilter step (bs/steps.h): the settings'
 * method's test over every probe (one-way ANOVA, the Williams trend test,
 * or none, as core's method table defines them), BMDExpress's filter flow
 * (p cut-off with or without Benjamini-Hochberg, AFFX controls, fold
 * filter, NOTEL/LOTEL; bmd/prefilter.h), then prefilter.tsv
 * (bs/prefilter_export.h).
 */
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
  if (m->test) {
    bmd_prefilter_test_options topt = s->test;
    topt.threads = threads;
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
