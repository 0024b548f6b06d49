/*
 * objstore.c - the bs_objstore handle: options, backend choice, key checks
 * and the calls that every backend shares (see bs/objstore.h).
 */
#include "objstore_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bs_objstore {
  const objstore_backend *backend;
  void *impl;
};

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

bs_objstore_options bs_objstore_options_default(void) {
  bs_objstore_options o;
  memset(&o, 0, sizeof(o));
  o.region = "us-east-1";
  o.connect_timeout_ms = 5000;
  o.timeout_ms = 0;
  o.low_speed_time_s = 60;
  return o;
}

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return (v && *v) ? v : fallback;
}

bs_objstore_options bs_objstore_options_from_env(void) {
  bs_objstore_options o = bs_objstore_options_default();
  o.url = env_or("BMDSTREAM_OBJECT_STORE", o.url);
  o.endpoint = env_or("BMDSTREAM_S3_ENDPOINT", o.endpoint);
  o.bucket = env_or("BMDSTREAM_S3_BUCKET", o.bucket);
  o.region = env_or("BMDSTREAM_S3_REGION", o.region);
  o.access_key = env_or("BMDSTREAM_S3_ACCESS_KEY", o.access_key);
  o.secret_key = env_or("BMDSTREAM_S3_SECRET_KEY", o.secret_key);
  return o;
}

bs_objstore *bs_objstore_new(const bs_objstore_options *options, char *errstr, size_t errstr_size) {
  bs_objstore *store = NULL;
  char *bucket = NULL;
  const char *url = options ? options->url : NULL;
  if (!options) {
    set_err(errstr, errstr_size, "object store: no options");
    return NULL;
  }
  store = calloc(1, sizeof(*store));
  if (!store)
    goto oom;
  if (url && strncmp(url, "file://", 7) == 0) {
    const char *root = url + 7;
    if (root[0] != '/') {
      set_err(errstr, errstr_size,
              "object store url '%s': file:// needs an absolute path (file:///dir)", url);
      goto fail;
    }
    store->backend = &objstore_file_backend;
    store->impl = objstore_file_new(root, errstr, errstr_size);
  } else if (!url || !*url || strcmp(url, "s3") == 0 || strncmp(url, "s3://", 5) == 0) {
    if (url && strncmp(url, "s3://", 5) == 0 && url[5]) {
      size_t n = strcspn(url + 5, "/");
      if (url[5 + n] == '/' && url[6 + n]) {
        set_err(errstr, errstr_size, "object store url '%s': key prefixes are not supported", url);
        goto fail;
      }
      bucket = strndup(url + 5, n);
    } else if (options->bucket && *options->bucket) {
      bucket = strdup(options->bucket);
    } else {
      set_err(errstr, errstr_size,
              "object store: no bucket (give url s3://BUCKET or BMDSTREAM_S3_BUCKET)");
      goto fail;
    }
    if (!bucket)
      goto oom;
    store->backend = &objstore_s3_backend;
    store->impl = objstore_s3_new(options, bucket, errstr, errstr_size);
  } else {
    set_err(errstr, errstr_size,
            "object store url '%s': unknown scheme (expected s3://BUCKET, s3 or file:///DIR)", url);
    goto fail;
  }
  if (!store->impl)
    goto fail;
  free(bucket);
  return store;
oom:
  set_err(errstr, errstr_size, "object store: out of memory");
fail:
  free(bucket);
  free(store);
  return NULL;
}

void bs_objstore_destroy(bs_objstore *store) {
  if (!store)
    return;
  if (store->impl)
    store->backend->destroy(store->impl);
  free(store);
}

const char *bs_objstore_kind(const bs_objstore *store) {
  return store->backend->kind;
}

long bs_objstore_last_http_status(const bs_objstore *store) {
  return store->backend->last_http_status ? store->backend->last_http_status(store->impl) : 0;
}

int bs_objstore_key_check(const char *key, char *errstr, size_t errstr_size) {
  if (!key || !*key) {
    set_err(errstr, errstr_size, "object key is empty");
    return -1;
  }
  size_t len = strlen(key);
  if (len > 1024) {
    set_err(errstr, errstr_size, "object key is %zu bytes long (max 1024)", len);
    return -1;
  }
  const char *seg = key;
  for (;;) {
    size_t n = strcspn(seg, "/");
    if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
      set_err(errstr, errstr_size,
              "object key '%s': empty, '.' or '..' segment at byte %zu (not allowed)", key,
              (size_t)(seg - key));
      return -1;
    }
    if (seg[n] == '\0')
      break;
    seg += n + 1;
  }
  return 0;
}

static bs_status check_key(const char *key, char *errstr, size_t errstr_size) {
  return bs_objstore_key_check(key, errstr, errstr_size) == 0 ? BS_OK : BS_ERR_PERMANENT;
}

bs_status bs_objstore_bucket_create(bs_objstore *store, char *errstr, size_t errstr_size) {
  return store->backend->bucket_create(store->impl, errstr, errstr_size);
}

bs_status bs_objstore_put(bs_objstore *store, const char *key, const void *data, size_t len,
                          const char *content_type, char *errstr, size_t errstr_size) {
  bs_status st = check_key(key, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  if (!data && len) {
    set_err(errstr, errstr_size, "put '%s': no data for %zu bytes", key, len);
    return BS_ERR_PERMANENT;
  }
  objstore_source src = {.data = data ? data : (const void *)"", .fp = NULL, .len = len};
  return store->backend->put(store->impl, key, &src, content_type, errstr, errstr_size);
}

bs_status bs_objstore_put_file(bs_objstore *store, const char *key, FILE *fp,
                               const char *content_type, char *errstr, size_t errstr_size) {
  bs_status st = check_key(key, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  struct stat sb;
  off_t pos = ftello(fp);
  if (pos < 0 || fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    set_err(errstr, errstr_size, "put '%s': source is not a seekable regular file", key);
    return BS_ERR_PERMANENT;
  }
  objstore_source src = {
      .data = NULL, .fp = fp, .len = sb.st_size > pos ? (size_t)(sb.st_size - pos) : 0};
  return store->backend->put(store->impl, key, &src, content_type, errstr, errstr_size);
}

bs_status bs_objstore_put_path(bs_objstore *store, const char *key, const char *path,
                               const char *content_type, char *errstr, size_t errstr_size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    set_err(errstr, errstr_size, "put '%s': cannot open '%s': %s", key, path, strerror(errno));
    return BS_ERR_PERMANENT;
  }
  bs_status st = bs_objstore_put_file(store, key, fp, content_type, errstr, errstr_size);
  fclose(fp);
  return st;
}

int objstore_sink_write(objstore_sink *sink, const void *p, size_t n) {
  if (sink->max_len && sink->len + n > sink->max_len) {
    sink->too_big = 1;
    return -1;
  }
  if (sink->fp) {
    if (n && fwrite(p, 1, n, sink->fp) != n)
      return -1;
    sink->len += n;
    return 0;
  }
  if (sink->len + n + 1 > sink->cap) {
    size_t cap = sink->cap ? sink->cap : 4096;
    while (cap < sink->len + n + 1)
      cap *= 2;
    char *b = realloc(sink->buf, cap);
    if (!b)
      return -1;
    sink->buf = b;
    sink->cap = cap;
  }
  memcpy(sink->buf + sink->len, p, n);
  sink->len += n;
  sink->buf[sink->len] = '\0';
  return 0;
}

bs_status bs_objstore_get(bs_objstore *store, const char *key, size_t max_len, void **data,
                          size_t *len, char *errstr, size_t errstr_size) {
  *data = NULL;
  *len = 0;
  bs_status st = check_key(key, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  objstore_sink sink = {.max_len = max_len};
  st = store->backend->get(store->impl, key, &sink, errstr, errstr_size);
  if (st == BS_OK && !sink.buf && objstore_sink_write(&sink, "", 0) != 0) {
    set_err(errstr, errstr_size, "get '%s': out of memory", key);
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK) {
    free(sink.buf);
    return st;
  }
  *data = sink.buf;
  *len = sink.len;
  return BS_OK;
}

bs_status bs_objstore_get_file(bs_objstore *store, const char *key, FILE *fp, char *errstr,
                               size_t errstr_size) {
  bs_status st = check_key(key, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  objstore_sink sink = {.fp = fp};
  return store->backend->get(store->impl, key, &sink, errstr, errstr_size);
}

bs_status bs_objstore_get_path(bs_objstore *store, const char *key, const char *path, char *errstr,
                               size_t errstr_size) {
  char *tmp = NULL;
  FILE *fp = NULL;
  bs_status st = check_key(key, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  size_t n = strlen(path) + 32;
  tmp = malloc(n);
  if (!tmp) {
    set_err(errstr, errstr_size, "get '%s': out of memory", key);
    return BS_ERR_PERMANENT;
  }
  snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
  fp = fopen(tmp, "wb");
  if (!fp) {
    set_err(errstr, errstr_size, "get '%s': cannot create '%s': %s", key, tmp, strerror(errno));
    st = BS_ERR_PERMANENT;
    goto fail;
  }
  st = bs_objstore_get_file(store, key, fp, errstr, errstr_size);
  if (st != BS_OK)
    goto fail;
  if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
    set_err(errstr, errstr_size, "get '%s': writing '%s': %s", key, tmp, strerror(errno));
    st = BS_ERR_PERMANENT;
    goto fail;
  }
  int rc = fclose(fp);
  fp = NULL;
  if (rc != 0 || rename(tmp, path) != 0) {
    set_err(errstr, errstr_size, "get '%s': cannot finish '%s': %s", key, path, strerror(errno));
    st = BS_ERR_PERMANENT;
    goto fail;
  }
  free(tmp);
  return BS_OK;
fail:
  if (fp)
    fclose(fp);
  unlink(tmp);
  free(tmp);
  return st;
}

bs_status bs_objstore_head(bs_objstore *store, const char *key, bs_objstore_info *info,
                           char *errstr, size_t errstr_size) {
  bs_objstore_info tmp;
  bs_status st = check_key(key, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  memset(&tmp, 0, sizeof(tmp));
  st = store->backend->head(store->impl, key, &tmp, errstr, errstr_size);
  if (st == BS_OK && info)
    *info = tmp;
  return st;
}

bs_status bs_objstore_del(bs_objstore *store, const char *key, char *errstr, size_t errstr_size) {
  bs_status st = check_key(key, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  return store->backend->del(store->impl, key, errstr, errstr_size);
}

bs_status bs_objstore_list_page(bs_objstore *store, const char *prefix, const char *token,
                                int max_keys, bs_objstore_list_cb cb, void *opaque,
                                char **next_token, char *errstr, size_t errstr_size) {
  int stopped = 0;
  *next_token = NULL;
  if (max_keys <= 0 || max_keys > 1000)
    max_keys = 1000;
  return store->backend->list_page(store->impl, prefix ? prefix : "", token, max_keys, cb, opaque,
                                   &stopped, next_token, errstr, errstr_size);
}

bs_status bs_objstore_list(bs_objstore *store, const char *prefix, bs_objstore_list_cb cb,
                           void *opaque, char *errstr, size_t errstr_size) {
  char *token = NULL;
  bs_status st = BS_OK;
  do {
    char *next = NULL;
    int stopped = 0;
    st = store->backend->list_page(store->impl, prefix ? prefix : "", token, 1000, cb, opaque,
                                   &stopped, &next, errstr, errstr_size);
    free(token);
    token = next;
    if (st != BS_OK || stopped)
      break;
  } while (token);
  free(token);
  return st;
}
