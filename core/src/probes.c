/*
 * probes.c - fit every probe of a dataset, in parallel (see bmd/probes.h).
 */
#include "bmd/probes.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bmd_probes_options bmd_probes_options_default(void) {
  bmd_probes_options o;
  memset(&o, 0, sizeof(o));
  o.fit = bmd_fit_options_default();
  o.select = bmd_select_options_default();
  o.model_mask = (1u << BMD_MODEL_COUNT) - 1;
  o.threads = 1;
  o.step_threshold = 0.75;
  return o;
}

/*
 * Group statistics of probe p:
 *   mean_g = (1/n_g) sum_i y_i,   sd_g = sqrt( sum_i (y_i - mean_g)^2 / (n_g - 1) )
 * (sd_g = 0 for a single replicate).
 */
int bmd_probe_suffstat(const bmd_dataset *ds, size_t probe, bmd_suffstat *ss) {
  const double *row = bmd_dataset_row(ds, probe);
  if (ss->n_groups != ds->n_groups)
    return -1;
  for (size_t g = 0; g < ds->n_groups; g++) {
    size_t start = ds->group_start[g], k = ds->group_size[g];
    double sum = 0;
    for (size_t i = 0; i < k; i++)
      sum += row[start + i];
    double mean = sum / (double)k, ss2 = 0;
    for (size_t i = 0; i < k; i++)
      ss2 += (row[start + i] - mean) * (row[start + i] - mean);
    ss->dose[g] = ds->group_dose[g];
    ss->n[g] = (double)k;
    ss->mean[g] = mean;
    ss->sd[g] = k > 1 ? sqrt(ss2 / (double)(k - 1)) : 0.0;
  }
  return 0;
}

/*
 * Fold change of group g against the control (group 0), as BMDExpress
 * (notes/bmdexpress.md §2.1): on log data with base b the ratio is
 * b^(mean_g - mean_0), on unlogged data mean_g / mean_0; a ratio below 1
 * is reported as -1/ratio. The maximum is by absolute value.
 */
static double max_fold_change(const bmd_suffstat *ss, bmd_log_base base) {
  double best = 0;
  for (size_t g = 1; g < ss->n_groups; g++) {
    double diff = ss->mean[g] - ss->mean[0], ratio;
    switch (base) {
    case BMD_LOG_BASE2:
      ratio = pow(2.0, diff);
      break;
    case BMD_LOG_BASE10:
      ratio = pow(10.0, diff);
      break;
    case BMD_LOG_NATURAL:
      ratio = exp(diff);
      break;
    default:
      ratio = ss->mean[0] != 0 ? ss->mean[g] / ss->mean[0] : NAN;
    }
    double fc = ratio >= 1 ? ratio : -1.0 / ratio;
    if (isfinite(fc) && fabs(fc) > fabs(best))
      best = fc;
  }
  return best;
}

/* The metrics of the best fit with the selection's BMD, BMDL and BMDU
 * (flagged-Hill options 4 and 5 replace them); undefined when none. */
static void best_metrics(bmd_probe_fit *pf, const bmd_suffstat *ss, const bmd_metrics_options *mo) {
  bmd_fit_result r;
  if (pf->best.best < 0) {
    r.loglik = NAN;
    bmd_fit_metrics_compute(&r, ss, mo, &pf->best_metrics);
    return;
  }
  r = pf->fits[pf->best.best];
  r.bmd = pf->best.bmd, r.bmdl = pf->best.bmdl, r.bmdu = pf->best.bmdu;
  bmd_fit_metrics_compute(&r, ss, mo, &pf->best_metrics);
}

typedef struct work {
  const bmd_dataset *ds;
  const size_t *probes;
  size_t n;
  const bmd_probes_options *opt;
  bmd_probe_fit *out;
  size_t next, done; /* guarded by lock */
  pthread_mutex_t lock;
  int failed;
  char errstr[256];
} work;

static void fit_one(work *w, size_t i, bmd_suffstat *ss, bmd_fit_memo *memo) {
  bmd_probe_fit *pf = &w->out[i];
  const bmd_probes_options *opt = w->opt;
  memset(pf, 0, sizeof(*pf));
  pf->probe = w->probes ? w->probes[i] : i;
  bmd_probe_suffstat(w->ds, pf->probe, ss);
  pf->max_fold_change = max_fold_change(ss, w->ds->log_base);
  bmd_aod aod;
  const bmd_aod *aodp = bmd_aod_compute(ss, opt->fit.variance, &aod) == 0 ? &aod : NULL;
  char err[256];
  for (int m = 0; m < BMD_MODEL_COUNT; m++) {
    if (!(opt->model_mask & (1u << m)))
      continue;
    bmd_fit_result *r = &pf->fits[pf->n_models++];
    if (bmd_fit_run_memo(ss, (bmd_model)m, &opt->fit, aodp, memo, r, err, sizeof(err)) != 0) {
      memset(r, 0, sizeof(*r));
      r->model = (bmd_model)m;
      r->status = BMD_FIT_FAILED;
      r->bmd = r->bmdl = r->bmdu = r->aic = r->fit_p = r->loglik = NAN;
    }
  }
  bmd_select_best(pf->fits, pf->n_models, ss, &opt->select, &pf->best);
  for (size_t k = 0; k < pf->n_models; k++)
    if (pf->fits[k].model == BMD_MODEL_HILL)
      pf->hill_k_flag =
          opt->select.flag_hill && bmd_hill_flagged(&pf->fits[k], ss, opt->select.hill_k_fraction);
  if (pf->best.hill_flag >= 3)
    pf->hill_k_flag = pf->best.hill_flag;
  bmd_metrics_options mo = {w->ds->log_base, opt->step_threshold};
  for (size_t k = 0; k < pf->n_models; k++)
    bmd_fit_metrics_compute(&pf->fits[k], ss, &mo, &pf->metrics[k]);
  best_metrics(pf, ss, &mo);
}

static void *worker(void *arg) {
  work *w = arg;
  bmd_suffstat *ss = bmd_suffstat_new(w->ds->n_groups);
  /* this thread's memo (NULL if out of memory: the fits are the same, slower) */
  bmd_fit_memo *memo = bmd_fit_memo_new();
  if (!ss) {
    bmd_fit_memo_destroy(memo);
    pthread_mutex_lock(&w->lock);
    w->failed = 1;
    snprintf(w->errstr, sizeof(w->errstr), "out of memory");
    pthread_mutex_unlock(&w->lock);
    return NULL;
  }
  for (;;) {
    pthread_mutex_lock(&w->lock);
    size_t i = w->next++;
    pthread_mutex_unlock(&w->lock);
    if (i >= w->n)
      break;
    fit_one(w, i, ss, memo);
    pthread_mutex_lock(&w->lock);
    w->done++;
    if (w->opt->progress)
      w->opt->progress(w->opt->progress_opaque, w->done, w->n);
    pthread_mutex_unlock(&w->lock);
  }
  bmd_fit_memo_destroy(memo);
  bmd_suffstat_destroy(ss);
  return NULL;
}

int bmd_probes_fit(const bmd_dataset *ds, const size_t *probes, size_t n,
                   const bmd_probes_options *opt, bmd_probe_fit *out, char *errstr,
                   size_t errstr_size) {
  if (ds->n_groups < 2) {
    snprintf(errstr, errstr_size, "fewer than two dose groups");
    return -1;
  }
  if (!(opt->model_mask & ((1u << BMD_MODEL_COUNT) - 1))) {
    snprintf(errstr, errstr_size, "no model selected");
    return -1;
  }
  for (size_t i = 0; probes && i < n; i++)
    if (probes[i] >= ds->n_probes) {
      snprintf(errstr, errstr_size, "probe index %zu out of range", probes[i]);
      return -1;
    }
  work w = {ds, probes, probes ? n : ds->n_probes, opt, out,
            0,  0,      PTHREAD_MUTEX_INITIALIZER, 0,   ""};
  unsigned threads = opt->threads > 1 ? opt->threads : 1;
  if (threads > 256)
    threads = 256;
  pthread_t tid[256];
  unsigned started = 0;
  for (unsigned t = 1; t < threads; t++)
    if (pthread_create(&tid[started], NULL, worker, &w) == 0)
      started++;
  worker(&w); /* the calling thread works too */
  for (unsigned t = 0; t < started; t++)
    pthread_join(tid[t], NULL);
  pthread_mutex_destroy(&w.lock);
  if (w.failed) {
    snprintf(errstr, errstr_size, "%s", w.errstr);
    return -1;
  }
  if (opt->defer_across)
    return 0;
  return bmd_probes_finish(ds, out, w.n, opt, errstr, errstr_size);
}

int bmd_probes_finish(const bmd_dataset *ds, bmd_probe_fit *out, size_t n,
                      const bmd_probes_options *opt, char *errstr, size_t errstr_size) {
  /* Flagged-Hill options 4 and 5 look across probes. */
  if (opt->select.flagged_hill == BMD_HILL_MODIFY_BMD ||
      opt->select.flagged_hill == BMD_HILL_NEXT_BEST) {
    bmd_select_result *sel = malloc((n ? n : 1) * sizeof(*sel));
    if (!sel) {
      snprintf(errstr, errstr_size, "out of memory");
      return -1;
    }
    for (size_t i = 0; i < n; i++)
      sel[i] = out[i].best;
    bmd_select_fix_flagged_hill(sel, n, opt->select.flagged_hill_fraction);
    /* the probes whose BMDs were replaced get their best metrics again */
    bmd_suffstat *ss = bmd_suffstat_new(ds->n_groups);
    bmd_metrics_options mo = {ds->log_base, opt->step_threshold};
    for (size_t i = 0; ss && i < n; i++) {
      int replaced = out[i].best.needs_hill_fix;
      out[i].best = sel[i];
      if (replaced) {
        bmd_probe_suffstat(ds, out[i].probe, ss);
        best_metrics(&out[i], ss, &mo);
      }
    }
    free(sel);
    if (!ss) {
      snprintf(errstr, errstr_size, "out of memory");
      return -1;
    }
    bmd_suffstat_destroy(ss);
  }
  return 0;
}
