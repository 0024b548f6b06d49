/*
 * objstore_s3.c - the S3 backend: path-style requests ENDPOINT/BUCKET/KEY
 * signed by libcurl's CURLOPT_AWS_SIGV4 ("aws:amz:REGION:s3").
 *
 * libcurl 7.88 rules we follow (notes/infra.md §4.2-4.3):
 *   - x-amz-content-sha256 always sent: hex SHA-256 of the body (of "" for
 *     GET/HEAD/DELETE); 7.88 would otherwise sign the empty hash for PUT;
 *   - X-Amz-Date never set by us (7.88 would send it twice);
 *   - keys percent-encoded per segment and query strings built canonical
 *     (sorted, encoded) by us, since 7.88 signs the URL as given;
 *   - no valueless or removed ("Name:") headers on signed requests.
 * One easy handle, curl_easy_reset() between requests: options start clean,
 * live connections are kept.
 */
#include "objstore_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ERROR_BODY_MAX 65536

typedef struct {
  CURL *curl;
  char *endpoint; /* no trailing slash */
  char *bucket;
  char *access_key, *secret_key;
  char sigv4[128];
  long connect_timeout_ms, timeout_ms, low_speed_time_s;
  long last_status;
} s3_store;

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

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) {
  curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void *objstore_s3_new(const bs_objstore_options *o, const char *bucket, char *errstr,
                      size_t errstr_size) {
  s3_store *s3 = NULL;
  if (!o->endpoint || !*o->endpoint || !o->access_key || !*o->access_key || !o->secret_key ||
      !*o->secret_key) {
    set_err(errstr, errstr_size,
            "object store s3: endpoint, access key and secret key are all required%s%s%s",
            (!o->endpoint || !*o->endpoint) ? " (no endpoint)" : "",
            (!o->access_key || !*o->access_key) ? " (no access key)" : "",
            (!o->secret_key || !*o->secret_key) ? " (no secret key)" : "");
    return NULL;
  }
  if (strncmp(o->endpoint, "http://", 7) != 0 && strncmp(o->endpoint, "https://", 8) != 0) {
    set_err(errstr, errstr_size, "object store s3: endpoint '%s' is not an http(s) URL",
            o->endpoint);
    return NULL;
  }
  /* Bucket names (S3 rules, relaxed for legacy names): 3..63 bytes of
   * A-Z a-z 0-9 . - _ ; they go into the URL unencoded. */
  size_t blen = strlen(bucket);
  if (blen < 3 || blen > 63 ||
      strspn(bucket, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != blen) {
    set_err(errstr, errstr_size, "object store s3: bad bucket name '%s'", bucket);
    return NULL;
  }
  pthread_once(&curl_once, curl_init);
  if (curl_init_rc != CURLE_OK) {
    set_err(errstr, errstr_size, "object store s3: curl_global_init failed");
    return NULL;
  }
  s3 = calloc(1, sizeof(*s3));
  if (!s3)
    goto oom;
  s3->endpoint = strdup(o->endpoint);
  s3->bucket = strdup(bucket);
  s3->access_key = strdup(o->access_key);
  s3->secret_key = strdup(o->secret_key);
  s3->curl = curl_easy_init();
  if (!s3->endpoint || !s3->bucket || !s3->access_key || !s3->secret_key || !s3->curl)
    goto oom;
  size_t n = strlen(s3->endpoint);
  while (n > 0 && s3->endpoint[n - 1] == '/')
    s3->endpoint[--n] = '\0';
  snprintf(s3->sigv4, sizeof(s3->sigv4), "aws:amz:%s:s3",
           o->region && *o->region ? o->region : "us-east-1");
  s3->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
  s3->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 0;
  s3->low_speed_time_s = o->low_speed_time_s > 0 ? o->low_speed_time_s : 60;
  return s3;
oom:
  set_err(errstr, errstr_size, "object store s3: out of memory");
  if (s3) {
    if (s3->curl)
      curl_easy_cleanup(s3->curl);
    free(s3->endpoint);
    free(s3->bucket);
    free(s3->access_key);
    free(s3->secret_key);
    free(s3);
  }
  return NULL;
}

static void s3_destroy(void *impl) {
  s3_store *s3 = impl;
  curl_easy_cleanup(s3->curl);
  free(s3->endpoint);
  free(s3->bucket);
  free(s3->access_key);
  if (s3->secret_key)
    memset(s3->secret_key, 0, strlen(s3->secret_key));
  free(s3->secret_key);
  free(s3);
}

static long s3_last_status(const void *impl) {
  return ((const s3_store *)impl)->last_status;
}

typedef struct {
  const char *method; /* GET PUT HEAD DELETE */
  const char *key;    /* NULL: the bucket itself */
  const char *query;  /* canonical, or NULL */
  const objstore_source *src;
  const char *content_type;
  objstore_sink *sink; /* 2xx body goes here (may be NULL) */
} s3_request;

typedef struct {
  CURL *curl;
  objstore_sink *sink;
  objstore_sink error_body; /* non-2xx body */
  const objstore_source *src;
  size_t sent;
  int sink_failed;
  bs_objstore_info info;
} s3_transfer;

static size_t write_cb(char *p, size_t size, size_t nmemb, void *opaque) {
  s3_transfer *t = opaque;
  size_t n = size * nmemb;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300 || !t->sink) {
    /* Error bodies are small XML; keep the first 64 KiB, drop the rest. */
    size_t room = t->error_body.len < ERROR_BODY_MAX ? ERROR_BODY_MAX - t->error_body.len : 0;
    if (objstore_sink_write(&t->error_body, p, n < room ? n : room) != 0)
      return 0;
    return n;
  }
  if (objstore_sink_write(t->sink, p, n) != 0) {
    t->sink_failed = 1;
    return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
  }
  return n;
}

static size_t header_cb(char *p, size_t size, size_t nmemb, void *opaque) {
  s3_transfer *t = opaque;
  size_t n = size * nmemb;
  if (n > 5 && strncasecmp(p, "ETag:", 5) == 0) {
    const char *v = p + 5, *e = p + n;
    while (v < e && (*v == ' ' || *v == '\t' || *v == '"'))
      v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '"'))
      e--;
    snprintf(t->info.etag, sizeof(t->info.etag), "%.*s", (int)(e - v), v);
  }
  return n;
}

static size_t read_cb(char *p, size_t size, size_t nmemb, void *opaque) {
  s3_transfer *t = opaque;
  size_t want = size * nmemb, left = t->src ? t->src->len - t->sent : 0;
  if (want > left)
    want = left;
  if (want == 0)
    return 0;
  if (t->src->data) {
    memcpy(p, t->src->data + t->sent, want);
  } else if (fread(p, 1, want, t->src->fp) != want) {
    return CURL_READFUNC_ABORT;
  }
  t->sent += want;
  return want;
}

/* Builds ENDPOINT/BUCKET[/ENC(KEY)][?QUERY]; new string or NULL. */
static char *make_url(const s3_store *s3, const char *key, const char *query) {
  size_t klen = key ? strlen(key) : 0, cap = strlen(s3->endpoint) + strlen(s3->bucket) + 3 * klen +
                                             (query ? strlen(query) : 0) + 8;
  char *url = malloc(cap);
  if (!url)
    return NULL;
  int o = snprintf(url, cap, "%s/%s", s3->endpoint, s3->bucket);
  if (key) {
    url[o++] = '/';
    long e = bs_objstore_uri_encode(key, klen, 1, url + o, cap - (size_t)o);
    if (e < 0) {
      free(url);
      return NULL;
    }
    o += (int)e;
  }
  if (query && *query)
    snprintf(url + o, cap - (size_t)o, "?%s", query);
  return url;
}

/* Runs one signed request; classes the outcome; fills *info from the
 * response headers when given. */
static bs_status s3_perform(s3_store *s3, const s3_request *rq, bs_objstore_info *info,
                            char *errstr, size_t errstr_size) {
  CURL *c = s3->curl;
  struct curl_slist *headers = NULL, *h;
  char *url = NULL;
  char hdr[160], curl_err[CURL_ERROR_SIZE];
  s3_transfer t;
  bs_status st = BS_ERR_PERMANENT;
  const char *what = rq->key ? rq->key : s3->bucket;

  memset(&t, 0, sizeof(t));
  t.curl = c;
  t.sink = rq->sink;
  t.src = rq->src;
  curl_err[0] = '\0';
  s3->last_status = 0;

  char sha[65] = EMPTY_SHA256;
  if (rq->src && objstore_sha256_hex(rq->src, sha) != 0) {
    set_err(errstr, errstr_size, "%s '%s': cannot read the source to hash it", rq->method, what);
    return BS_ERR_PERMANENT;
  }
  url = make_url(s3, rq->key, rq->query);
  if (!url)
    goto oom;
  snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", sha);
  if (!(h = curl_slist_append(headers, hdr)))
    goto oom;
  headers = h;
  if (rq->content_type) {
    snprintf(hdr, sizeof(hdr), "Content-Type: %s", rq->content_type);
    if (!(h = curl_slist_append(headers, hdr)))
      goto oom;
    headers = h;
  }

  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s3->sigv4);
  curl_easy_setopt(c, CURLOPT_USERNAME, s3->access_key);
  curl_easy_setopt(c, CURLOPT_PASSWORD, s3->secret_key);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s3->connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s3->timeout_ms);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, s3->low_speed_time_s);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (strcmp(rq->method, "PUT") == 0) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(rq->src ? rq->src->len : 0));
  } else if (strcmp(rq->method, "HEAD") == 0) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (strcmp(rq->method, "DELETE") == 0) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  }

  /* A FILE source is read from its current position; come back to it so a
   * retry by the caller sends the same bytes. */
  off_t start = rq->src && rq->src->fp ? ftello(rq->src->fp) : 0;
  CURLcode rc = curl_easy_perform(c);
  if (rq->src && rq->src->fp && start >= 0 && rc != CURLE_OK)
    (void)fseeko(rq->src->fp, start, SEEK_SET);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s3->last_status);
  if (rc != CURLE_OK) {
    if (t.sink_failed) {
      set_err(errstr, errstr_size, "%s '%s': %s", rq->method, what,
              t.sink->too_big ? "object larger than the allowed maximum"
                              : "cannot store the data (out of memory or write error)");
      st = BS_ERR_PERMANENT;
    } else {
      st = bs_objstore_classify_curl((int)rc);
      set_err(errstr, errstr_size, "%s %s: %s (%s)", rq->method, url,
              curl_err[0] ? curl_err : curl_easy_strerror(rc), bs_status_name(st));
    }
    goto done;
  }
  char *code = NULL, *msg = NULL;
  if (t.error_body.len) {
    const char *b = t.error_body.buf, *e = b + t.error_body.len;
    code = objstore_xml_text(b, e, "Code", NULL);
    msg = objstore_xml_text(b, e, "Message", NULL);
  }
  st = bs_objstore_classify_http(s3->last_status, code);
  if (st != BS_OK)
    set_err(errstr, errstr_size, "%s '%s': HTTP %ld %s%s%s (%s)", rq->method, what, s3->last_status,
            code ? code : (s3->last_status == 404 ? "NoSuchKey" : ""), msg ? ": " : "",
            msg ? msg : "", bs_status_name(st));
  free(code);
  free(msg);
  if (st == BS_OK && info) {
    curl_off_t len = -1;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
    t.info.size = len > 0 ? (uint64_t)len : 0;
    *info = t.info;
  }
  goto done;
oom:
  set_err(errstr, errstr_size, "%s '%s': out of memory", rq->method, what);
  st = BS_ERR_PERMANENT;
done:
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
  curl_slist_free_all(headers);
  free(t.error_body.buf);
  free(url);
  return st;
}

static bs_status s3_bucket_create(void *impl, char *errstr, size_t errstr_size) {
  s3_store *s3 = impl;
  objstore_source empty = {.data = (const unsigned char *)"", .len = 0};
  s3_request rq = {.method = "PUT", .src = &empty};
  char msg[512] = "";
  bs_status st = s3_perform(s3, &rq, NULL, msg, sizeof(msg));
  /* 409 BucketAlreadyOwnedByYou: ours already. BucketAlreadyExists (owned
   * by someone else) stays an error. */
  if (st != BS_OK && s3->last_status == 409 && strstr(msg, "BucketAlreadyOwnedByYou"))
    return BS_OK;
  if (st != BS_OK)
    set_err(errstr, errstr_size, "create bucket: %s", msg);
  return st;
}

static bs_status s3_put(void *impl, const char *key, const objstore_source *src,
                        const char *content_type, char *errstr, size_t errstr_size) {
  s3_request rq = {.method = "PUT",
                   .key = key,
                   .src = src,
                   .content_type = content_type ? content_type : "application/octet-stream"};
  return s3_perform(impl, &rq, NULL, errstr, errstr_size);
}

static bs_status s3_get(void *impl, const char *key, objstore_sink *sink, char *errstr,
                        size_t errstr_size) {
  s3_request rq = {.method = "GET", .key = key, .sink = sink};
  return s3_perform(impl, &rq, NULL, errstr, errstr_size);
}

static bs_status s3_head(void *impl, const char *key, bs_objstore_info *info, char *errstr,
                         size_t errstr_size) {
  s3_request rq = {.method = "HEAD", .key = key};
  return s3_perform(impl, &rq, info, errstr, errstr_size);
}

static bs_status s3_del(void *impl, const char *key, char *errstr, size_t errstr_size) {
  s3_request rq = {.method = "DELETE", .key = key};
  bs_status st = s3_perform(impl, &rq, NULL, errstr, errstr_size);
  return st == BS_ERR_NOT_FOUND ? BS_OK : st;
}

/* GET /BUCKET?continuation-token=T&encoding-type=url&list-type=2&max-keys=N
 * &prefix=P, the query built canonical (sorted, encoded) by
 * bs_objstore_query_build. encoding-type=url lets keys holding bytes XML
 * 1.0 cannot carry (control characters) come back intact. */
static bs_status s3_list_page(void *impl, const char *prefix, const char *token, int max_keys,
                              bs_objstore_list_cb cb, void *opaque, int *stopped, char **next_token,
                              char *errstr, size_t errstr_size) {
  char max[16];
  const char *names[5] = {"encoding-type", "list-type", "max-keys", "prefix", "continuation-token"};
  const char *values[5] = {"url", "2", max, prefix, token};
  snprintf(max, sizeof(max), "%d", max_keys);
  char *query = bs_objstore_query_build(token ? 5 : 4, names, values);
  objstore_sink body = {0};
  if (!query) {
    set_err(errstr, errstr_size, "list: out of memory");
    return BS_ERR_PERMANENT;
  }
  s3_request rq = {.method = "GET", .query = query, .sink = &body};
  bs_status st = s3_perform(impl, &rq, NULL, errstr, errstr_size);
  if (st == BS_OK) {
    int truncated = 0;
    int rc = objstore_xml_parse_list(body.buf ? body.buf : "", body.len, cb, opaque, &truncated,
                                     next_token);
    if (rc < 0) {
      set_err(errstr, errstr_size, "list '%s': malformed ListBucketResult (%zu bytes)", prefix,
              body.len);
      st = BS_ERR_RETRIABLE; /* a cut or garbled answer may come whole next time */
    } else if (rc == 1) {
      *stopped = 1;
    }
  } else if (st == BS_ERR_NOT_FOUND) {
    st = BS_ERR_PERMANENT; /* 404 on a bucket: NoSuchBucket, a configuration error */
  }
  free(body.buf);
  free(query);
  return st;
}

const objstore_backend objstore_s3_backend = {
    .kind = "s3",
    .destroy = s3_destroy,
    .bucket_create = s3_bucket_create,
    .put = s3_put,
    .get = s3_get,
    .head = s3_head,
    .del = s3_del,
    .list_page = s3_list_page,
    .last_http_status = s3_last_status,
};
