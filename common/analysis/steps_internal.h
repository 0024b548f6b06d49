/*
 * steps_internal.h - what the step files share (bs/steps.h): rendering an
 * export into memory and putting it, and the dataset as a step reads it.
 */
#ifndef BS_STEPS_INTERNAL_H
#define BS_STEPS_INTERNAL_H

#include <stdio.h>

#include "bs/report.h"
#include "bs/steps.h"

/* Writes one export into out; 0, or -1 on a write error. */
typedef int (*bs_export_render_fn)(FILE *out, const void *arg);

/* Renders name with fn(arg) into memory and puts it (bs_export_put).
 * RETRIABLE when it cannot be rendered (out of memory) or stored. */
bs_status bs_export_render_put(const bs_export_target *to, const char *name,
                               const char *content_type, bs_export_render_fn fn, const void *arg,
                               char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* report.html of r (bs/report.h) at the target. RETRIABLE when it cannot
 * be rendered (out of memory) or stored. */
bs_status bs_report_put(const bs_export_target *to, const bs_report *r, char *errstr,
                        size_t errstr_size) __attribute__((warn_unused_result));

/* The TSV text[0..len) as RFC 4180 CSV (fields quoted when they hold a
 * comma, quote or line break; quotes doubled) in a new buffer *out,
 * *out_len bytes. 0, or -1 when out of memory. */
int bs_export_tsv_to_csv(const char *tsv, size_t len, char **out, size_t *out_len)
    __attribute__((warn_unused_result));

/* ds as the steps read it: the same data with the settings' log base
 * (the one the results' natural keys name), whatever log base the
 * dataset was imported with. Shares ds's arrays: lives no longer than ds. */
static inline bmd_dataset bs_step_dataset(const bs_settings *s, const bmd_dataset *ds) {
  bmd_dataset view = *ds;
  view.log_base = s->log_base;
  return view;
}

#endif
