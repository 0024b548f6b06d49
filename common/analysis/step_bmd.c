/*
 * step_bmd.c - the BMD step (bs/steps.h): every model of the settings
 * fitted to each probe the prefilter passed, the best one selected and
 * its metrics (core bmd_probes_fit), then bmd.tsv with BMDExpress's BMD
 * export columns (bs/bmd_export.h).
 */
#include <stdlib.h>

#include "bs/bmd_export.h"
#include "bs/bmd_pieces.h"
#include "steps_internal.h"

typedef struct tsv_args {
  const bmd_dataset *ds;
  const bmd_probe_fit *fits;
  size_t n;
  const bmd_probes_options *opt;
} tsv_args;

static int render_tsv(FILE *out, const void *arg) {
  const tsv_args *a = arg;
  return bs_bmd_tsv_write(out, a->ds, a->fits, a->n, a->opt->model_mask, a->opt->fit.variance);
}

/* The core options of the settings for the BMD step. */
static bmd_probes_options probes_options(const bs_settings *s, unsigned threads,
                                         bs_step_progress_cb progress, void *progress_opaque) {
  bmd_probes_options opt = s->bmd;
  opt.fit.log_base = s->log_base;
  opt.threads = threads;
  opt.progress = progress;
  opt.progress_opaque = progress_opaque;
  return opt;
}

/* rows[0..n) fitted into a new array *fits; defer_across as bmd/probes.h. */
static bs_status fit_rows(const bs_settings *s, const bmd_dataset *ds, const size_t *rows, size_t n,
                          unsigned threads, bs_step_progress_cb progress, void *progress_opaque,
                          int defer_across, bmd_probe_fit **fits, char *errstr,
                          size_t errstr_size) {
  bmd_dataset view = bs_step_dataset(s, ds);
  bmd_probes_options opt = probes_options(s, threads, progress, progress_opaque);
  opt.defer_across = defer_across;
  *fits = NULL;
  bmd_probe_fit *f = calloc(n ? n : 1, sizeof(*f));
  if (!f) {
    snprintf(errstr, errstr_size, "BMD: out of memory for %zu probe fits", n);
    return BS_ERR_RETRIABLE;
  }
  if (n && bmd_probes_fit(&view, rows, n, &opt, f, errstr, errstr_size) != 0) {
    free(f);
    return BS_ERR_PERMANENT;
  }
  *fits = f;
  return BS_OK;
}

static bs_status put_tsv(const bs_settings *s, const bmd_dataset *ds, const bmd_probe_fit *fits,
                         size_t n, const bs_export_target *to, char *errstr, size_t errstr_size) {
  bmd_probes_options opt = probes_options(s, 1, NULL, NULL);
  tsv_args args = {ds, fits, n, &opt};
  return bs_export_render_put(to, "bmd.tsv", "text/tab-separated-values", render_tsv, &args, errstr,
                              errstr_size);
}

bs_status bs_step_bmd(const bs_settings *s, const bmd_dataset *ds, const size_t *rows, size_t n,
                      unsigned threads, bs_step_progress_cb progress, void *progress_opaque,
                      const bs_export_target *to, bmd_probe_fit **fits, char *errstr,
                      size_t errstr_size) {
  bmd_probe_fit *f = NULL;
  bs_status st =
      fit_rows(s, ds, rows, n, threads, progress, progress_opaque, 0, &f, errstr, errstr_size);
  if (st == BS_OK)
    st = put_tsv(s, ds, f, n, to, errstr, errstr_size);
  if (st != BS_OK) {
    free(f);
    return st;
  }
  *fits = f;
  return BS_OK;
}

bs_status bs_step_bmd_chunk(const bs_settings *s, const bmd_dataset *ds, const size_t *rows,
                            size_t n, unsigned threads, bs_step_progress_cb progress,
                            void *progress_opaque, bmd_probe_fit **fits, char *errstr,
                            size_t errstr_size) {
  return fit_rows(s, ds, rows, n, threads, progress, progress_opaque, 1, fits, errstr, errstr_size);
}

typedef struct pieces_args {
  const bmd_dataset *ds;
  const bs_bmd_piece *pieces;
  size_t count;
  const bmd_probes_options *opt;
} pieces_args;

static int render_pieces_tsv(FILE *out, const void *arg) {
  const pieces_args *a = arg;
  return bs_bmd_pieces_tsv_write(out, a->ds, a->pieces, a->count, a->opt->model_mask,
                                 a->opt->fit.variance);
}

bs_status bs_step_bmd_gather(const bs_settings *s, const bmd_dataset *ds, bmd_probe_fit *fits,
                             size_t n, bs_bmd_piece *pieces, size_t count,
                             const bs_export_target *to, char *errstr, size_t errstr_size) {
  bmd_dataset view = bs_step_dataset(s, ds);
  bmd_probes_options opt = probes_options(s, 1, NULL, NULL);
  if (bmd_probes_finish(&view, fits, n, &opt, errstr, errstr_size) != 0)
    return BS_ERR_RETRIABLE; /* out of memory */
  for (size_t i = 0; i < count; i++) {
    bs_bmd_piece *p = &pieces[i];
    if (p->first > n || p->len > n - p->first) {
      snprintf(errstr, errstr_size, "BMD: piece %zu is beyond the %zu probes", i, n);
      return BS_ERR_PERMANENT;
    }
    if (!p->rendered && bs_bmd_piece_render(ds, fits + p->first, NULL, p) != 0) {
      snprintf(errstr, errstr_size, "BMD: out of memory rendering probes %zu to %zu", p->first,
               p->first + p->len);
      return BS_ERR_RETRIABLE;
    }
  }
  pieces_args args = {ds, pieces, count, &opt};
  return bs_export_render_put(to, "bmd.tsv", "text/tab-separated-values", render_pieces_tsv, &args,
                              errstr, errstr_size);
}
