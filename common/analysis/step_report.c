/*
 * step_report.c - report.html among the category step's exports
 * (steps_internal.h, bs/report.h): rendered in memory, put whole.
 */
#include "steps_internal.h"

static int render_report(FILE *out, const void *arg) {
  return bs_report_html_write(out, arg);
}

bs_status bs_report_put(const bs_export_target *to, const bs_report *r, char *errstr,
                        size_t errstr_size) {
  return bs_export_render_put(to, "report.html", "text/html; charset=utf-8", render_report, r,
                              errstr, errstr_size);
}
