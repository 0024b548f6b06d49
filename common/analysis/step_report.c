/*
 * step_report.c - report.html among the category step's exports
 * (steps_internal.h, bs/report.h): rendered in memory, put whole.
 */
#include "steps_internal.h"

static int render_report(FILE *out, const void *arg) {
  return bs_report_html_write(out, arg);
}

/* "text/html" without "; charset=utf-8": the page says <meta charset>,
 * and a ';' in the Content-Type breaks the SigV4 signature between
 * libcurl 7.88 and S3Proxy (403 SignatureDoesNotMatch, seen on the stack). */
bs_status bs_report_put(const bs_export_target *to, const bs_report *r, char *errstr,
                        size_t errstr_size) {
  return bs_export_render_put(to, "report.html", "text/html", render_report, r, errstr,
                              errstr_size);
}
