/*
 * matrix_import.c - BMDExpress expression files into a dataset (see
 * bs/matrix_import.h). The file is read whole (gunzipped if needed, within
 * the byte limit), then parsed line by line.
 */
#include "bs/matrix_import.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bs/objstore.h"
#include "fields.h"

bs_import_limits bs_import_limits_default(void) {
  bs_import_limits l = {2000000, 10000, (size_t)4 << 30, 1 << 20, 255};
  return l;
}

typedef struct parser {
  const char *name;
  const bs_import_limits *lim;
  char *errstr;
  size_t errstr_size;
  size_t line; /* 1-based number of the line being parsed */
} parser;

#define FAIL(p, ...)                                                                               \
  do {                                                                                             \
    int n_ = snprintf((p)->errstr, (p)->errstr_size, "%s:%zu: ", (p)->name, (p)->line);            \
    if (n_ > 0 && (size_t)n_ < (p)->errstr_size)                                                   \
      snprintf((p)->errstr + n_, (p)->errstr_size - (size_t)n_, __VA_ARGS__);                      \
    goto fail;                                                                                     \
  } while (0)

/* A field parsed as BMDExpress does (Java Float.parseFloat): a finite
 * number, rounded to float. Surrounding blanks are allowed. */
static int parse_float(const char *s, size_t len, double *out) {
  char buf[64];
  while (len > 0 && (*s == ' ' || *s == '"'))
    s++, len--;
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '"'))
    len--;
  if (len == 0 || len >= sizeof(buf))
    return -1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  /* strtof rounds the decimal straight to float, as Float.parseFloat;
   * strtod then a cast would round twice (and differ near float ties). */
  char *end;
  errno = 0;
  float f = strtof(buf, &end);
  if (end == buf || *end || !isfinite(f) || (errno == ERANGE && fabsf(f) > 1))
    return -1;
  *out = (double)f;
  return 0;
}

static int is_blank(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return 0;
  return 1;
}

typedef struct probe_ref {
  const char *id;
  size_t line;
} probe_ref;

static int compare_ref(const void *a, const void *b) {
  const probe_ref *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Parses text[0..len) (modified in place; text[len] must be writable). */
static int parse(char *text, size_t len, parser *p, bmd_log_base log_base, bmd_dataset **out) {
  char **fields = NULL;
  size_t fcap = 0, m = 0; /* m: samples */
  char **sample_ids = NULL, **probe_ids = NULL;
  double *doses = NULL, *values = NULL;
  size_t *probe_lines = NULL;
  size_t nprobes = 0, pcap = 0;
  int have_header = 0, have_doses = 0;
  size_t header_line = 0;
  bmd_dataset *ds = NULL;
  probe_ref *refs = NULL;

  if (len == 0) {
    p->line = 0;
    snprintf(p->errstr, p->errstr_size, "%s: the file is empty", p->name);
    return -1;
  }
  char *pos = text, *end = text + len;
  p->line = 0;
  while (pos < end) {
    char *nl = memchr(pos, '\n', (size_t)(end - pos));
    size_t ll = nl ? (size_t)(nl - pos) : (size_t)(end - pos);
    char *line = pos;
    pos = nl ? nl + 1 : end;
    p->line++;
    if (ll > p->lim->max_line_length)
      FAIL(p, "line longer than %zu bytes", p->lim->max_line_length);
    if (ll > 0 && line[ll - 1] == '\r')
      ll--;
    line[ll] = '\0'; /* text[len] is writable: callers allocate one more byte */
    if (!memchr(line, '\t', ll) || is_blank(line, ll))
      continue; /* a note, as BMDExpress ignores it */
    size_t nf = bs_fields_split_tabs(line, ll, &fields, &fcap);
    if (nf == (size_t)-1)
      FAIL(p, "out of memory");
    if (!have_doses) {
      /* The header row (if any non-numeric field) or the dose row. */
      int numeric = 1;
      double v;
      for (size_t i = 1; i < nf && numeric; i++)
        numeric = parse_float(fields[i], strlen(fields[i]), &v) == 0;
      if (!numeric && !have_header) {
        have_header = 1;
        header_line = p->line;
        m = nf - 1;
        if (m > p->lim->max_samples)
          FAIL(p, "%zu samples, more than the limit of %zu", m, p->lim->max_samples);
        sample_ids = calloc(m ? m : 1, sizeof(char *));
        for (size_t i = 0; sample_ids && i < m; i++) {
          if (strlen(fields[i + 1]) > p->lim->max_id_length)
            FAIL(p, "column %zu: sample id longer than %zu bytes", i + 2, p->lim->max_id_length);
          sample_ids[i] = strdup(fields[i + 1]);
        }
        continue;
      }
      if (!numeric) {
        for (size_t i = 1; i < nf; i++)
          if (parse_float(fields[i], strlen(fields[i]), &v) != 0)
            FAIL(p,
                 "column %zu: dose '%.40s' is not a number (the dose row must follow the "
                 "header row)",
                 i + 1, fields[i]);
      }
      if (have_header && nf - 1 != m)
        FAIL(p, "the dose row has %zu doses but the header (line %zu) names %zu samples", nf - 1,
             header_line, m);
      m = nf - 1;
      if (m > p->lim->max_samples)
        FAIL(p, "%zu samples, more than the limit of %zu", m, p->lim->max_samples);
      doses = malloc((m ? m : 1) * sizeof(*doses));
      if (!doses)
        FAIL(p, "out of memory");
      for (size_t i = 0; i < m; i++)
        if (parse_float(fields[i + 1], strlen(fields[i + 1]), &doses[i]) != 0)
          FAIL(p, "column %zu: dose '%.40s' is not a finite number", i + 2, fields[i + 1]);
      have_doses = 1;
      continue;
    }
    /* A probe row. */
    if (nf - 1 != m)
      FAIL(p, "%zu values, expected %zu (one per sample of the dose row)", nf - 1, m);
    if (nprobes == p->lim->max_probes)
      FAIL(p, "more than the limit of %zu probes", p->lim->max_probes);
    const char *id = fields[0];
    while (*id == ' ')
      id++;
    if (!*id)
      FAIL(p, "column 1: empty probe id");
    if (strlen(id) > p->lim->max_id_length)
      FAIL(p, "column 1: probe id longer than %zu bytes", p->lim->max_id_length);
    if (nprobes == pcap) {
      size_t nc = pcap ? pcap * 2 : 1024;
      char **ni = realloc(probe_ids, nc * sizeof(*ni));
      if (ni)
        probe_ids = ni;
      size_t *nl2 = realloc(probe_lines, nc * sizeof(*nl2));
      if (nl2)
        probe_lines = nl2;
      double *nv = realloc(values, nc * (m ? m : 1) * sizeof(*nv));
      if (nv)
        values = nv;
      if (!ni || !nl2 || !nv)
        FAIL(p, "out of memory after %zu probes", nprobes);
      pcap = nc;
    }
    for (size_t i = 0; i < m; i++)
      if (parse_float(fields[i + 1], strlen(fields[i + 1]), &values[nprobes * m + i]) != 0)
        FAIL(p, "column %zu: '%.40s' is not a finite number (probe %.80s)", i + 2, fields[i + 1],
             id);
    probe_ids[nprobes] = strdup(id);
    if (!probe_ids[nprobes])
      FAIL(p, "out of memory");
    probe_lines[nprobes] = p->line;
    nprobes++;
  }
  if (!have_doses) {
    snprintf(p->errstr, p->errstr_size, "%s: %s", p->name,
             have_header ? "no dose row after the header row" : "no tab-delimited rows at all");
    goto fail_noline;
  }
  if (nprobes == 0) {
    snprintf(p->errstr, p->errstr_size, "%s: no probe rows after the dose row", p->name);
    goto fail_noline;
  }
  /* Duplicate probe ids, reported with both lines. */
  refs = malloc(nprobes * sizeof(*refs));
  if (!refs) {
    snprintf(p->errstr, p->errstr_size, "%s: out of memory", p->name);
    goto fail_noline;
  }
  for (size_t i = 0; i < nprobes; i++)
    refs[i] = (probe_ref){probe_ids[i], probe_lines[i]};
  qsort(refs, nprobes, sizeof(*refs), compare_ref);
  for (size_t i = 1; i < nprobes; i++)
    if (strcmp(refs[i].id, refs[i - 1].id) == 0) {
      p->line = refs[i].line;
      FAIL(p, "column 1: duplicate probe id '%.80s' (first on line %zu)", refs[i].id,
           refs[i - 1].line);
    }

  ds = bmd_dataset_new(nprobes, m);
  if (!ds) {
    snprintf(p->errstr, p->errstr_size, "%s: out of memory", p->name);
    goto fail_noline;
  }
  memcpy(ds->doses, doses, m * sizeof(*doses));
  memcpy(ds->values, values, nprobes * m * sizeof(*values));
  for (size_t i = 0; i < nprobes; i++) {
    ds->probe_ids[i] = probe_ids[i];
    probe_ids[i] = NULL;
  }
  for (size_t i = 0; i < m; i++) {
    char def[32];
    snprintf(def, sizeof(def), "Column %zu", i);
    ds->sample_ids[i] = strdup(sample_ids && sample_ids[i] ? sample_ids[i] : def);
  }
  ds->log_base = log_base;
  if (bmd_dataset_group(ds) != 0) {
    snprintf(p->errstr, p->errstr_size, "%s: out of memory", p->name);
    goto fail_noline;
  }
  if (ds->n_groups < 2) {
    snprintf(p->errstr, p->errstr_size,
             "%s: the dose row has %zu distinct dose(s); at least two dose groups are needed",
             p->name, ds->n_groups);
    goto fail_noline;
  }
  free(refs);
  free(fields);
  free(doses);
  free(values);
  free(probe_lines);
  free(probe_ids);
  for (size_t i = 0; sample_ids && i < m; i++)
    free(sample_ids[i]);
  free(sample_ids);
  *out = ds;
  return 0;
fail:
fail_noline:
  bmd_dataset_destroy(ds);
  free(refs);
  free(fields);
  free(doses);
  free(values);
  free(probe_lines);
  for (size_t i = 0; probe_ids && i < nprobes; i++)
    free(probe_ids[i]);
  free(probe_ids);
  for (size_t i = 0; sample_ids && i < m; i++)
    free(sample_ids[i]);
  free(sample_ids);
  return -1;
}

int bs_matrix_import_buffer(const void *buf, size_t len, const char *name,
                            const bs_import_limits *limits, bmd_log_base log_base,
                            bmd_dataset **out, char *errstr, size_t errstr_size) {
  bs_import_limits def = bs_import_limits_default();
  parser p = {name, limits ? limits : &def, errstr, errstr_size, 0};
  *out = NULL;
  char *text = NULL;
  size_t tlen = 0;
  const unsigned char *b = buf;
  if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
    char inner[256];
    void *plain = NULL;
    if (bs_gzip_decompress(buf, len, p.lim->max_bytes, &plain, &tlen, inner, sizeof(inner)) != 0) {
      snprintf(errstr, errstr_size, "%s: %s", name, inner);
      return -1;
    }
    text = realloc(plain, tlen + 1);
    if (!text) {
      free(plain);
      snprintf(errstr, errstr_size, "%s: out of memory", name);
      return -1;
    }
  } else {
    if (len > p.lim->max_bytes) {
      snprintf(errstr, errstr_size, "%s: %zu bytes, more than the limit of %zu", name, len,
               p.lim->max_bytes);
      return -1;
    }
    text = malloc(len + 1);
    if (!text) {
      snprintf(errstr, errstr_size, "%s: out of memory", name);
      return -1;
    }
    memcpy(text, buf, len);
    tlen = len;
  }
  int rc = parse(text, tlen, &p, log_base, out);
  free(text);
  return rc;
}

int bs_matrix_import_file(const char *path, const bs_import_limits *limits, bmd_log_base log_base,
                          bmd_dataset **out, char *errstr, size_t errstr_size) {
  bs_import_limits def = bs_import_limits_default();
  const bs_import_limits *lim = limits ? limits : &def;
  *out = NULL;
  gzFile gz = gzopen(path, "rb");
  if (!gz) {
    snprintf(errstr, errstr_size, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 1 << 20, len = 0;
  char *text = malloc(cap);
  int n;
  while (text && (n = gzread(gz, text + len, (unsigned)(cap - len))) > 0) {
    len += (size_t)n;
    if (len > lim->max_bytes) {
      snprintf(errstr, errstr_size, "%s: more than the limit of %zu bytes", path, lim->max_bytes);
      gzclose(gz);
      free(text);
      return -1;
    }
    if (len == cap) {
      char *nt = realloc(text, cap * 2);
      if (!nt) {
        free(text);
        text = NULL;
        break;
      }
      text = nt;
      cap *= 2;
    }
  }
  int errnum = 0;
  const char *gzerr = text ? gzerror(gz, &errnum) : "out of memory";
  if (!text || errnum < 0) {
    snprintf(errstr, errstr_size, "%s: cannot read: %s", path, gzerr);
    gzclose(gz);
    free(text);
    return -1;
  }
  gzclose(gz);
  parser p = {path, lim, errstr, errstr_size, 0};
  int rc = parse(text, len, &p, log_base, out);
  free(text);
  return rc;
}
