/*
 * objstore.c - the object store handle: backend choice, key rules and
 * encoding, error classes, gzip.
 */
#include "bs/objstore.h"

#include <errno.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "objstore_internal.h"

bs_objstore_options bs_objstore_options_from_config(const bs_config *cfg) {
  return (bs_objstore_options){.url = bs_config_get(cfg, "object_store"),
                               .endpoint = bs_config_get(cfg, "s3_endpoint"),
                               .bucket = bs_config_get(cfg, "s3_bucket"),
                               .region = bs_config_get(cfg, "s3_region"),
                               .access_key = bs_config_get(cfg, "s3_access_key"),
                               .secret_key = bs_config_get(cfg, "s3_secret_key")};
}

bs_status bs_objstore_new(const bs_objstore_options *opt, bs_objstore **out, char *errstr,
                          size_t errstr_size) {
  *out = NULL;
  bs_objstore *s = calloc(1, sizeof(*s));
  if (!s) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_PERMANENT;
  }
  const char *url = opt->url && *opt->url ? opt->url : "s3";
  if (strncmp(url, "file://", 7) == 0) {
    s->kind = BS_OBJSTORE_FILE;
    if (url[7] != '/' || strlen(url + 7) >= sizeof(s->root) - 1) {
      snprintf(errstr, errstr_size, "object_store '%s': expected file:///absolute/directory", url);
      free(s);
      return BS_ERR_PERMANENT;
    }
    snprintf(s->root, sizeof(s->root), "%s", url + 7);
    size_t n = strlen(s->root);
    while (n > 1 && s->root[n - 1] == '/')
      s->root[--n] = '\0';
    snprintf(s->describe, sizeof(s->describe), "file://%s", s->root);
    *out = s;
    return BS_OK;
  }
  if (strcmp(url, "s3") != 0) {
    snprintf(errstr, errstr_size, "object_store '%s': expected 's3' or file:///dir", url);
    free(s);
    return BS_ERR_PERMANENT;
  }
  s->kind = BS_OBJSTORE_S3;
  if (!opt->endpoint || !*opt->endpoint || !opt->bucket || !*opt->bucket || !opt->access_key ||
      !*opt->access_key || !opt->secret_key || !*opt->secret_key) {
    snprintf(errstr, errstr_size,
             "S3 needs s3_endpoint, s3_bucket, s3_access_key and s3_secret_key "
             "(BMDSTREAM_S3_* in the environment)");
    free(s);
    return BS_ERR_PERMANENT;
  }
  snprintf(s->endpoint, sizeof(s->endpoint), "%s", opt->endpoint);
  size_t n = strlen(s->endpoint);
  while (n > 0 && s->endpoint[n - 1] == '/')
    s->endpoint[--n] = '\0';
  snprintf(s->bucket, sizeof(s->bucket), "%s", opt->bucket);
  snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3",
           opt->region && *opt->region ? opt->region : "us-east-1");
  snprintf(s->userpwd, sizeof(s->userpwd), "%s:%s", opt->access_key, opt->secret_key);
  snprintf(s->describe, sizeof(s->describe), "s3://%.255s (%.511s)", s->bucket, s->endpoint);
  /* libxml2 sets up its globals here, before any thread parses an answer. */
  xmlInitParser();
  s->curl = curl_easy_init();
  if (!s->curl) {
    snprintf(errstr, errstr_size, "libcurl initialisation failed");
    free(s);
    return BS_ERR_PERMANENT;
  }
  *out = s;
  return BS_OK;
}

void bs_objstore_destroy(bs_objstore *s) {
  if (!s)
    return;
  if (s->curl)
    curl_easy_cleanup(s->curl);
  memset(s->userpwd, 0, sizeof(s->userpwd));
  free(s);
}

const char *bs_objstore_describe(const bs_objstore *s) {
  return s->describe;
}

static int unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

static int encode(const char *in, int keep_slash, char *out, size_t out_size) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
    if (unreserved(*p) || (keep_slash && *p == '/')) {
      if (o + 1 >= out_size)
        return -1;
      out[o++] = (char)*p;
    } else {
      if (o + 3 >= out_size)
        return -1;
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  if (o >= out_size)
    return -1;
  out[o] = '\0';
  return (int)o;
}

int bs_objstore_encode_key(const char *key, char *out, size_t out_size) {
  return encode(key, 1, out, out_size);
}

int bs_objstore_encode_query(const char *value, char *out, size_t out_size) {
  return encode(value, 0, out, out_size);
}

int bs_objstore_check_key(const char *key, char *errstr, size_t errstr_size) {
  if (!key || !*key || key[0] == '/') {
    snprintf(errstr, errstr_size, "object key '%s': must be relative and not empty",
             key ? key : "");
    return -1;
  }
  if (strlen(key) > 1024) {
    snprintf(errstr, errstr_size, "object key: longer than 1024 bytes");
    return -1;
  }
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    if (*p < 0x20 || *p == 0x7f) {
      snprintf(errstr, errstr_size, "object key '%s': control character", key);
      return -1;
    }
  /* Segments "", "." and ".." would be normalised away by URL parsers and
   * escape the root of the file backend. */
  const char *seg = key;
  for (;;) {
    const char *end = strchr(seg, '/');
    size_t n = end ? (size_t)(end - seg) : strlen(seg);
    if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
      snprintf(errstr, errstr_size, "object key '%s': empty, '.' or '..' path segment", key);
      return -1;
    }
    if (!end)
      break;
    seg = end + 1;
  }
  return 0;
}

int bs_objstore_check_project_key(const char *key, int64_t project_id, const char *field,
                                  char *errstr, size_t errstr_size) {
  char inner[1200], prefix[64];
  if (bs_objstore_check_key(key, inner, sizeof(inner)) != 0) {
    snprintf(errstr, errstr_size, "%s: %s", field, inner);
    return -1;
  }
  snprintf(prefix, sizeof(prefix), "projects/%" PRId64 "/", project_id);
  if (project_id <= 0 || strncmp(key, prefix, strlen(prefix)) != 0) {
    snprintf(errstr, errstr_size, BS_FORBIDDEN_PREFIX "%s \"%.200s\" is not under %s", field, key,
             prefix);
    return -1;
  }
  return 0;
}

bs_status bs_objstore_status_from_http(long http_status, const char *s3_code) {
  /* BadDigest: the body that arrived is not the one whose Content-MD5 was
   * sent (damaged on the way); sent again, it may arrive whole */
  if (s3_code && (!strcmp(s3_code, "SlowDown") || !strcmp(s3_code, "RequestTimeout") ||
                  !strcmp(s3_code, "InternalError") || !strcmp(s3_code, "ServiceUnavailable") ||
                  !strcmp(s3_code, "BadDigest")))
    return BS_ERR_RETRIABLE;
  if (http_status >= 200 && http_status < 300)
    return BS_OK;
  /* A missing bucket is a configuration error, not a missing object. */
  if (http_status == 404)
    return s3_code && !strcmp(s3_code, "NoSuchBucket") ? BS_ERR_PERMANENT : BS_ERR_NOT_FOUND;
  if (http_status == 0 || http_status == 408 || http_status == 429 || http_status >= 500)
    return BS_ERR_RETRIABLE;
  return BS_ERR_PERMANENT;
}

#define CHECK_KEY(key)                                                                             \
  do {                                                                                             \
    if (bs_objstore_check_key(key, errstr, errstr_size) != 0)                                      \
      return BS_ERR_PERMANENT;                                                                     \
  } while (0)

bs_status bs_objstore_create_bucket(bs_objstore *s, char *errstr, size_t errstr_size) {
  if (s->kind == BS_OBJSTORE_FILE)
    return bs_objstore_file_create_root(s, errstr, errstr_size);
  return bs_objstore_s3_create_bucket(s, errstr, errstr_size);
}

bs_status bs_objstore_put(bs_objstore *s, const char *key, const void *buf, size_t len,
                          const char *content_type, char *errstr, size_t errstr_size) {
  CHECK_KEY(key);
  if (s->kind == BS_OBJSTORE_FILE)
    return bs_objstore_file_put(s, key, buf, len, NULL, errstr, errstr_size);
  return bs_objstore_s3_put(s, key, buf, len, NULL, content_type, errstr, errstr_size);
}

bs_status bs_objstore_put_file(bs_objstore *s, const char *key, const char *path,
                               const char *content_type, char *errstr, size_t errstr_size) {
  CHECK_KEY(key);
  if (s->kind == BS_OBJSTORE_FILE)
    return bs_objstore_file_put(s, key, NULL, 0, path, errstr, errstr_size);
  return bs_objstore_s3_put(s, key, NULL, 0, path, content_type, errstr, errstr_size);
}

bs_status bs_objstore_get(bs_objstore *s, const char *key, size_t max_len, void **buf, size_t *len,
                          char *errstr, size_t errstr_size) {
  *buf = NULL;
  *len = 0;
  CHECK_KEY(key);
  if (s->kind == BS_OBJSTORE_FILE)
    return bs_objstore_file_get(s, key, max_len, buf, len, NULL, NULL, errstr, errstr_size);
  return bs_objstore_s3_get(s, key, max_len, buf, len, NULL, NULL, errstr, errstr_size);
}

bs_status bs_objstore_get_file(bs_objstore *s, const char *key, const char *path, char *errstr,
                               size_t errstr_size) {
  return bs_objstore_get_file_progress(s, key, path, NULL, NULL, errstr, errstr_size);
}

bs_status bs_objstore_get_file_progress(bs_objstore *s, const char *key, const char *path,
                                        bs_objstore_progress_cb progress_cb, void *opaque,
                                        char *errstr, size_t errstr_size) {
  CHECK_KEY(key);
  const bs_objstore_watch watch = {progress_cb, opaque};
  /* Download next to path and rename() into place: path is either the
   * whole object or left as it was, never a prefix or an error document. */
  size_t n = strlen(path) + 32;
  char *part = malloc(n);
  if (!part) {
    snprintf(errstr, errstr_size, "%s: out of memory", path);
    return BS_ERR_RETRIABLE;
  }
  snprintf(part, n, "%s.part-%ld", path, (long)getpid());
  bs_status st =
      s->kind == BS_OBJSTORE_FILE
          ? bs_objstore_file_get(s, key, 0, NULL, NULL, part, &watch, errstr, errstr_size)
          : bs_objstore_s3_get(s, key, 0, NULL, NULL, part, &watch, errstr, errstr_size);
  if (st == BS_OK && rename(part, path) != 0) {
    snprintf(errstr, errstr_size, "cannot rename %s to %s: %s", part, path, strerror(errno));
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK)
    unlink(part);
  free(part);
  return st;
}

bs_status bs_objstore_head(bs_objstore *s, const char *key, bs_object_info *info, char *errstr,
                           size_t errstr_size) {
  CHECK_KEY(key);
  memset(info, 0, sizeof(*info));
  if (s->kind == BS_OBJSTORE_FILE)
    return bs_objstore_file_head(s, key, info, errstr, errstr_size);
  return bs_objstore_s3_head(s, key, info, errstr, errstr_size);
}

bs_status bs_objstore_delete(bs_objstore *s, const char *key, char *errstr, size_t errstr_size) {
  CHECK_KEY(key);
  if (s->kind == BS_OBJSTORE_FILE)
    return bs_objstore_file_delete(s, key, errstr, errstr_size);
  return bs_objstore_s3_delete(s, key, errstr, errstr_size);
}

bs_status bs_objstore_list(bs_objstore *s, const char *prefix, bs_objstore_list_cb cb, void *opaque,
                           char *errstr, size_t errstr_size) {
  if (s->kind == BS_OBJSTORE_FILE)
    return bs_objstore_file_list(s, prefix ? prefix : "", cb, opaque, errstr, errstr_size);
  return bs_objstore_s3_list(s, prefix ? prefix : "", cb, opaque, errstr, errstr_size);
}

/* gzip: deflate with a gzip wrapper (windowBits 15 + 16). */
int bs_gzip_compress(const void *buf, size_t len, void **out, size_t *out_len) {
  return bs_gzip_compress_level(buf, len, 6, out, out_len);
}

int bs_gzip_compress_level(const void *buf, size_t len, int level, void **out, size_t *out_len) {
  z_stream z;
  memset(&z, 0, sizeof(z));
  *out = NULL;
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return -1;
  size_t cap = deflateBound(&z, (uLong)len) + 32;
  unsigned char *dst = malloc(cap);
  if (!dst) {
    deflateEnd(&z);
    return -1;
  }
  z.next_in = (Bytef *)(uintptr_t)buf;
  z.avail_in = (uInt)len;
  z.next_out = dst;
  z.avail_out = (uInt)cap;
  int rc = deflate(&z, Z_FINISH);
  *out_len = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(dst);
    return -1;
  }
  *out = dst;
  return 0;
}

/* gunzip with a hard output limit. Members written one after another (as
 * `cat a.gz b.gz` or parallel compressors make) are one stream, RFC 1952
 * §2.2, so after each member's end the next must start with the gzip magic
 * 1f 8b; any other trailing byte is corruption, not something to ignore. */
int bs_gzip_decompress(const void *buf, size_t len, size_t max_len, void **out, size_t *out_len,
                       char *errstr, size_t errstr_size) {
  z_stream z;
  memset(&z, 0, sizeof(z));
  *out = NULL;
  *out_len = 0;
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    snprintf(errstr, errstr_size, "gzip: cannot initialise zlib");
    return -1;
  }
  /* The buffer never grows past max_len + 1 bytes: one byte more than
   * allowed is enough to know the limit is exceeded. */
  size_t ceiling = max_len < SIZE_MAX ? max_len + 1 : SIZE_MAX;
  size_t cap = len * 4 + 1024, used = 0;
  if (cap > ceiling)
    cap = ceiling;
  unsigned char *dst = malloc(cap);
  z.next_in = (Bytef *)(uintptr_t)buf;
  z.avail_in = (uInt)len;
  for (;;) {
    if (!dst) {
      snprintf(errstr, errstr_size, "gzip: out of memory");
      goto fail;
    }
    if (used == cap) {
      if (cap > max_len) {
        snprintf(errstr, errstr_size, "gzip: content exceeds the limit of %zu bytes", max_len);
        goto fail;
      }
      cap = cap > ceiling / 2 ? ceiling : cap * 2;
      unsigned char *nd = realloc(dst, cap);
      if (!nd) {
        snprintf(errstr, errstr_size, "gzip: out of memory");
        goto fail;
      }
      dst = nd;
    }
    z.next_out = dst + used;
    z.avail_out = (uInt)(cap - used);
    int rc = inflate(&z, Z_NO_FLUSH);
    used = (size_t)(z.next_out - dst);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0)
        break;
      if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) {
        snprintf(errstr, errstr_size, "gzip: %u bytes of trailing garbage after the data",
                 z.avail_in);
        goto fail;
      }
      if (inflateReset(&z) != Z_OK) {
        snprintf(errstr, errstr_size, "gzip: cannot reset zlib");
        goto fail;
      }
      continue;
    }
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && used == cap)) {
      snprintf(errstr, errstr_size, "gzip: %s", z.msg ? z.msg : "corrupt or truncated data");
      goto fail;
    }
    if (z.avail_in == 0 && used < cap) {
      snprintf(errstr, errstr_size, "gzip: truncated data");
      goto fail;
    }
  }
  if (used > max_len) {
    snprintf(errstr, errstr_size, "gzip: content exceeds the limit of %zu bytes", max_len);
    goto fail;
  }
  inflateEnd(&z);
  *out = dst;
  *out_len = used;
  return 0;
fail:
  inflateEnd(&z);
  free(dst);
  return -1;
}
