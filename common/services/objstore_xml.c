/*
 * objstore_xml.c - just enough XML for S3 answers: the text of the next
 * <Tag>...</Tag>, with the five predefined entities and numeric character
 * references decoded. S3 list and error documents are flat and generated
 * by servers, so no general parser is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objstore_internal.h"

/* Appends the UTF-8 encoding of code point cp. */
static size_t put_utf8(char *out, size_t o, size_t size, unsigned long cp) {
  char tmp[4];
  size_t n;
  if (cp < 0x80) {
    tmp[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    tmp[0] = (char)(0xC0 | (cp >> 6));
    tmp[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    tmp[0] = (char)(0xE0 | (cp >> 12));
    tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    tmp[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    tmp[0] = (char)(0xF0 | (cp >> 18));
    tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    tmp[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  for (size_t i = 0; i < n && o + 1 < size; i++)
    out[o++] = tmp[i];
  return o;
}

int bs_xml_next(const char *xml, const char **pos, const char *tag, char *out, size_t out_size) {
  char open[80], close[80];
  snprintf(open, sizeof(open), "<%s>", tag);
  snprintf(close, sizeof(close), "</%s>", tag);
  const char *start = strstr(*pos ? *pos : xml, open);
  if (!start)
    return -1;
  start += strlen(open);
  const char *end = strstr(start, close);
  if (!end)
    return -1;
  size_t o = 0;
  for (const char *p = start; p < end && o + 1 < out_size;) {
    if (*p != '&') {
      out[o++] = *p++;
      continue;
    }
    const char *semi = memchr(p, ';', (size_t)(end - p));
    if (!semi) {
      out[o++] = *p++;
      continue;
    }
    size_t n = (size_t)(semi - p - 1);
    if (n == 3 && !strncmp(p + 1, "amp", 3))
      out[o++] = '&';
    else if (n == 2 && !strncmp(p + 1, "lt", 2))
      out[o++] = '<';
    else if (n == 2 && !strncmp(p + 1, "gt", 2))
      out[o++] = '>';
    else if (n == 4 && !strncmp(p + 1, "quot", 4))
      out[o++] = '"';
    else if (n == 4 && !strncmp(p + 1, "apos", 4))
      out[o++] = '\'';
    else if (n >= 2 && p[1] == '#')
      o = put_utf8(out, o, out_size,
                   p[2] == 'x' ? strtoul(p + 3, NULL, 16) : strtoul(p + 2, NULL, 10));
    else
      out[o++] = '&', semi = p; /* unknown entity: keep the text */
    p = semi + 1;
  }
  out[o] = '\0';
  *pos = end + strlen(close);
  return 0;
}
