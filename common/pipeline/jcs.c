/*
 * jcs.c - RFC 8785 JSON Canonicalization Scheme (see bs/jcs.h).
 */
#include "bs/jcs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jcs_buf {
  char *text;
  size_t len, cap;
  int failed;
} jcs_buf;

static void put(jcs_buf *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *t = realloc(b->text, cap);
    if (!t) {
      b->failed = 1;
      return;
    }
    b->text = t;
    b->cap = cap;
  }
  memcpy(b->text + b->len, s, n);
  b->len += n;
  b->text[b->len] = '\0';
}

static void puts_(jcs_buf *b, const char *s) {
  put(b, s, strlen(s));
}

/* ---- numbers -------------------------------------------------------------- */

/* The decimal digits (no trailing zeros) and exponent of the %.{p-1}e
 * rendering of v > 0: v ~ 0.d1d2...dk x 10^n. */
static int decimal_of(double v, int p, char digits[24], int *k, int *n) {
  char text[48];
  snprintf(text, sizeof(text), "%.*e", p - 1, v);
  int nd = 0;
  const char *s = text;
  for (; *s && *s != 'e'; s++)
    if (*s >= '0' && *s <= '9')
      digits[nd++] = *s;
  if (*s != 'e')
    return -1;
  int e = atoi(s + 1);
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  digits[nd] = '\0';
  *k = nd;
  *n = e + 1;
  return 0;
}

/* 1 when the decimal digits x 10^(n-k) read back as v. */
static int round_trips(const char *digits, int k, int n, double v) {
  char text[48];
  snprintf(text, sizeof(text), "%se%d", digits, n - k);
  return strtod(text, NULL) == v;
}

/* The digits of mantissa m (k digits, or k+1 after a carry) as text. */
static void digits_of(uint64_t m, char digits[24], int *k, int *n) {
  int had = *k;
  snprintf(digits, 24, "%llu", (unsigned long long)m);
  int nd = (int)strlen(digits);
  *n += nd - had; /* a carry (999 + 1 = 1000) moves the point */
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  digits[nd] = '\0';
  *k = nd;
}

/* The shortest digits that read back as v (RFC 8785 §3.2.2.3 via
 * ECMAScript 7.1.12.1: k as small as possible). For each precision p the
 * correctly rounded p-digit decimal is the nearest; at a power of two the
 * interval that rounds to v is wider above than below, so its p-digit
 * neighbours are tried too before going to p + 1. */
static void shortest(double v, char digits[24], int *k, int *n) {
  for (int p = 1; p <= 17; p++) {
    if (decimal_of(v, p, digits, k, n) != 0)
      continue;
    if (round_trips(digits, *k, *n, v))
      return;
    /* neighbours m +- 1 at p digits */
    char full[48];
    snprintf(full, sizeof(full), "%.*e", p - 1, v);
    uint64_t m = 0;
    for (const char *s = full; *s && *s != 'e'; s++)
      if (*s >= '0' && *s <= '9')
        m = m * 10 + (uint64_t)(*s - '0');
    int e = atoi(strchr(full, 'e') + 1) + 1;
    for (int d = -1; d <= 1; d += 2) {
      if (d < 0 && m <= 1)
        continue;
      char cand[24];
      int ck = p, cn = e;
      digits_of(m + (uint64_t)(int64_t)d, cand, &ck, &cn);
      if ((int)strlen(cand) > 0 && round_trips(cand, ck, cn, v)) {
        memcpy(digits, cand, sizeof(cand));
        *k = ck;
        *n = cn;
        return;
      }
    }
  }
  decimal_of(v, 17, digits, k, n); /* 17 digits always round-trip */
}

/* ECMAScript Number::toString(v) for finite v, with k digits d1..dk and
 * v = 0.d1..dk x 10^n:
 *   k <= n <= 21     d1..dk followed by n - k zeros
 *   0 < n <= 21      d1..dn "." dn+1..dk
 *   -6 < n <= 0      "0." -n zeros d1..dk
 *   otherwise        d1 ["." d2..dk] "e" ("+" | "-") |n - 1| */
int bs_jcs_number(double v, char *buf, size_t size) {
  if (!isfinite(v) || size < 32)
    return -1;
  if (v == 0) { /* +0 and -0 */
    snprintf(buf, size, "0");
    return 0;
  }
  char digits[24];
  int k, n;
  const char *sign = v < 0 ? "-" : "";
  shortest(fabs(v), digits, &k, &n);
  if (k <= n && n <= 21)
    snprintf(buf, size, "%s%s%.*s", sign, digits, n - k, "000000000000000000000");
  else if (0 < n && n <= 21)
    snprintf(buf, size, "%s%.*s.%s", sign, n, digits, digits + n);
  else if (-6 < n && n <= 0)
    snprintf(buf, size, "%s0.%.*s%s", sign, -n, "000000", digits);
  else
    snprintf(buf, size, "%s%c%s%se%c%d", sign, digits[0], k > 1 ? "." : "", digits + 1,
             n - 1 >= 0 ? '+' : '-', abs(n - 1));
  return 0;
}

/* ---- strings ------------------------------------------------------------- */

static void put_string(jcs_buf *b, const char *s, size_t n) {
  put(b, "\"", 1);
  size_t run = 0; /* bytes copied as they are */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[8];
    switch (c) {
    case '"':
      esc = "\\\"";
      break;
    case '\\':
      esc = "\\\\";
      break;
    case '\b':
      esc = "\\b";
      break;
    case '\t':
      esc = "\\t";
      break;
    case '\n':
      esc = "\\n";
      break;
    case '\f':
      esc = "\\f";
      break;
    case '\r':
      esc = "\\r";
      break;
    default:
      if (c < 0x20) {
        snprintf(u, sizeof(u), "\\u%04x", c);
        esc = u;
      }
    }
    if (esc) {
      put(b, s + i - run, run);
      run = 0;
      puts_(b, esc);
    } else {
      run++;
    }
  }
  put(b, s + n - run, run);
  put(b, "\"", 1);
}

/* The next UTF-16 code unit of a UTF-8 string (jansson checked it):
 * a code point above U+FFFF gives its high surrogate, then its low one
 * (*pending). 0 at the end. */
static unsigned next_unit(const unsigned char **p, unsigned *pending) {
  if (*pending) {
    unsigned u = *pending;
    *pending = 0;
    return u;
  }
  const unsigned char *s = *p;
  if (!*s)
    return 0;
  unsigned cp;
  int len;
  if (s[0] < 0x80)
    cp = s[0], len = 1;
  else if ((s[0] & 0xE0) == 0xC0)
    cp = s[0] & 0x1Fu, len = 2;
  else if ((s[0] & 0xF0) == 0xE0)
    cp = s[0] & 0x0Fu, len = 3;
  else
    cp = s[0] & 0x07u, len = 4;
  for (int i = 1; i < len && s[i]; i++)
    cp = (cp << 6) | (s[i] & 0x3Fu);
  *p = s + len;
  if (cp < 0x10000)
    return cp;
  cp -= 0x10000;
  *pending = 0xDC00 + (cp & 0x3FF);
  return 0xD800 + (cp >> 10);
}

/* Orders member names by UTF-16 code units (RFC 8785 §3.2.3). */
static int compare_names(const void *a, const void *b) {
  const unsigned char *x = *(const unsigned char *const *)a, *y = *(const unsigned char *const *)b;
  unsigned px = 0, py = 0;
  for (;;) {
    unsigned ux = next_unit(&x, &px), uy = next_unit(&y, &py);
    if (ux != uy)
      return ux < uy ? -1 : 1;
    if (ux == 0)
      return 0;
  }
}

/* ---- values -------------------------------------------------------------- */

static int put_value(jcs_buf *b, const json_t *v, int depth, char *errstr, size_t errstr_size) {
  if (depth > BS_JCS_MAX_DEPTH) {
    snprintf(errstr, errstr_size, "canonical JSON: nesting deeper than %d", BS_JCS_MAX_DEPTH);
    return -1;
  }
  char num[64];
  switch (json_typeof(v)) {
  case JSON_NULL:
    puts_(b, "null");
    return 0;
  case JSON_TRUE:
    puts_(b, "true");
    return 0;
  case JSON_FALSE:
    puts_(b, "false");
    return 0;
  case JSON_STRING:
    put_string(b, json_string_value(v), json_string_length(v));
    return 0;
  case JSON_INTEGER: {
    /* an integer is an IEEE double in JSON: exact only within 2^53 - 1 */
    json_int_t i = json_integer_value(v);
    if (i > 9007199254740991LL || i < -9007199254740991LL) {
      snprintf(errstr, errstr_size,
               "canonical JSON: integer %lld is outside +-(2^53 - 1), which a double holds "
               "exactly",
               (long long)i);
      return -1;
    }
    snprintf(num, sizeof(num), "%lld", (long long)i);
    puts_(b, num);
    return 0;
  }
  case JSON_REAL:
    if (bs_jcs_number(json_real_value(v), num, sizeof(num)) != 0) {
      snprintf(errstr, errstr_size, "canonical JSON: a number that is not finite");
      return -1;
    }
    puts_(b, num);
    return 0;
  case JSON_ARRAY:
    put(b, "[", 1);
    for (size_t i = 0; i < json_array_size(v); i++) {
      if (i)
        put(b, ",", 1);
      if (put_value(b, json_array_get(v, i), depth + 1, errstr, errstr_size) != 0)
        return -1;
    }
    put(b, "]", 1);
    return 0;
  case JSON_OBJECT: {
    size_t n = json_object_size(v), i = 0;
    const char **names = malloc((n ? n : 1) * sizeof(*names));
    if (!names) {
      b->failed = 1;
      return 0;
    }
    const char *name;
    json_t *member;
    json_object_foreach((json_t *)v, name, member) names[i++] = name;
    qsort(names, n, sizeof(*names), compare_names);
    put(b, "{", 1);
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++) {
      if (i)
        put(b, ",", 1);
      put_string(b, names[i], strlen(names[i]));
      put(b, ":", 1);
      rc = put_value(b, json_object_get(v, names[i]), depth + 1, errstr, errstr_size);
    }
    put(b, "}", 1);
    free(names);
    return rc;
  }
  }
  snprintf(errstr, errstr_size, "canonical JSON: unknown value type");
  return -1;
}

char *bs_jcs_dumps(const json_t *value, size_t *len_out, char *errstr, size_t errstr_size) {
  jcs_buf b = {0};
  if (!value) {
    snprintf(errstr, errstr_size, "canonical JSON: no value");
    return NULL;
  }
  if (put_value(&b, value, 0, errstr, errstr_size) != 0 || b.failed || !b.text) {
    if (b.failed)
      snprintf(errstr, errstr_size, "canonical JSON: out of memory");
    free(b.text);
    return NULL;
  }
  if (len_out)
    *len_out = b.len;
  return b.text;
}
