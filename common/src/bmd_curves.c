/*
 * bmd_curves.c - curve plots of the most sensitive probes (see
 * bs/bmd_curves.h): the bmd.tsv reader for best-model parameters, the
 * dose-group summary of one probe, and the file loop.
 */
#include "bs/bmd_curves.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bs/plot_curve.h"

#define LINE_MAX_BYTES (1u << 22)

static void set_err(char *errstr, size_t size, const char *fmt, const char *a, size_t line,
                    const char *b) {
  snprintf(errstr, size, fmt, a, line, b);
}

/* Splits s at tabs in place (trailing CR/LF removed); returns the count. */
static size_t split(char *s, char **fields, size_t max) {
  size_t n = 0, len = strlen(s);
  while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
    s[--len] = 0;
  fields[n++] = s;
  for (char *t = s; *t && n < max; t++)
    if (*t == '\t') {
      *t = 0;
      fields[n++] = t + 1;
    }
  return n;
}

static long find_col(char **hdr, size_t nh, const char *name) {
  for (size_t i = 0; i < nh; i++)
    if (strcmp(hdr[i], name) == 0)
      return (long)i;
  return -1;
}

/* Empty = NAN; else strtod must take the whole field. */
static int num(const char *s, double *v) {
  if (!*s) {
    *v = NAN;
    return 0;
  }
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return (*end || errno == ERANGE) ? -1 : 0;
}

/* Column indices of model m's parameters under variance v; 0 if all found. */
static int param_cols(char **hdr, size_t nh, bmd_model m, bmd_variance v, long *cols) {
  size_t k = bmd_fit_param_count(m, v);
  char name[128];
  for (size_t i = 0; i < k; i++) {
    snprintf(name, sizeof name, "%s Parameter %s", bmd_model_label(m), bmd_fit_param_name(m, v, i));
    if ((cols[i] = find_col(hdr, nh, name)) < 0)
      return -1;
  }
  return 0;
}

static int model_from_label(const char *s) {
  for (int m = 0; m < BMD_MODEL_COUNT; m++)
    if (strcmp(bmd_model_label((bmd_model)m), s) == 0)
      return m;
  return bmd_model_parse(s);
}

bs_bmd_curves *bs_bmd_curves_read_tsv(const char *path, char *errstr, size_t errstr_size) {
  bs_bmd_curves *c = calloc(1, sizeof *c);
  char *line = malloc(LINE_MAX_BYTES), *hline = NULL;
  char **hdr = malloc(65536 * sizeof(char *)), **fld = malloc(65536 * sizeof(char *));
  gzFile gz = gzopen(path, "rb");
  size_t cap = 0, lineno = 1, nh;
  long c_id, c_model, c_dir, c_bmd, c_bmdl, c_bmdu;
  if (!c || !line || !hdr || !fld) {
    snprintf(errstr, errstr_size, "%s: out of memory", path);
    goto fail;
  }
  if (!gz) {
    snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno ? errno : ENOENT));
    goto fail;
  }
  if (!gzgets(gz, line, LINE_MAX_BYTES) || !(hline = strdup(line))) {
    snprintf(errstr, errstr_size, "%s:1: no header line", path);
    goto fail;
  }
  nh = split(hline, hdr, 65536);
  c_id = find_col(hdr, nh, "Probe ID");
  c_model = find_col(hdr, nh, "Best Model");
  c_dir = find_col(hdr, nh, "Best adverseDirection");
  c_bmd = find_col(hdr, nh, "Best BMD");
  c_bmdl = find_col(hdr, nh, "Best BMDL");
  c_bmdu = find_col(hdr, nh, "Best BMDU");
  if (c_id < 0 || c_model < 0 || c_dir < 0 || c_bmd < 0 || c_bmdl < 0 || c_bmdu < 0) {
    snprintf(errstr, errstr_size,
             "%s:1: need the columns Probe ID, Best Model, Best adverseDirection, Best BMD, "
             "Best BMDL, Best BMDU",
             path);
    goto fail;
  }
  while (gzgets(gz, line, LINE_MAX_BYTES)) {
    lineno++;
    if (strspn(line, " \t\r\n") == strlen(line))
      continue;
    size_t nf = split(line, fld, 65536);
    if (nf != nh) {
      set_err(errstr, errstr_size, "%s:%zu: %s fields, the header has a different count", path,
              lineno, "wrong number of");
      goto fail;
    }
    if (c->n == cap) {
      cap = cap ? 2 * cap : 1024;
      bs_bmd_curve *nc = realloc(c->curves, cap * sizeof *nc);
      if (!nc) {
        snprintf(errstr, errstr_size, "%s: out of memory", path);
        goto fail;
      }
      c->curves = nc;
    }
    bs_bmd_curve *e = &c->curves[c->n];
    memset(e, 0, sizeof *e);
    if (!(e->probe_id = strdup(fld[c_id]))) {
      snprintf(errstr, errstr_size, "%s: out of memory", path);
      goto fail;
    }
    c->n++;
    if (num(fld[c_bmd], &e->bmd) || num(fld[c_bmdl], &e->bmdl) || num(fld[c_bmdu], &e->bmdu)) {
      set_err(errstr, errstr_size, "%s:%zu: Best BMD/BMDL/BMDU: not a number (probe %s)", path,
              lineno, e->probe_id);
      goto fail;
    }
    int m = model_from_label(fld[c_model]);
    if (m < 0)
      continue; /* "none" or a model without a mean function here */
    long cols[BMD_MAX_PARAMS];
    bmd_variance v = BMD_VARIANCE_CONSTANT;
    if (param_cols(hdr, nh, (bmd_model)m, v, cols) != 0) {
      v = BMD_VARIANCE_NONCONSTANT;
      if (param_cols(hdr, nh, (bmd_model)m, v, cols) != 0)
        continue;
    }
    e->fit.model = (bmd_model)m;
    e->fit.variance = v;
    e->fit.increasing = atoi(fld[c_dir]) > 0;
    e->fit.n_params = bmd_fit_param_count((bmd_model)m, v);
    int ok = 1;
    for (size_t i = 0; i < e->fit.n_params && ok; i++)
      ok = num(fld[cols[i]], &e->fit.params[i]) == 0 && isfinite(e->fit.params[i]);
    e->has_fit = ok;
  }
  if (!gzeof(gz)) {
    snprintf(errstr, errstr_size, "%s: read error", path);
    goto fail;
  }
  gzclose(gz);
  free(line);
  free(hline);
  free(hdr);
  free(fld);
  return c;
fail:
  if (gz)
    gzclose(gz);
  free(line);
  free(hline);
  free(hdr);
  free(fld);
  bs_bmd_curves_destroy(c);
  return NULL;
}

void bs_bmd_curves_destroy(bs_bmd_curves *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++)
    free(c->curves[i].probe_id);
  free(c->curves);
  free(c);
}

static double mean_adapter(void *opaque, double dose) {
  return bmd_fit_mean(opaque, dose);
}

/* Group mean = sum y / n; SD = sqrt(sum (y - mean)^2 / (n - 1)), NAN for n = 1. */
int bs_plot_probe_curve_svg(FILE *out, const bmd_dataset *ds, size_t p, const bmd_fit_result *fit,
                            double bmd, double bmdl, double bmdu) {
  size_t k = ds->n_groups;
  if (k == 0 || p >= ds->n_probes)
    return -1;
  double *buf = malloc(3 * k * sizeof *buf);
  if (!buf)
    return -1;
  double *mean = buf, *sd = buf + k, *n = buf + 2 * k;
  const double *row = bmd_dataset_row(ds, p);
  for (size_t g = 0; g < k; g++) {
    size_t s0 = ds->group_start[g], m = ds->group_size[g];
    double sum = 0, ss = 0;
    for (size_t s = s0; s < s0 + m; s++)
      sum += row[s];
    mean[g] = sum / (double)m;
    for (size_t s = s0; s < s0 + m; s++)
      ss += (row[s] - mean[g]) * (row[s] - mean[g]);
    sd[g] = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
    n[g] = (double)m;
  }
  bs_curve_plot cp = {ds->probe_ids[p],
                      fit ? bmd_model_label(fit->model) : NULL,
                      k,
                      ds->group_dose,
                      mean,
                      sd,
                      n,
                      fit ? mean_adapter : NULL,
                      (void *)fit,
                      bmd,
                      bmdl,
                      bmdu};
  int rc = bs_plot_curve_svg(out, &cp);
  free(buf);
  return rc;
}

typedef struct ranked {
  double bmd;
  size_t curve, probe;
} ranked;

static int cmp_ranked(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  if (a->bmd != b->bmd)
    return a->bmd < b->bmd ? -1 : 1;
  return a->curve < b->curve ? -1 : a->curve > b->curve;
}

typedef struct id_index {
  const char *id;
  size_t probe;
} id_index;

static int cmp_id(const void *x, const void *y) {
  return strcmp(((const id_index *)x)->id, ((const id_index *)y)->id);
}

long bs_plot_sensitive_curves(const char *dir, const bmd_dataset *ds, const bs_bmd_curves *c,
                              size_t max_plots, double highest_dose, char *errstr,
                              size_t errstr_size) {
  /* probe row of ds by id: binary search over (id, row) pairs sorted by id */
  id_index *ids = malloc((ds->n_probes + 1) * sizeof *ids);
  ranked *r = malloc((c->n + 1) * sizeof *r);
  long written = -1;
  size_t m = 0;
  if (!ids || !r) {
    snprintf(errstr, errstr_size, "out of memory");
    goto done;
  }
  for (size_t p = 0; p < ds->n_probes; p++)
    ids[p] = (id_index){ds->probe_ids[p], p};
  qsort(ids, ds->n_probes, sizeof *ids, cmp_id);
  for (size_t i = 0; i < c->n; i++) {
    const bs_bmd_curve *e = &c->curves[i];
    if (!e->has_fit || !(e->bmd > 0) || !isfinite(e->bmd))
      continue;
    if (isfinite(highest_dose) && e->bmd > highest_dose)
      continue;
    id_index key = {e->probe_id, 0};
    const id_index *hit = bsearch(&key, ids, ds->n_probes, sizeof *ids, cmp_id);
    if (hit)
      r[m++] = (ranked){e->bmd, i, hit->probe};
  }
  qsort(r, m, sizeof *r, cmp_ranked);
  written = 0;
  for (size_t i = 0; i < m && (size_t)written < max_plots; i++) {
    const bs_bmd_curve *e = &c->curves[r[i].curve];
    char path[4096], safe[128];
    size_t j = 0;
    for (const char *s = e->probe_id; *s && j < sizeof safe - 1; s++)
      safe[j++] = (char)((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                                 (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'
                             ? *s
                             : '_');
    safe[j] = 0;
    snprintf(path, sizeof path, "%s/curve_%02ld_%s.svg", dir, written + 1, safe);
    FILE *f = fopen(path, "w");
    if (!f) {
      snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
      written = -1;
      goto done;
    }
    int rc = bs_plot_probe_curve_svg(f, ds, r[i].probe, &e->fit, e->bmd, e->bmdl, e->bmdu);
    if (fclose(f) != 0 || rc != 0) {
      snprintf(errstr, errstr_size, "%s: write error", path);
      written = -1;
      goto done;
    }
    written++;
  }
done:
  free(ids);
  free(r);
  return written;
}
