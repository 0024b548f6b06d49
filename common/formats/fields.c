/*
 * fields.c - tab-separated fields of a line (see fields.h).
 */
#include "fields.h"

#include <stdlib.h>

size_t bs_fields_split_tabs(char *line, size_t len, char ***fields, size_t *cap) {
  size_t n = 0;
  char *start = line;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || line[i] == '\t') {
      if (n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **nf = realloc(*fields, nc * sizeof(*nf));
        if (!nf)
          return (size_t)-1;
        *fields = nf;
        *cap = nc;
      }
      (*fields)[n++] = start;
      if (i < len)
        line[i] = '\0';
      start = line + i + 1;
    }
  }
  return n;
}
