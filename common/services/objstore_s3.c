/*
 * objstore_s3.c - the S3 backend over libcurl 7.88 with CURLOPT_AWS_SIGV4
 * (notes/infra.md §4): path-style URLs, keys percent-encoded per segment,
 * query strings built already canonical (sorted, encoded), an explicit
 * x-amz-content-sha256 on every request (UNSIGNED-PAYLOAD with a signed
 * Content-MD5 on an upload), X-Amz-Date left to libcurl.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bs/md5.h"
#include "objstore_internal.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct membuf {
  char *data;
  size_t len, cap, max;
  int overflow;
  CURL *curl; /* to tell an error document from the object */
} membuf;

/* Error documents are small; an object may be refused by max. */
#define ERROR_BODY_MAX (1 << 20)

static size_t write_mem(char *ptr, size_t size, size_t n, void *userdata) {
  membuf *b = userdata;
  size_t add = size * n;
  size_t limit = b->max;
  long http = 0;
  if (b->len + add > limit && b->curl &&
      curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &http) == CURLE_OK &&
      (http < 200 || http >= 300))
    limit = ERROR_BODY_MAX;
  if (b->len + add > limit) {
    b->overflow = 1;
    return 0; /* aborts the transfer */
  }
  if (b->len + add + 1 > b->cap) {
    size_t cap = (b->len + add + 1) * 2;
    char *nd = realloc(b->data, cap);
    if (!nd)
      return 0;
    b->data = nd;
    b->cap = cap;
  }
  memcpy(b->data + b->len, ptr, add);
  b->len += add;
  b->data[b->len] = '\0';
  return add;
}

typedef struct readbuf {
  const char *data;
  size_t len, off;
} readbuf;

static size_t read_mem(char *ptr, size_t size, size_t n, void *userdata) {
  readbuf *r = userdata;
  size_t take = size * n;
  if (take > r->len - r->off)
    take = r->len - r->off;
  memcpy(ptr, r->data + r->off, take);
  r->off += take;
  return take;
}

static size_t header_cb(char *ptr, size_t size, size_t n, void *userdata) {
  bs_object_info *info = userdata;
  size_t len = size * n;
  if (info && len > 5 && strncasecmp(ptr, "ETag:", 5) == 0) {
    size_t start = 5;
    while (start < len && ptr[start] == ' ')
      start++;
    size_t end = len;
    while (end > start && (ptr[end - 1] == '\r' || ptr[end - 1] == '\n'))
      end--;
    snprintf(info->etag, sizeof(info->etag), "%.*s", (int)(end - start), ptr + start);
  }
  return len;
}

/* Transport failures that another attempt may get past (the server or the
 * network) are retriable; a malformed URL, an unsupported scheme, a local
 * file that cannot be read or written, or a refused TLS certificate will
 * fail the same way every time. */
static bs_status curl_class(CURLcode rc) {
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_PARTIAL_FILE:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_AGAIN:
  case CURLE_OUT_OF_MEMORY:
    return BS_ERR_RETRIABLE;
  case CURLE_WRITE_ERROR: /* out_file: a full disk may pass */
    return BS_ERR_RETRIABLE;
  default:
    return BS_ERR_PERMANENT;
  }
}

/* One request. body/body_len or upload (a FILE*) for PUT; sink (membuf) or
 * out_file for responses; info collects HEAD headers. */
typedef struct s3_request {
  const char *method; /* GET, PUT, HEAD, DELETE */
  const char *path;   /* already encoded, starting with '/' */
  const char *query;  /* canonical, without '?', may be NULL */
  const void *body;
  size_t body_len;
  FILE *upload;
  const char *content_type;
  membuf *sink;
  FILE *out_file;
  const bs_objstore_watch *watch; /* out_file's progress; may be NULL */
  bs_object_info *info;
} s3_request;

/* A download's progress, told to its watch for a 2xx answer only (an
 * error document is not the object). */
typedef struct xfer_state {
  const bs_objstore_watch *watch;
  CURL *curl;
  curl_off_t told;
} xfer_state;

static void xfer_tell(xfer_state *x, curl_off_t now) {
  long http = 0;
  if (now > x->told && curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &http) == CURLE_OK &&
      http >= 200 && http < 300) {
    x->told = now;
    x->watch->cb(x->watch->opaque, (uint64_t)now);
  }
}

static int xferinfo_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  (void)dltotal, (void)ultotal, (void)ulnow;
  xfer_tell(userdata, dlnow);
  return 0; /* go on */
}

static bs_status s3_perform(bs_objstore *s, const s3_request *rq, long *http_status,
                            membuf *error_body, char *errstr, size_t errstr_size) {
  CURL *c = s->curl;
  curl_easy_reset(c);
  char url[8192], hdr_sha[128], hdr_md5[64], hdr_type[300];
  snprintf(url, sizeof(url), "%s%s%s%s", s->endpoint, rq->path, rq->query ? "?" : "",
           rq->query ? rq->query : "");
  /* An upload's body is not hashed into the signature (UNSIGNED-PAYLOAD):
   * its MD5 goes in Content-MD5, a signed header the server checks the
   * body against (a 400 BadDigest on a mismatch), so that the body still
   * cannot change unseen. Verifying a signed SHA-256 of the payload cost
   * S3Proxy twice the CPU of an unsigned upload (47 against 24 ms per MB,
   * docs/architecture.md), CPU that a 2-core deployment takes from the
   * fits. Every other request has no body: the empty body's SHA-256. */
  const char *sha = EMPTY_SHA256;
  readbuf rb = {rq->body, rq->body_len, 0};
  curl_off_t upload_size = 0;
  int is_put = !strcmp(rq->method, "PUT");
  char md5[25] = "";
  if (is_put) {
    sha = "UNSIGNED-PAYLOAD";
    if (bs_md5_base64(rq->body, rq->body_len, rq->upload, md5) != 0) {
      snprintf(errstr, errstr_size, rq->upload ? "cannot read the file to upload" : "MD5 failed");
      return BS_ERR_PERMANENT;
    }
    if (rq->upload) {
      struct stat sb;
      fstat(fileno(rq->upload), &sb);
      upload_size = sb.st_size;
    }
  }
  snprintf(hdr_sha, sizeof(hdr_sha), "x-amz-content-sha256: %s", sha);
  struct curl_slist *headers = curl_slist_append(NULL, hdr_sha);
  if (is_put) {
    snprintf(hdr_md5, sizeof(hdr_md5), "Content-MD5: %s", md5);
    headers = curl_slist_append(headers, hdr_md5);
  }
  if (rq->content_type) {
    snprintf(hdr_type, sizeof(hdr_type), "Content-Type: %s", rq->content_type);
    headers = curl_slist_append(headers, hdr_type);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
  curl_easy_setopt(c, CURLOPT_USERPWD, s->userpwd);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, rq->info);
  if (is_put) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    if (rq->upload) {
      curl_easy_setopt(c, CURLOPT_READDATA, rq->upload);
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, upload_size);
    } else {
      curl_easy_setopt(c, CURLOPT_READFUNCTION, read_mem);
      curl_easy_setopt(c, CURLOPT_READDATA, &rb);
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->body_len);
    }
  } else if (!strcmp(rq->method, "HEAD")) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (!strcmp(rq->method, "DELETE")) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
  /* The body goes to the sink only on success; error documents are kept
   * apart to read their <Code>. A file sink is written as it arrives and
   * cleaned up by the caller on failure. */
  membuf *sink = rq->sink ? rq->sink : error_body;
  sink->curl = c;
  xfer_state xfer = {rq->watch, c, 0};
  if (rq->out_file) {
    curl_easy_setopt(c, CURLOPT_WRITEDATA, rq->out_file);
    if (rq->watch && rq->watch->cb) {
      curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
      curl_easy_setopt(c, CURLOPT_XFERINFODATA, &xfer);
      curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
  } else {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_mem);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
  }
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_off_t got = 0;
  if (rc == CURLE_OK && rq->out_file && rq->watch && rq->watch->cb &&
      curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &got) == CURLE_OK)
    xfer_tell(&xfer, got); /* the last call has every byte */
  *http_status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http_status);
  if (rq->info && rc == CURLE_OK) {
    curl_off_t len = 0;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
    rq->info->size = len > 0 ? (uint64_t)len : 0;
  }
  if (rc == CURLE_WRITE_ERROR && rq->sink && rq->sink->overflow) {
    snprintf(errstr, errstr_size, "%s: object larger than the limit of %zu bytes", rq->path,
             rq->sink->max);
    return BS_ERR_PERMANENT;
  }
  if (rc != CURLE_OK) {
    bs_status st = curl_class(rc);
    snprintf(errstr, errstr_size, "S3 %s %s: %s (%s)", rq->method, rq->path, curl_easy_strerror(rc),
             bs_status_name(st));
    return st;
  }
  return BS_OK;
}

/* Fills errstr from an error response and returns its class: by the HTTP
 * status and the document's <Code>; an unreadable document leaves the
 * status alone to decide. */
static bs_status s3_error(const s3_request *rq, long http_status, const membuf *body, char *errstr,
                          size_t errstr_size) {
  char code[128] = "", message[512] = "", why[256] = "";
  if (body && body->len > 0 &&
      bs_objstore_s3_parse_error(body->data, body->len, code, sizeof(code), message,
                                 sizeof(message), why, sizeof(why)) != BS_OK)
    snprintf(message, sizeof(message), "%s", why);
  bs_status st = bs_objstore_status_from_http(http_status, code[0] ? code : NULL);
  snprintf(errstr, errstr_size, "S3 %s %s: HTTP %ld%s%s%s%s", rq->method, rq->path, http_status,
           code[0] ? " " : "", code, message[0] ? ": " : "", message);
  return st;
}

static int object_path(bs_objstore *s, const char *key, char *out, size_t size) {
  char enc[4096];
  if (bs_objstore_encode_key(key, enc, sizeof(enc)) < 0)
    return -1;
  snprintf(out, size, "/%s/%s", s->bucket, enc);
  return 0;
}

/* Runs a request and classifies its outcome. */
static bs_status s3_run(bs_objstore *s, s3_request *rq, long *http_out, char *errstr,
                        size_t errstr_size) {
  membuf err = {NULL, 0, 0, ERROR_BODY_MAX, 0, NULL};
  long http = 0;
  bs_status st = s3_perform(s, rq, &http, &err, errstr, errstr_size);
  if (st == BS_OK && (http < 200 || http >= 300))
    st = s3_error(rq, http, rq->sink ? rq->sink : &err, errstr, errstr_size);
  if (http_out)
    *http_out = http;
  free(err.data);
  return st;
}

bs_status bs_objstore_s3_create_bucket(bs_objstore *s, char *errstr, size_t errstr_size) {
  char path[600];
  snprintf(path, sizeof(path), "/%s", s->bucket);
  s3_request rq = {.method = "PUT", .path = path, .body = "", .body_len = 0};
  long http = 0;
  bs_status st = s3_run(s, &rq, &http, errstr, errstr_size);
  /* 409 BucketAlreadyOwnedByYou: ours already. BucketAlreadyExists means
   * another account owns the name: that stays an error. */
  if (st != BS_OK && http == 409 && strstr(errstr, "BucketAlreadyOwnedByYou"))
    return BS_OK;
  return st;
}

bs_status bs_objstore_s3_put(bs_objstore *s, const char *key, const void *buf, size_t len,
                             const char *src_path, const char *content_type, char *errstr,
                             size_t errstr_size) {
  char path[4400];
  if (object_path(s, key, path, sizeof(path)) != 0) {
    snprintf(errstr, errstr_size, "object key too long");
    return BS_ERR_PERMANENT;
  }
  FILE *f = NULL;
  if (src_path && !(f = fopen(src_path, "rb"))) {
    snprintf(errstr, errstr_size, "%s: %s", src_path, strerror(errno));
    return BS_ERR_PERMANENT;
  }
  s3_request rq = {.method = "PUT",
                   .path = path,
                   .body = f ? NULL : (buf ? buf : ""),
                   .body_len = len,
                   .upload = f,
                   .content_type = content_type ? content_type : "application/octet-stream"};
  bs_status st = s3_run(s, &rq, NULL, errstr, errstr_size);
  if (f)
    fclose(f);
  return st;
}

bs_status bs_objstore_s3_get(bs_objstore *s, const char *key, size_t max_len, void **buf,
                             size_t *len, const char *dst_path, const bs_objstore_watch *watch,
                             char *errstr, size_t errstr_size) {
  char path[4400];
  if (object_path(s, key, path, sizeof(path)) != 0) {
    snprintf(errstr, errstr_size, "object key too long");
    return BS_ERR_PERMANENT;
  }
  if (dst_path) {
    FILE *f = fopen(dst_path, "wb");
    if (!f) {
      snprintf(errstr, errstr_size, "%s: %s", dst_path, strerror(errno));
      return BS_ERR_PERMANENT;
    }
    s3_request rq = {.method = "GET", .path = path, .out_file = f, .watch = watch};
    bs_status st = s3_run(s, &rq, NULL, errstr, errstr_size);
    if (fclose(f) != 0 && st == BS_OK) {
      snprintf(errstr, errstr_size, "%s: %s", dst_path, strerror(errno));
      st = BS_ERR_RETRIABLE;
    }
    if (st != BS_OK)
      remove(dst_path);
    return st;
  }
  membuf body = {NULL, 0, 0, max_len, 0, NULL};
  s3_request rq = {.method = "GET", .path = path, .sink = &body};
  bs_status st = s3_run(s, &rq, NULL, errstr, errstr_size);
  if (st != BS_OK) {
    free(body.data);
    return st;
  }
  if (!body.data)
    body.data = calloc(1, 1);
  *buf = body.data;
  *len = body.len;
  return BS_OK;
}

bs_status bs_objstore_s3_head(bs_objstore *s, const char *key, bs_object_info *info, char *errstr,
                              size_t errstr_size) {
  char path[4400];
  if (object_path(s, key, path, sizeof(path)) != 0) {
    snprintf(errstr, errstr_size, "object key too long");
    return BS_ERR_PERMANENT;
  }
  s3_request rq = {.method = "HEAD", .path = path, .info = info};
  return s3_run(s, &rq, NULL, errstr, errstr_size);
}

bs_status bs_objstore_s3_delete(bs_objstore *s, const char *key, char *errstr, size_t errstr_size) {
  char path[4400];
  if (object_path(s, key, path, sizeof(path)) != 0) {
    snprintf(errstr, errstr_size, "object key too long");
    return BS_ERR_PERMANENT;
  }
  s3_request rq = {.method = "DELETE", .path = path};
  bs_status st = s3_run(s, &rq, NULL, errstr, errstr_size);
  return st == BS_ERR_NOT_FOUND ? BS_OK : st;
}

bs_status bs_objstore_s3_list(bs_objstore *s, const char *prefix, bs_objstore_list_cb cb,
                              void *opaque, char *errstr, size_t errstr_size) {
  char path[600], token[2048] = "", enc_prefix[4096], enc_token[6144], query[12000];
  snprintf(path, sizeof(path), "/%s", s->bucket);
  if (bs_objstore_encode_query(prefix, enc_prefix, sizeof(enc_prefix)) < 0) {
    snprintf(errstr, errstr_size, "list prefix too long");
    return BS_ERR_PERMANENT;
  }
  bs_status st = BS_OK;
  int stop = 0;
  while (st == BS_OK && !stop) {
    /* Parameters in byte order of their names: the canonical query. */
    if (token[0]) {
      bs_objstore_encode_query(token, enc_token, sizeof(enc_token));
      snprintf(query, sizeof(query), "continuation-token=%s&list-type=2&max-keys=1000&prefix=%s",
               enc_token, enc_prefix);
    } else {
      snprintf(query, sizeof(query), "list-type=2&max-keys=1000&prefix=%s", enc_prefix);
    }
    membuf body = {NULL, 0, 0, BS_S3_ANSWER_MAX, 0, NULL};
    s3_request rq = {.method = "GET", .path = path, .query = query, .sink = &body};
    st = s3_run(s, &rq, NULL, errstr, errstr_size);
    char why[512];
    if (st == BS_OK &&
        (st = bs_objstore_s3_parse_list(body.data ? body.data : "", body.len, cb, opaque, &stop,
                                        token, sizeof(token), why, sizeof(why))) != BS_OK)
      snprintf(errstr, errstr_size, "S3 GET %s: %s", path, why);
    if (st == BS_OK && !token[0])
      stop = 1;
    free(body.data);
  }
  return st;
}
