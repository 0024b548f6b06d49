/*
 * go_internal.h - what the GO readers (go_ontology.c, go_annotation.c)
 * share: a line reader over plain or gzip files and a string -> index map.
 */
#ifndef BS_GO_INTERNAL_H
#define BS_GO_INTERNAL_H

#include <stddef.h>
#include <zlib.h>

/* Lines of a (possibly gzip) file, the line end (LF or CRLF) stripped. */
typedef struct go_lines {
  gzFile gz;
  const char *path;
  char *buf;
  size_t cap, len;
  size_t lineno;
} go_lines;

int go_lines_open(go_lines *r, const char *path, char *errstr, size_t errstr_size);
/* 1 with the line in r->buf, 0 at the end, -1 with errstr on a read
 * error or a NUL byte. */
int go_lines_next(go_lines *r, char *errstr, size_t errstr_size);
void go_lines_close(go_lines *r);

/* Open-addressing map of borrowed strings to indices. */
typedef struct go_map {
  const char **keys;
  size_t *values;
  size_t cap, n;
} go_map;

/* 0, or -1 when out of memory; an existing key keeps its value and *old
 * (when not NULL) receives it, else *old = (size_t)-1. */
int go_map_put(go_map *m, const char *key, size_t value, size_t *old);
size_t go_map_get(const go_map *m, const char *key); /* (size_t)-1 when absent */
void go_map_free(go_map *m);

#endif
