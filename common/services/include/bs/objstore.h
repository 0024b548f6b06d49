/*
 * bs/objstore.h - the object store: S3 (any S3-compatible server, path-style
 * URLs, AWS Signature V4 through libcurl's CURLOPT_AWS_SIGV4) or a local
 * directory (file://) for offline work and fast tests.
 *
 * Keys are relative ("projects/1/experiments/2/matrix.bin"); each path
 * segment is percent-encoded on the wire (RFC 3986 unreserved characters
 * and '/' kept). Every S3 request carries x-amz-content-sha256 (the SHA-256
 * of its body), which libcurl 7.88 does not add itself (notes/infra.md §4).
 *
 * Errors (bs/error.h): connection failures, time-outs, HTTP 5xx, 429 and
 * SlowDown are RETRIABLE; 404 is NOT_FOUND; any other refusal (403
 * AccessDenied, SignatureDoesNotMatch, 400 ...) is PERMANENT. errstr
 * carries the server's <Code> and <Message>.
 *
 * A handle is not thread-safe: use one per thread.
 */
#ifndef BS_OBJSTORE_H
#define BS_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "bs/config.h"
#include "bs/error.h"

typedef struct bs_objstore bs_objstore;

typedef struct bs_objstore_options {
  const char *url;        /* "s3", or "file:///absolute/dir" */
  const char *endpoint;   /* S3: e.g. "http://127.0.0.1:9000" */
  const char *bucket;     /* S3 */
  const char *region;     /* S3 signing region, e.g. "us-east-1" */
  const char *access_key; /* S3 */
  const char *secret_key; /* S3 */
} bs_objstore_options;

typedef struct bs_object_info {
  uint64_t size;
  char etag[80];
} bs_object_info;

/* The options of the shared settings of cfg (object_store, s3_endpoint,
 * s3_bucket, s3_region, s3_access_key, s3_secret_key; bs/config.h); the
 * strings are borrowed from cfg. */
bs_objstore_options bs_objstore_options_from_config(const bs_config *cfg);

bs_status bs_objstore_new(const bs_objstore_options *opt, bs_objstore **out, char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));
void bs_objstore_destroy(bs_objstore *store);

/* "s3://bucket" or "file:///dir": where objects go, for messages. */
const char *bs_objstore_describe(const bs_objstore *store);

/* Creates the bucket (S3) or directory (file); already ours is fine. */
bs_status bs_objstore_create_bucket(bs_objstore *store, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Stores buf (borrowed) under key, replacing any object there. */
bs_status bs_objstore_put(bs_objstore *store, const char *key, const void *buf, size_t len,
                          const char *content_type, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Streams a local file to key. */
bs_status bs_objstore_put_file(bs_objstore *store, const char *key, const char *path,
                               const char *content_type, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Reads key into a new malloc'd buffer (*buf, *len; the caller frees).
 * Objects larger than max_len are refused (PERMANENT). */
bs_status bs_objstore_get(bs_objstore *store, const char *key, size_t max_len, void **buf,
                          size_t *len, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Streams key into the local file path through "path.part-PID" and
 * rename(): path ends up the whole object or stays as it was. path must
 * name a regular file in a writable directory (not /dev/stdout or a FIFO). */
bs_status bs_objstore_get_file(bs_objstore *store, const char *key, const char *path, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

/* Told, while an object arrives, how many of its bytes are in so far
 * (growing; the last call has them all; an empty object: no call). */
typedef void (*bs_objstore_progress_cb)(void *opaque, uint64_t received);

/* bs_objstore_get_file, calling progress_cb(opaque, received) as the bytes
 * arrive (progress_cb may be NULL). */
bs_status bs_objstore_get_file_progress(bs_objstore *store, const char *key, const char *path,
                                        bs_objstore_progress_cb progress_cb, void *opaque,
                                        char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

bs_status bs_objstore_head(bs_objstore *store, const char *key, bs_object_info *info, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));

/* Deletes key; a missing key is fine (S3 semantics). */
bs_status bs_objstore_delete(bs_objstore *store, const char *key, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Calls cb for every key under prefix, in key order, across as many pages
 * as the server needs. cb returns non-zero to stop early. */
typedef int (*bs_objstore_list_cb)(void *opaque, const char *key, uint64_t size);
bs_status bs_objstore_list(bs_objstore *store, const char *prefix, bs_objstore_list_cb cb,
                           void *opaque, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* ---- helpers, exposed for tests ----------------------------------------- */

/* Percent-encodes a key for a URL path: A-Z a-z 0-9 - _ . ~ and '/' kept,
 * every other byte as uppercase %XX. Returns the length, or -1 if out_size
 * is too small. */
int bs_objstore_encode_key(const char *key, char *out, size_t out_size);

/* Percent-encodes a query-string value (like the key, but '/' as %2F). */
int bs_objstore_encode_query(const char *value, char *out, size_t out_size);

/* Refuses keys that are empty, absolute, contain "." or ".." segments,
 * empty segments or control characters; 0 when the key is acceptable. */
int bs_objstore_check_key(const char *key, char *errstr, size_t errstr_size);

/* bs_objstore_check_key, and the key must lie under the project's own
 * prefix "projects/<project_id>/" (so no other project's object, and no
 * other bucket: the key is a path in the configured bucket). field names
 * the key in errors (e.g. "data.annotation.gmt_key"); a key outside the
 * prefix is reported with BS_FORBIDDEN_PREFIX. 0 when acceptable. */
int bs_objstore_check_project_key(const char *key, int64_t project_id, const char *field,
                                  char *errstr, size_t errstr_size);

/* The class of an HTTP status (and S3 error code, may be NULL). */
bs_status bs_objstore_status_from_http(long http_status, const char *s3_code);

/* gzip (RFC 1952) of buf into a new malloc'd buffer, at zlib's level 6;
 * 0 or -1. _level: at the given level (1 fastest .. 9 smallest). */
int bs_gzip_compress(const void *buf, size_t len, void **out, size_t *out_len);
int bs_gzip_compress_level(const void *buf, size_t len, int level, void **out, size_t *out_len);
/* gunzip, refusing output beyond max_len; concatenated members are read as
 * one stream, any other trailing bytes are an error. 0, or -1 with errstr. */
int bs_gzip_decompress(const void *buf, size_t len, size_t max_len, void **out, size_t *out_len,
                       char *errstr, size_t errstr_size);

#endif
