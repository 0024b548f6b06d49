/*
 * objstore_gzip.c - gzip (RFC 1952) buffers for *.json.gz objects, with zlib.
 *
 * windowBits 15 + 16 selects the gzip wrapper on deflate; 15 + 32 on inflate
 * accepts gzip or zlib headers. Concatenated gzip members (as `cat a.gz b.gz`
 * makes) are inflated one after another.
 */
#include "bs/objstore.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...) {
  if (!errstr || errstr_size == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errstr, errstr_size, fmt, ap);
  va_end(ap);
}

bs_status bs_gzip_compress(const void *data, size_t len, int level, void **out, size_t *out_len,
                           char *errstr, size_t errstr_size) {
  z_stream zs;
  unsigned char *buf = NULL;
  *out = NULL;
  *out_len = 0;
  memset(&zs, 0, sizeof(zs));
  if (level < 0 || level > 9)
    level = Z_DEFAULT_COMPRESSION;
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    set_err(errstr, errstr_size, "gzip: deflateInit2 failed");
    return BS_ERR_PERMANENT;
  }
  size_t cap = deflateBound(&zs, len > ULONG_MAX ? ULONG_MAX : (uLong)len) + 32;
  buf = malloc(cap);
  if (!buf)
    goto oom;
  zs.next_in = (Bytef *)(uintptr_t)data;
  zs.next_out = buf;
  size_t left = len;
  int rc;
  do {
    /* avail_* are 32-bit: feed and drain in chunks. */
    if (zs.avail_in == 0 && left > 0) {
      zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
      left -= zs.avail_in;
    }
    if ((size_t)(zs.next_out - buf) == cap) {
      size_t used = cap;
      unsigned char *b = realloc(buf, cap *= 2);
      if (!b)
        goto oom;
      buf = b;
      zs.next_out = buf + used;
    }
    size_t room = cap - (size_t)(zs.next_out - buf);
    zs.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
    rc = deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) {
      set_err(errstr, errstr_size, "gzip: deflate failed");
      deflateEnd(&zs);
      free(buf);
      return BS_ERR_PERMANENT;
    }
  } while (rc != Z_STREAM_END);
  *out_len = (size_t)(zs.next_out - buf);
  *out = buf;
  deflateEnd(&zs);
  return BS_OK;
oom:
  deflateEnd(&zs);
  free(buf);
  set_err(errstr, errstr_size, "gzip: out of memory");
  return BS_ERR_PERMANENT;
}

bs_status bs_gzip_decompress(const void *data, size_t len, size_t max_len, void **out,
                             size_t *out_len, char *errstr, size_t errstr_size) {
  z_stream zs;
  unsigned char *buf = NULL;
  size_t cap = len * 4 + 64, used = 0;
  bs_status st = BS_ERR_PERMANENT;
  *out = NULL;
  *out_len = 0;
  memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    set_err(errstr, errstr_size, "gunzip: inflateInit2 failed");
    return BS_ERR_PERMANENT;
  }
  if (max_len && cap > max_len + 1)
    cap = max_len + 1;
  buf = malloc(cap);
  if (!buf)
    goto oom;
  zs.next_in = (Bytef *)(uintptr_t)data;
  size_t left = len;
  for (;;) {
    if (zs.avail_in == 0 && left > 0) {
      zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
      left -= zs.avail_in;
    }
    if (used + 1 >= cap) {
      if (max_len && used > max_len)
        break;
      unsigned char *b = realloc(buf, cap *= 2);
      if (!b)
        goto oom;
      buf = b;
    }
    size_t room = cap - 1 - used;
    zs.next_out = buf + used;
    zs.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
    int rc = inflate(&zs, Z_NO_FLUSH);
    used = (size_t)(zs.next_out - buf);
    if (max_len && used > max_len)
      break;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 && left == 0) {
        st = BS_OK;
        break;
      }
      if (inflateReset(&zs) != Z_OK) /* next concatenated member */
        break;
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && left == 0) {
      set_err(errstr, errstr_size, "gunzip: truncated input (%zu bytes in, %zu out)", len, used);
      goto fail;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      set_err(errstr, errstr_size, "gunzip: corrupt input at byte %zu: %s",
              (size_t)(zs.next_in - (const Bytef *)data), zs.msg ? zs.msg : "inflate error");
      goto fail;
    }
  }
  if (st != BS_OK) {
    if (max_len && used > max_len)
      set_err(errstr, errstr_size, "gunzip: output exceeds the limit of %zu bytes", max_len);
    else
      set_err(errstr, errstr_size, "gunzip: cannot reset the stream");
    goto fail;
  }
  buf[used] = '\0';
  inflateEnd(&zs);
  *out = buf;
  *out_len = used;
  return BS_OK;
oom:
  set_err(errstr, errstr_size, "gunzip: out of memory");
fail:
  inflateEnd(&zs);
  free(buf);
  return BS_ERR_PERMANENT;
}
