/*
 * category_input.c - per-probe inputs of the category analysis from a
 * bmd.tsv or from bmd_probe_fit results (see bs/category_input.h).
 */
#include "bs/category_input.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bs/error.h"
#include "fields.h"

void bs_cat_probes_destroy(bs_cat_probes *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->n_strings; i++)
    free(p->strings[i]);
  free(p->strings);
  free(p->probes);
  free(p);
}

bs_cat_probes *bs_cat_probes_from_fits(const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n) {
  bs_cat_probes *p = calloc(1, sizeof(*p));
  if (!p || !(p->probes = calloc(n ? n : 1, sizeof(*p->probes)))) {
    free(p);
    return NULL;
  }
  p->n = n;
  for (size_t i = 0; i < n; i++) {
    const bmd_probe_fit *f = &fits[i];
    bmd_cat_probe *c = &p->probes[i];
    const bmd_fit_result *best = f->best.best >= 0 ? &f->fits[f->best.best] : NULL;
    c->id = ds->probe_ids[f->probe];
    c->bmd = best ? f->best.bmd : NAN;
    c->bmdl = best ? f->best.bmdl : NAN;
    c->bmdu = best ? f->best.bmdu : NAN;
    c->fit_p = best ? best->fit_p : NAN;
    c->r_squared = best ? f->best_metrics.r_squared : NAN;
    c->max_fold_change = f->max_fold_change;
    c->direction = best ? (best->increasing ? 1 : -1) : 0;
    c->model = best ? bmd_model_label(best->model) : NULL;
    c->step_function = best ? f->best_metrics.step_function : -1;
    c->step_below_low_dose = best ? f->best_metrics.step_below_low_dose : -1;
  }
  return p;
}

/* The columns we need, by header name. */
enum { C_ID, C_MODEL, C_BMD, C_BMDL, C_BMDU, C_FITP, C_R2, C_DIR, C_FC, C_COUNT };
static const char *const col_names[C_COUNT] = {
    "Probe ID",       "Best Model",     "Best BMD",      "Best BMDL",
    "Best BMDU",      "Best fitPValue", "Best RSquared", "Best adverseDirection",
    "Max Fold Change"};

/* Optional columns (older tables lack them): the best model's
 * step-function flags, "true", "false" or empty (unknown). */
enum { F_STEP, F_STEP_LOW, F_COUNT };
static const char *const flag_names[F_COUNT] = {"Best Is Step Function",
                                                "Best Is Step Function Less Than Lowest Dose"};

/* "true" 1, "false" 0, "" -1; anything else -2. */
static int parse_flag(const char *s) {
  return strcmp(s, "true") == 0 ? 1 : strcmp(s, "false") == 0 ? 0 : !*s ? -1 : -2;
}

/* Reads one line of any length (gz); 1, 0 at EOF, -1 on error. Strips CR/LF. */
static int read_line(gzFile gz, char **buf, size_t *cap) {
  size_t len = 0;
  if (!*buf) {
    *cap = 4096;
    if (!(*buf = malloc(*cap)))
      return -1;
  }
  for (;;) {
    if (!gzgets(gz, *buf + len, (int)(*cap - len))) {
      if (len)
        break;
      int zerr;
      gzerror(gz, &zerr);
      return zerr == Z_OK || zerr == Z_STREAM_END ? 0 : -1;
    }
    len += strlen(*buf + len);
    if (len && (*buf)[len - 1] == '\n')
      break;
    if (len + 1 < *cap) /* short read without newline: end of file */
      break;
    char *nb = realloc(*buf, *cap * 2);
    if (!nb)
      return -1;
    *buf = nb;
    *cap *= 2;
  }
  while (len && ((*buf)[len - 1] == '\n' || (*buf)[len - 1] == '\r'))
    (*buf)[--len] = '\0';
  return 1;
}

/* Empty -> NAN; otherwise a full number or -1. */
static int parse_num(const char *s, double *v) {
  if (!*s) {
    *v = NAN;
    return 0;
  }
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return end == s || *end || errno == ERANGE ? -1 : 0;
}

static int keep_string(bs_cat_probes *p, const char *s, const char **out, size_t *cap) {
  if (p->n_strings == *cap) {
    size_t nc = *cap ? *cap * 2 : 256;
    char **ns = realloc(p->strings, nc * sizeof(*ns));
    if (!ns)
      return -1;
    p->strings = ns;
    *cap = nc;
  }
  if (!(p->strings[p->n_strings] = strdup(s)))
    return -1;
  *out = p->strings[p->n_strings++];
  return 0;
}

bs_cat_probes *bs_cat_probes_read_tsv(const char *path, char *errstr, size_t errstr_size) {
  bs_cat_probes *p = calloc(1, sizeof(*p));
  char *line = NULL, **cells = NULL;
  size_t line_cap = 0, cells_cap = 0, probes_cap = 0, strings_cap = 0, lineno = 0;
  size_t col[C_COUNT], flag_col[F_COUNT], n_head = 0;
  errno = 0;
  gzFile gz = gzopen(path, "rb");
  if (!p) {
    bs_set_err(errstr, errstr_size, "%s: out of memory", path);
    goto fail;
  }
  if (!gz) {
    bs_set_err(errstr, errstr_size, "%s: cannot open: %s", path,
               errno ? strerror(errno) : "out of memory");
    goto fail;
  }
  int rc = read_line(gz, &line, &line_cap);
  lineno = 1;
  if (rc <= 0) {
    bs_set_err(errstr, errstr_size, "%s: %s", path, rc == 0 ? "empty file" : "read error");
    goto fail;
  }
  n_head = bs_fields_split_tabs(line, strlen(line), &cells, &cells_cap);
  if (n_head == (size_t)-1)
    goto oom;
  for (int c = 0; c < C_COUNT; c++) {
    col[c] = (size_t)-1;
    for (size_t i = 0; i < n_head; i++)
      if (strcmp(cells[i], col_names[c]) == 0) {
        col[c] = i;
        break;
      }
    if (col[c] == (size_t)-1) {
      bs_set_err(errstr, errstr_size, "%s:1: no column \"%s\" in the header", path, col_names[c]);
      goto fail;
    }
  }
  for (int f = 0; f < F_COUNT; f++) {
    flag_col[f] = (size_t)-1;
    for (size_t i = 0; i < n_head && flag_col[f] == (size_t)-1; i++)
      if (strcmp(cells[i], flag_names[f]) == 0)
        flag_col[f] = i;
  }
  while ((rc = read_line(gz, &line, &line_cap)) == 1) {
    lineno++;
    if (!*line)
      continue;
    size_t nc = bs_fields_split_tabs(line, strlen(line), &cells, &cells_cap);
    if (nc == (size_t)-1)
      goto oom;
    if (nc != n_head) {
      bs_set_err(errstr, errstr_size, "%s:%zu: %zu fields, the header has %zu", path, lineno, nc,
                 n_head);
      goto fail;
    }
    if (p->n == probes_cap) {
      size_t ncap = probes_cap ? probes_cap * 2 : 1024;
      bmd_cat_probe *np = realloc(p->probes, ncap * sizeof(*np));
      if (!np)
        goto oom;
      p->probes = np;
      probes_cap = ncap;
    }
    bmd_cat_probe *c = &p->probes[p->n];
    memset(c, 0, sizeof(*c));
    if (!*cells[col[C_ID]]) {
      bs_set_err(errstr, errstr_size, "%s:%zu: empty \"Probe ID\"", path, lineno);
      goto fail;
    }
    if (keep_string(p, cells[col[C_ID]], &c->id, &strings_cap) != 0)
      goto oom;
    double *dst[] = {NULL,      NULL,          &c->bmd, &c->bmdl,           &c->bmdu,
                     &c->fit_p, &c->r_squared, NULL,    &c->max_fold_change};
    for (int k = C_BMD; k < C_COUNT; k++) {
      if (!dst[k])
        continue;
      if (parse_num(cells[col[k]], dst[k]) != 0) {
        bs_set_err(errstr, errstr_size, "%s:%zu: column \"%s\": not a number: \"%s\"", path, lineno,
                   col_names[k], cells[col[k]]);
        goto fail;
      }
    }
    double dir;
    if (parse_num(cells[col[C_DIR]], &dir) != 0) {
      bs_set_err(errstr, errstr_size, "%s:%zu: column \"%s\": not a number: \"%s\"", path, lineno,
                 col_names[C_DIR], cells[col[C_DIR]]);
      goto fail;
    }
    c->direction = dir > 0 ? 1 : dir < 0 ? -1 : 0;
    int *flag[F_COUNT] = {&c->step_function, &c->step_below_low_dose};
    for (int f = 0; f < F_COUNT; f++) {
      *flag[f] = flag_col[f] == (size_t)-1 ? -1 : parse_flag(cells[flag_col[f]]);
      if (*flag[f] == -2) {
        bs_set_err(errstr, errstr_size,
                   "%s:%zu: column \"%s\": expected true, false or empty: \"%s\"", path, lineno,
                   flag_names[f], cells[flag_col[f]]);
        goto fail;
      }
    }
    const char *model = cells[col[C_MODEL]];
    if (!*model || strcmp(model, "none") == 0 || !isfinite(c->bmd)) {
      c->bmd = c->bmdl = c->bmdu = NAN; /* no best model */
    } else if (keep_string(p, model, &c->model, &strings_cap) != 0) {
      goto oom;
    }
    p->n++;
  }
  if (rc < 0) {
    bs_set_err(errstr, errstr_size, "%s:%zu: read error", path, lineno + 1);
    goto fail;
  }
  gzclose(gz);
  free(line);
  free(cells);
  return p;
oom:
  bs_set_err(errstr, errstr_size, "%s:%zu: out of memory", path, lineno);
fail:
  if (gz)
    gzclose(gz);
  free(line);
  free(cells);
  bs_cat_probes_destroy(p);
  return NULL;
}
