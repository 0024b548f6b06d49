/*
 * annotation.c - probe maps, category maps and GMT files into a
 * bmd_annotation (see bs/annotation.h).
 */
#include "bs/annotation.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bs/error.h"

#define MAX_LINE (16u << 20) /* longest line accepted: 16 MiB */
#define MAX_FIELDS 3         /* fields split out per row; the last keeps the rest of the line */

/* Lines of a (possibly gzip) file, CR/LF stripped. */
typedef struct line_reader {
  gzFile gz;
  const char *path;
  char *buf;       /* current line, NUL-terminated */
  size_t len, cap; /* its length and the buffer size */
  char chunk[65536];
  size_t chunk_len, chunk_pos;
  int eof;
  size_t lineno;
} line_reader;

static int reader_open(line_reader *lr, const char *path, char *errstr, size_t size) {
  memset(lr, 0, sizeof(*lr));
  lr->path = path;
  errno = 0;
  lr->gz = gzopen(path, "rb");
  if (!lr->gz) {
    bs_set_err(errstr, size, "%s: cannot open: %s", path,
               errno ? strerror(errno) : "out of memory");
    return -1;
  }
  return 0;
}

static void reader_close(line_reader *lr) {
  if (lr->gz)
    gzclose(lr->gz);
  free(lr->buf);
  lr->gz = NULL;
  lr->buf = NULL;
}

static int append(line_reader *lr, const char *p, size_t n) {
  if (lr->len + n + 1 > lr->cap) {
    size_t cap = lr->cap ? lr->cap : 256;
    while (cap < lr->len + n + 1)
      cap *= 2;
    char *b = realloc(lr->buf, cap);
    if (!b)
      return -1;
    lr->buf = b;
    lr->cap = cap;
  }
  memcpy(lr->buf + lr->len, p, n);
  lr->len += n;
  lr->buf[lr->len] = '\0';
  return 0;
}

/* Next line into lr->buf: 1, 0 at end of file, -1 on error (errstr filled). */
static int reader_next(line_reader *lr, char *errstr, size_t size) {
  lr->len = 0;
  if (append(lr, "", 0) != 0)
    goto oom;
  int got = 0;
  for (;;) {
    if (lr->chunk_pos == lr->chunk_len) {
      if (lr->eof)
        break;
      int n = gzread(lr->gz, lr->chunk, sizeof(lr->chunk));
      int zerr = Z_OK;
      const char *msg = gzerror(lr->gz, &zerr);
      if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) { /* incl. a truncated gzip stream */
        bs_set_err(errstr, size, "%s:%zu: read error: %s", lr->path, lr->lineno + 1, msg);
        return -1;
      }
      if (n == 0) {
        lr->eof = 1;
        break;
      }
      lr->chunk_len = (size_t)n;
      lr->chunk_pos = 0;
    }
    got = 1;
    char *start = lr->chunk + lr->chunk_pos;
    size_t avail = lr->chunk_len - lr->chunk_pos;
    char *nl = memchr(start, '\n', avail);
    size_t take = nl ? (size_t)(nl - start) : avail;
    if (append(lr, start, take) != 0)
      goto oom;
    lr->chunk_pos += take + (nl ? 1 : 0);
    if (lr->len > MAX_LINE) {
      bs_set_err(errstr, size, "%s:%zu: line longer than %u bytes", lr->path, lr->lineno + 1,
                 MAX_LINE);
      return -1;
    }
    if (nl)
      break;
  }
  if (!got)
    return 0;
  lr->lineno++;
  if (memchr(lr->buf, '\0', lr->len)) {
    bs_set_err(errstr, size, "%s:%zu: binary data (NUL byte); not a text file", lr->path,
               lr->lineno);
    return -1;
  }
  if (lr->len && lr->buf[lr->len - 1] == '\r')
    lr->buf[--lr->len] = '\0';
  return 1;
oom:
  bs_set_err(errstr, size, "%s: out of memory", lr->path);
  return -1;
}

/* Removes leading and trailing blanks (and one pair of surrounding double quotes). */
static char *trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    s++;
  }
  return s;
}

/* Splits line at tabs into at most max fields (the last keeps the rest). */
static size_t split_tabs(char *line, char **fields, size_t max) {
  size_t n = 0;
  char *p = line;
  while (n < max) {
    fields[n++] = p;
    char *t = strchr(p, '\t');
    if (!t)
      break;
    if (n == max)
      break;
    *t = '\0';
    p = t + 1;
  }
  return n;
}

/* Number of tab-separated columns of line. */
static size_t count_columns(const char *line) {
  size_t n = 1;
  for (; *line; line++)
    n += *line == '\t';
  return n;
}

static int blank(const char *s) {
  for (; *s; s++)
    if (*s != ' ' && *s != '\t')
      return 0;
  return 1;
}

typedef int (*row_cb)(bmd_annotation *a, char **f, size_t nf, line_reader *lr, char *errstr,
                      size_t size);

/*
 * Reads path: header (when has_header) with at least min_cols columns,
 * then rows of at least min_cols columns, each given to row. Blank lines
 * are skipped; a file without rows is refused.
 */
static int read_table(bmd_annotation *a, const char *path, int has_header, size_t min_cols,
                      const char *columns, row_cb row, char *errstr, size_t size) {
  line_reader lr;
  if (reader_open(&lr, path, errstr, size) != 0)
    return -1;
  size_t rows = 0;
  int rc;
  if (has_header) {
    rc = reader_next(&lr, errstr, size);
    if (rc <= 0) {
      if (rc == 0)
        bs_set_err(errstr, size, "%s: empty file; expected a header row (%s)", path, columns);
      goto fail;
    }
    size_t nc = count_columns(lr.buf);
    if (nc < min_cols) {
      bs_set_err(errstr, size, "%s:1: header has %zu column%s, expected at least %zu (%s)", path,
                 nc, nc == 1 ? "" : "s", min_cols, columns);
      goto fail;
    }
  }
  while ((rc = reader_next(&lr, errstr, size)) == 1) {
    if (blank(lr.buf))
      continue;
    char *f[MAX_FIELDS];
    size_t nc = count_columns(lr.buf);
    if (nc < min_cols) {
      bs_set_err(errstr, size, "%s:%zu: %zu field%s, expected at least %zu (%s)", path, lr.lineno,
                 nc, nc == 1 ? "" : "s", min_cols, columns);
      goto fail;
    }
    size_t nf = split_tabs(lr.buf, f, min_cols);
    if (row(a, f, nf, &lr, errstr, size) != 0)
      goto fail;
    rows++;
  }
  if (rc < 0)
    goto fail;
  if (rows == 0) {
    bs_set_err(errstr, size, "%s: no data rows", path);
    goto fail;
  }
  reader_close(&lr);
  return 0;
fail:
  reader_close(&lr);
  return -1;
}

/* Each ';'-separated id of field (trimmed, empty ones skipped) to add(). */
typedef int (*gene_add)(bmd_annotation *a, const char *x, const char *y, const char *gene);

static int for_each_gene(bmd_annotation *a, char *field, const char *x, const char *y, gene_add add,
                         line_reader *lr, const char *what, char *errstr, size_t size) {
  size_t added = 0;
  char *save = NULL;
  for (char *tok = strtok_r(field, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
    char *g = trim(tok);
    if (!*g)
      continue;
    if (add(a, x, y, g) != 0) {
      bs_set_err(errstr, size, "%s:%zu: out of memory", lr->path, lr->lineno);
      return -1;
    }
    added++;
  }
  if (!added) {
    bs_set_err(errstr, size, "%s:%zu: empty %s field", lr->path, lr->lineno, what);
    return -1;
  }
  return 0;
}

static int add_probe_gene(bmd_annotation *a, const char *probe, const char *unused,
                          const char *gene) {
  (void)unused;
  return bmd_annotation_add_probe_gene(a, probe, gene);
}

static int add_cat_gene(bmd_annotation *a, const char *id, const char *name, const char *gene) {
  return bmd_annotation_add_category_gene(a, id, name, gene);
}

static int probe_row(bmd_annotation *a, char **f, size_t nf, line_reader *lr, char *errstr,
                     size_t size) {
  char *probe = trim(f[0]);
  if (!*probe) {
    bs_set_err(errstr, size, "%s:%zu: empty Array Probe field (column 1)", lr->path, lr->lineno);
    return -1;
  }
  char *t = strchr(f[1], '\t'); /* extra columns are ignored */
  if (t)
    *t = '\0';
  (void)nf;
  return for_each_gene(a, f[1], probe, NULL, add_probe_gene, lr, "Category Component (column 2)",
                       errstr, size);
}

static int category_row(bmd_annotation *a, char **f, size_t nf, line_reader *lr, char *errstr,
                        size_t size) {
  char *id = trim(f[0]), *name = trim(f[1]);
  if (!*id) {
    bs_set_err(errstr, size, "%s:%zu: empty Category ID field (column 1)", lr->path, lr->lineno);
    return -1;
  }
  char *t = strchr(f[2], '\t'); /* extra columns are ignored */
  if (t)
    *t = '\0';
  (void)nf;
  return for_each_gene(a, f[2], id, *name ? name : id, add_cat_gene, lr,
                       "Category Component (column 3)", errstr, size);
}

static int gmt_row(bmd_annotation *a, char **f, size_t nf, line_reader *lr, char *errstr,
                   size_t size) {
  char *name = trim(f[0]);
  if (!*name) {
    bs_set_err(errstr, size, "%s:%zu: empty gene set name (column 1)", lr->path, lr->lineno);
    return -1;
  }
  size_t before = bmd_annotation_n_categories(a);
  /* f[2] holds the genes, tab-separated */
  size_t added = 0;
  char *save = NULL;
  for (char *tok = strtok_r(f[2], "\t", &save); tok; tok = strtok_r(NULL, "\t", &save)) {
    char *g = trim(tok);
    if (!*g)
      continue;
    if (bmd_annotation_add_category_gene(a, name, name, g) != 0) {
      bs_set_err(errstr, size, "%s:%zu: out of memory", lr->path, lr->lineno);
      return -1;
    }
    if (added++ == 0 && bmd_annotation_n_categories(a) == before) {
      bs_set_err(errstr, size, "%s:%zu: gene set %s appears twice", lr->path, lr->lineno, name);
      return -1;
    }
  }
  if (!added) {
    bs_set_err(errstr, size, "%s:%zu: gene set %s has no genes", lr->path, lr->lineno, name);
    return -1;
  }
  (void)nf;
  return 0;
}

int bs_annotation_read_probe_map(bmd_annotation *a, const char *path, char *errstr,
                                 size_t errstr_size) {
  return read_table(a, path, 1, 2, "Array Probe, Category Component", probe_row, errstr,
                    errstr_size);
}

int bs_annotation_read_category_map(bmd_annotation *a, const char *path, char *errstr,
                                    size_t errstr_size) {
  return read_table(a, path, 1, 3, "Category ID, Category Name, Category Component", category_row,
                    errstr, errstr_size);
}

int bs_annotation_read_gmt(bmd_annotation *a, const char *path, char *errstr, size_t errstr_size) {
  return read_table(a, path, 0, 3, "name, description, genes...", gmt_row, errstr, errstr_size);
}

bmd_annotation *bs_annotation_load(const char *probe_map, const char *category_map, const char *gmt,
                                   int gene_level, char *errstr, size_t errstr_size) {
  int sources = (category_map != NULL) + (gmt != NULL) + (gene_level != 0);
  if (!probe_map || sources != 1) {
    bs_set_err(errstr, errstr_size,
               "annotation: give a probe map and exactly one of a category map, a GMT file or "
               "gene-level analysis");
    return NULL;
  }
  bmd_annotation *a = bmd_annotation_new();
  if (!a) {
    bs_set_err(errstr, errstr_size, "annotation: out of memory");
    return NULL;
  }
  if (bs_annotation_read_probe_map(a, probe_map, errstr, errstr_size) != 0)
    goto fail;
  if (category_map && bs_annotation_read_category_map(a, category_map, errstr, errstr_size) != 0)
    goto fail;
  if (gmt && bs_annotation_read_gmt(a, gmt, errstr, errstr_size) != 0)
    goto fail;
  if (gene_level && bmd_annotation_gene_level(a) != 0) {
    bs_set_err(errstr, errstr_size, "annotation: out of memory");
    goto fail;
  }
  return a;
fail:
  bmd_annotation_destroy(a);
  return NULL;
}
