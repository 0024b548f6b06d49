/*
 * analyze_bmd.c - the BMD stage of `bmdstream analyze`: every requested
 * model fitted to each probe the prefilter passed, the best one selected
 * (core bmd_probes_fit, the same driver as the pipeline's BMD stage), and
 * DIR/bmd.tsv with BMDExpress's BMD export columns.
 *
 * The settings take the same way as in the pipeline: options -> the
 * event's `bmd` settings object -> options, so that `analyze` and the
 * pipeline fit with bit-identical settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "bs/bmd_export.h"
#include "bs/params.h"

static void progress(void *opaque, size_t done, size_t total) {
  (void)opaque;
  if (done % 100 == 0 || done == total)
    fprintf(stderr, "\rbmdstream analyze: fitted %zu of %zu probes", done, total);
  if (done == total)
    fputc('\n', stderr);
}

int bs_analyze_bmd_run(const bs_analyze_options *o, const bmd_dataset *ds, const size_t *passed,
                       size_t n_passed, bmd_probe_fit **fits_out, char *errstr,
                       size_t errstr_size) {
  *fits_out = NULL;
  json_t *settings = bs_params_bmd_json(&o->bmd);
  bmd_probes_options opt;
  if (!settings ||
      bs_params_bmd_parse(settings, ds->log_base, &opt, errstr, errstr_size) != BS_OK) {
    json_decref(settings);
    return -1;
  }
  json_decref(settings);
  opt.threads = o->threads;
  opt.progress = progress;
  bmd_probe_fit *fits = calloc(n_passed ? n_passed : 1, sizeof(*fits));
  if (!fits) {
    snprintf(errstr, errstr_size, "out of memory for %zu probe fits", n_passed);
    return -1;
  }
  if (n_passed && bmd_probes_fit(ds, passed, n_passed, &opt, fits, errstr, errstr_size) != 0) {
    free(fits);
    return -1;
  }
  char path[4096];
  snprintf(path, sizeof(path), "%s/bmd.tsv", o->out_dir);
  FILE *f = fopen(path, "w");
  int rc = f ? bs_bmd_tsv_write(f, ds, fits, n_passed, opt.model_mask, opt.fit.variance) : -1;
  if (f && fclose(f) != 0)
    rc = -1;
  if (rc != 0) {
    snprintf(errstr, errstr_size, "%s: cannot write", path);
    free(fits);
    return -1;
  }
  *fits_out = fits;
  return 0;
}
