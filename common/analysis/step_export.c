/*
 * step_export.c - where the steps' files go (bs/steps.h): a key under the
 * target's prefix of its object store, each file rendered in memory first
 * and put whole, so that a file:// store (`bmdstream analyze --out DIR`)
 * and S3 (the pipeline) receive the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps_internal.h"

bs_status bs_export_put(const bs_export_target *to, const char *name, const void *buf, size_t len,
                        const char *content_type, char *errstr, size_t errstr_size) {
  char key[1024];
  int n = to->prefix && to->prefix[0] ? snprintf(key, sizeof(key), "%s/%s", to->prefix, name)
                                      : snprintf(key, sizeof(key), "%s", name);
  if (n < 0 || (size_t)n >= sizeof(key)) {
    snprintf(errstr, errstr_size, "export %s: the object key is too long", name);
    return BS_ERR_PERMANENT;
  }
  return bs_objstore_put(to->store, key, buf, len, content_type, errstr, errstr_size);
}

bs_status bs_export_render_put(const bs_export_target *to, const char *name,
                               const char *content_type, bs_export_render_fn fn, const void *arg,
                               char *errstr, size_t errstr_size) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  int rc = f ? fn(f, arg) : -1;
  if (f && fclose(f) != 0)
    rc = -1;
  bs_status st = BS_OK;
  if (rc != 0 || !text) {
    snprintf(errstr, errstr_size, "export %s: cannot render (out of memory)", name);
    st = BS_ERR_RETRIABLE;
  } else {
    st = bs_export_put(to, name, text, len, content_type, errstr, errstr_size);
  }
  free(text);
  return st;
}

int bs_export_tsv_to_csv(const char *tsv, size_t len, char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  FILE *f = open_memstream(out, out_len);
  if (!f)
    return -1;
  size_t i = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && tsv[j] != '\t' && tsv[j] != '\n')
      j++;
    int quote =
        memchr(tsv + i, ',', j - i) || memchr(tsv + i, '"', j - i) || memchr(tsv + i, '\r', j - i);
    if (quote)
      fputc('"', f);
    for (size_t k = i; k < j; k++) {
      if (tsv[k] == '"')
        fputc('"', f);
      fputc(tsv[k], f);
    }
    if (quote)
      fputc('"', f);
    if (j < len)
      fputc(tsv[j] == '\t' ? ',' : '\n', f);
    i = j + 1;
  }
  int bad = ferror(f);
  if (fclose(f) != 0 || bad || !*out) {
    free(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}
