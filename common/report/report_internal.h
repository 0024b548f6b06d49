/*
 * report_internal.h - what the report's files share (bs/report.h): HTML
 * escaping, numbers as the page shows and carries them, embedding an SVG
 * plot, the inline assets and the sections.
 */
#ifndef BS_REPORT_INTERNAL_H
#define BS_REPORT_INTERNAL_H

#include <stdio.h>

#include "bs/report.h"

/* s with & < > " ' as character references and other control characters
 * than tab and newline dropped: safe in text and in quoted attributes. */
void bs_html_put(FILE *out, const char *s);

/* A number for people: %.4g, or an en dash when not finite. */
void bs_html_num(FILE *out, double v);

/* ` name="v"` with v printed %.17g (reads back exactly); empty when not
 * finite. */
void bs_html_attr_num(FILE *out, const char *name, double v);

/* A plot rendered by fn(arg) written inline: the SVG element without its
 * XML declaration. 0, or -1 when it cannot be rendered. */
typedef int (*bs_html_svg_fn)(FILE *out, const void *arg);
int bs_html_svg(FILE *out, bs_html_svg_fn fn, const void *arg);

extern const char bs_report_css[]; /* report_assets.c */
extern const char bs_report_js[];

/* The sections' contents, below their <h2> (report.c, report_results.c,
 * report_categories.c); each 0, or -1 when out of memory or on a write
 * error. report.c's table puts them in order, in their <section id>. */
int bs_report_summary(FILE *out, const bs_report *r);
int bs_report_settings(FILE *out, const bs_report *r);
int bs_report_models(FILE *out, const bs_report *r);
int bs_report_bmd(FILE *out, const bs_report *r);
int bs_report_tpod(FILE *out, const bs_report *r);
int bs_report_accumulation(FILE *out, const bs_report *r);
int bs_report_categories(FILE *out, const bs_report *r);
int bs_report_curves(FILE *out, const bs_report *r);

#endif
