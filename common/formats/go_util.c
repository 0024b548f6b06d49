/*
 * go_util.c - the line reader and the string map of the GO readers
 * (go_internal.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs/error.h"
#include "go_internal.h"

int go_lines_open(go_lines *r, const char *path, char *errstr, size_t errstr_size) {
  memset(r, 0, sizeof(*r));
  r->path = path;
  errno = 0;
  r->gz = gzopen(path, "rb");
  if (!r->gz) {
    bs_set_err(errstr, errstr_size, "%s: cannot open: %s", path,
               errno ? strerror(errno) : "out of memory");
    return -1;
  }
  return 0;
}

int go_lines_next(go_lines *r, char *errstr, size_t errstr_size) {
  r->len = 0;
  for (;;) {
    if (r->cap - r->len < 2) {
      size_t cap = r->cap ? 2 * r->cap : 4096;
      char *b = realloc(r->buf, cap);
      if (!b) {
        bs_set_err(errstr, errstr_size, "%s: out of memory", r->path);
        return -1;
      }
      r->buf = b;
      r->cap = cap;
    }
    r->buf[r->len] = '\0';
    if (!gzgets(r->gz, r->buf + r->len, (int)(r->cap - r->len))) {
      int zerr = Z_OK;
      const char *msg = gzerror(r->gz, &zerr);
      if (zerr != Z_OK && zerr != Z_STREAM_END) {
        bs_set_err(errstr, errstr_size, "%s:%zu: read error: %s", r->path, r->lineno + 1, msg);
        return -1;
      }
      if (r->len == 0)
        return 0;
      break; /* a last line without newline */
    }
    size_t got = strlen(r->buf + r->len);
    r->len += got;
    if (r->len && r->buf[r->len - 1] == '\n')
      break;
    if (gzeof(r->gz) && got == 0)
      break;
    if (r->cap - r->len > 1 && !gzeof(r->gz)) {
      /* gzgets stopped before filling the buffer without a newline: a
       * NUL byte in the line */
      bs_set_err(errstr, errstr_size, "%s:%zu: binary data (NUL byte); not a text file", r->path,
                 r->lineno + 1);
      return -1;
    }
  }
  r->lineno++;
  if (r->len && r->buf[r->len - 1] == '\n')
    r->buf[--r->len] = '\0';
  if (r->len && r->buf[r->len - 1] == '\r')
    r->buf[--r->len] = '\0';
  return 1;
}

void go_lines_close(go_lines *r) {
  if (r->gz)
    gzclose(r->gz);
  free(r->buf);
  r->gz = NULL;
  r->buf = NULL;
}

/* FNV-1a */
static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int grow(go_map *m) {
  size_t cap = m->cap ? 2 * m->cap : 1024;
  const char **keys = calloc(cap, sizeof(*keys));
  size_t *values = malloc(cap * sizeof(*values));
  if (!keys || !values) {
    free(keys);
    free(values);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      size_t s = (size_t)hash(m->keys[i]) & (cap - 1);
      while (keys[s])
        s = (s + 1) & (cap - 1);
      keys[s] = m->keys[i];
      values[s] = m->values[i];
    }
  free(m->keys);
  free(m->values);
  m->keys = keys;
  m->values = values;
  m->cap = cap;
  return 0;
}

int go_map_put(go_map *m, const char *key, size_t value, size_t *old) {
  if (old)
    *old = (size_t)-1;
  if (2 * (m->n + 1) > m->cap && grow(m) != 0)
    return -1;
  size_t s = (size_t)hash(key) & (m->cap - 1);
  for (; m->keys[s]; s = (s + 1) & (m->cap - 1))
    if (strcmp(m->keys[s], key) == 0) {
      if (old)
        *old = m->values[s];
      return 0;
    }
  m->keys[s] = key;
  m->values[s] = value;
  m->n++;
  return 0;
}

size_t go_map_get(const go_map *m, const char *key) {
  if (!m->cap)
    return (size_t)-1;
  for (size_t s = (size_t)hash(key) & (m->cap - 1); m->keys[s]; s = (s + 1) & (m->cap - 1))
    if (strcmp(m->keys[s], key) == 0)
      return m->values[s];
  return (size_t)-1;
}

void go_map_free(go_map *m) {
  free(m->keys);
  free(m->values);
  memset(m, 0, sizeof(*m));
}
