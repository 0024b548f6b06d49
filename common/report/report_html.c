/*
 * report_html.c - the report's HTML helpers (report_internal.h): escaping,
 * numbers, inline SVG.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

void bs_html_put(FILE *out, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&':
      fputs("&amp;", out);
      break;
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&#39;", out);
      break;
    default:
      if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
        fputc(*s, out);
    }
  }
}

void bs_html_num(FILE *out, double v) {
  if (isfinite(v))
    fprintf(out, "%.4g", v);
  else
    fputs("&ndash;", out);
}

void bs_html_attr_num(FILE *out, const char *name, double v) {
  if (isfinite(v))
    fprintf(out, " %s=\"%.17g\"", name, v);
  else
    fprintf(out, " %s=\"\"", name);
}

int bs_html_svg(FILE *out, bs_html_svg_fn fn, const void *arg) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  int rc = mem ? fn(mem, arg) : -1;
  if (mem && fclose(mem) != 0)
    rc = -1;
  if (rc == 0 && text) {
    const char *start = text;
    /* the plots start with <?xml ...?>: not for an HTML document */
    if (strncmp(start, "<?xml", 5) == 0 && (start = strstr(start, "?>")) != NULL)
      start += start[2] == '\n' ? 3 : 2;
    else
      start = text;
    fwrite(start, 1, len - (size_t)(start - text), out);
  }
  free(text);
  return rc == 0 && text ? 0 : -1;
}
