/*
 * objstore_xml.c - a purpose-built reader for the two XML documents S3
 * sends us: error bodies (<Error><Code>..</Code><Message>..</Message>) and
 * ListObjectsV2 results. Not a general XML parser: it finds elements by
 * name, which is safe here because element text cannot contain '<' (it is
 * escaped as &lt;), and it decodes the five predefined entities and
 * numeric character references.
 */
#include "objstore_int.h"

#include <stdlib.h>
#include <string.h>

/* First occurrence of needle (length n) in [p, end). */
static const char *find(const char *p, const char *end, const char *needle, size_t n) {
  for (; p && p + n <= end; p++) {
    p = memchr(p, needle[0], (size_t)(end - p));
    if (!p || p + n > end)
      return NULL;
    if (memcmp(p, needle, n) == 0)
      return p;
  }
  return NULL;
}

/* Appends the UTF-8 encoding of code point cp to out; returns bytes. */
static size_t utf8_put(unsigned long cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decoded copy of [p, end); NULL on a malformed entity or no memory. */
static char *decode(const char *p, const char *end) {
  static const struct {
    const char *name;
    char c;
  } ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
  char *out = malloc((size_t)(end - p) + 1), *o = out;
  if (!out)
    return NULL;
  while (p < end) {
    if (*p != '&') {
      *o++ = *p++;
      continue;
    }
    p++;
    int done = 0;
    for (size_t i = 0; i < sizeof(ents) / sizeof(*ents) && !done; i++) {
      size_t n = strlen(ents[i].name);
      if ((size_t)(end - p) >= n && memcmp(p, ents[i].name, n) == 0) {
        *o++ = ents[i].c;
        p += n;
        done = 1;
      }
    }
    if (!done && p < end && *p == '#') {
      int base = (p + 1 < end && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10;
      const char *q = p + (base == 16 ? 2 : 1);
      char *stop = NULL;
      unsigned long cp = strtoul(q, &stop, base);
      if (stop > q && stop < end && *stop == ';' && cp > 0 && cp <= 0x10FFFF) {
        o += utf8_put(cp, o); /* a reference is never shorter than its UTF-8 */
        p = stop + 1;
        done = 1;
      }
    }
    if (!done) {
      free(out);
      return NULL;
    }
  }
  *o = '\0';
  return out;
}

/* In place: form-style URL decoding, as S3 applies with encoding-type=url
 * ('+' is a space; %XX a byte). -1 on a malformed escape. */
static int url_decode(char *s) {
  char *o = s;
  for (; *s; s++) {
    if (*s == '+') {
      *o++ = ' ';
    } else if (*s == '%') {
      int v = 0;
      for (int i = 1; i <= 2; i++) {
        char c = s[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                         : -1;
        if (d < 0)
          return -1;
        v = 16 * v + d;
      }
      *o++ = (char)v;
      s += 2;
    } else {
      *o++ = *s;
    }
  }
  *o = '\0';
  return 0;
}

char *objstore_xml_text(const char *begin, const char *end, const char *tag, const char **after) {
  char open[64], close[64];
  int no = snprintf(open, sizeof(open), "<%s>", tag);
  int nc = snprintf(close, sizeof(close), "</%s>", tag);
  const char *a = find(begin, end, open, (size_t)no);
  if (!a)
    return NULL;
  a += no;
  const char *b = find(a, end, close, (size_t)nc);
  if (!b)
    return NULL;
  if (after)
    *after = b + nc;
  return decode(a, b);
}

int objstore_xml_parse_list(const char *xml, size_t len, bs_objstore_list_cb cb, void *opaque,
                            int *truncated, char **next_token) {
  const char *end = xml + len, *p = xml;
  int rc = 0;
  *truncated = 0;
  *next_token = NULL;
  if (!find(xml, end, "<ListBucketResult", 17))
    return -1;
  /* Keys come URL-encoded when we asked for encoding-type=url and the
   * server honoured it (XML 1.0 cannot carry every byte a key may hold). */
  char *t = objstore_xml_text(xml, end, "EncodingType", NULL);
  int url_encoded = t && strcmp(t, "url") == 0;
  free(t);
  t = objstore_xml_text(xml, end, "IsTruncated", NULL);
  *truncated = t && strcmp(t, "true") == 0;
  free(t);
  if (*truncated) {
    *next_token = objstore_xml_text(xml, end, "NextContinuationToken", NULL);
    if (!*next_token)
      return -1;
  }
  for (;;) {
    const char *c = find(p, end, "<Contents>", 10);
    if (!c)
      break;
    const char *ce = find(c, end, "</Contents>", 11);
    if (!ce) {
      rc = -1;
      break;
    }
    char *key = objstore_xml_text(c, ce, "Key", NULL);
    char *size = objstore_xml_text(c, ce, "Size", NULL);
    char *etag = objstore_xml_text(c, ce, "ETag", NULL);
    if (!key || !size || (url_encoded && url_decode(key) != 0)) {
      rc = -1;
    } else {
      char *e = etag ? etag : "";
      size_t n = strlen(e);
      if (n >= 2 && e[0] == '"' && e[n - 1] == '"') {
        e[n - 1] = '\0';
        e++;
      }
      bs_objstore_entry entry = {.key = key, .size = strtoull(size, NULL, 10), .etag = e};
      if (cb && cb(opaque, &entry) != 0)
        rc = 1;
    }
    free(key);
    free(size);
    free(etag);
    if (rc != 0)
      break;
    p = ce + 11;
  }
  if (rc == -1) {
    free(*next_token);
    *next_token = NULL;
  }
  return rc;
}
