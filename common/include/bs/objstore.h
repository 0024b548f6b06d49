/*
 * bs/objstore.h - object store: S3 (path-style, SigV4 through libcurl) or a
 * local directory (file://), behind one opaque handle.
 *
 * Backends, chosen by options.url:
 *   "s3://BUCKET"   S3 at options.endpoint (e.g. http://127.0.0.1:9000),
 *                   path-style URLs ENDPOINT/BUCKET/KEY, signed with
 *                   CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3";
 *   "s3" or NULL    the same, bucket taken from options.bucket;
 *   "file:///DIR"   objects are files under DIR (offline work, unit tests).
 *
 * Keys: 1..1024 bytes of UTF-8 with no NUL, no leading or trailing '/', and
 * no empty, "." or ".." segment (they would be normalised away in URLs and
 * would escape the root of the file backend). Keys are refused as
 * BS_ERR_PERMANENT otherwise.
 *
 * Every call returns a bs_status (bs/error.h) and, unless BS_OK, writes a
 * message into errstr. HTTP and transport failures are classed by
 * bs_objstore_classify_http() and bs_objstore_classify_curl().
 *
 * A handle holds one libcurl easy handle (connections are reused): use one
 * handle per thread. All strings passed in are borrowed for the call only;
 * the handle copies what it keeps.
 */
#ifndef BS_OBJSTORE_H
#define BS_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bs/error.h"

typedef struct bs_objstore bs_objstore;

typedef struct {
  const char *url;         /* "s3://bucket", "s3" or "file:///dir" */
  const char *endpoint;    /* S3: "http://127.0.0.1:9000" */
  const char *bucket;      /* S3: used when url carries none */
  const char *region;      /* S3: default "us-east-1" */
  const char *access_key;  /* S3 */
  const char *secret_key;  /* S3 */
  long connect_timeout_ms; /* default 5000 */
  long timeout_ms;         /* whole request; 0 = none (default 0) */
  long low_speed_time_s;   /* abort if < 1 byte/s for this long; default 60 */
} bs_objstore_options;

/* Options with the defaults above and no backend chosen. */
bs_objstore_options bs_objstore_options_default(void);

/* Defaults overlaid with BMDSTREAM_OBJECT_STORE (url), BMDSTREAM_S3_ENDPOINT,
 * BMDSTREAM_S3_BUCKET, BMDSTREAM_S3_REGION, BMDSTREAM_S3_ACCESS_KEY and
 * BMDSTREAM_S3_SECRET_KEY. The strings are borrowed from the environment
 * (valid until it is changed). Unset or empty variables leave defaults. */
bs_objstore_options bs_objstore_options_from_env(void);

/* New handle, or NULL with errstr filled (bad or incomplete options). */
bs_objstore *bs_objstore_new(const bs_objstore_options *options, char *errstr, size_t errstr_size);
void bs_objstore_destroy(bs_objstore *store); /* NULL is fine */

/* "s3" or "file". */
const char *bs_objstore_kind(const bs_objstore *store);

/* HTTP status of the last S3 request (0 if none or file backend); for
 * diagnostics and tests. */
long bs_objstore_last_http_status(const bs_objstore *store);

/* Creates the bucket (S3) or the root directory (file). Already existing and
 * owned by us is BS_OK. */
bs_status bs_objstore_bucket_create(bs_objstore *store, char *errstr,
                                    size_t errstr_size) BS_MUSTCHECK;

/* Stores len bytes under key, replacing any object. content_type may be NULL
 * (application/octet-stream). */
bs_status bs_objstore_put(bs_objstore *store, const char *key, const void *data, size_t len,
                          const char *content_type, char *errstr, size_t errstr_size) BS_MUSTCHECK;

/* Streams a seekable FILE from its current position to its end (read twice:
 * once for the SHA-256 the signature needs, once to send). */
bs_status bs_objstore_put_file(bs_objstore *store, const char *key, FILE *fp,
                               const char *content_type, char *errstr,
                               size_t errstr_size) BS_MUSTCHECK;

/* put_file on the file at path. */
bs_status bs_objstore_put_path(bs_objstore *store, const char *key, const char *path,
                               const char *content_type, char *errstr,
                               size_t errstr_size) BS_MUSTCHECK;

/* Reads the whole object into *data (new, free() it; NUL-terminated one byte
 * past *len for convenience). Objects over max_len bytes (0 = no limit) fail
 * as BS_ERR_PERMANENT. A missing key is BS_ERR_NOT_FOUND. */
bs_status bs_objstore_get(bs_objstore *store, const char *key, size_t max_len, void **data,
                          size_t *len, char *errstr, size_t errstr_size) BS_MUSTCHECK;

/* Streams the object into fp (borrowed). On failure fp may hold a prefix. */
bs_status bs_objstore_get_file(bs_objstore *store, const char *key, FILE *fp, char *errstr,
                               size_t errstr_size) BS_MUSTCHECK;

/* Streams the object into path through "path.tmp.PID" and rename(), so path
 * either is complete or is left untouched. */
bs_status bs_objstore_get_path(bs_objstore *store, const char *key, const char *path, char *errstr,
                               size_t errstr_size) BS_MUSTCHECK;

typedef struct {
  uint64_t size;
  char etag[80]; /* as the server sends it, quotes removed; "" if unknown */
} bs_objstore_info;

/* BS_OK and *info filled if key exists, BS_ERR_NOT_FOUND if not. info may be
 * NULL. */
bs_status bs_objstore_head(bs_objstore *store, const char *key, bs_objstore_info *info,
                           char *errstr, size_t errstr_size) BS_MUSTCHECK;

/* Deletes key; deleting a missing key is BS_OK (as in S3). */
bs_status bs_objstore_del(bs_objstore *store, const char *key, char *errstr,
                          size_t errstr_size) BS_MUSTCHECK;

typedef struct {
  const char *key; /* borrowed for the callback only */
  uint64_t size;
  const char *etag; /* quotes removed; "" if the backend has none (file) */
} bs_objstore_entry;

/* Return 0 to go on, non-zero to stop the listing (bs_objstore_list then
 * returns BS_OK). */
typedef int (*bs_objstore_list_cb)(void *opaque, const bs_objstore_entry *entry);

/* One page of keys starting with prefix (NULL or "" = all), in byte order,
 * after the position named by token (NULL = from the start). At most
 * max_keys entries (1..1000; 0 means 1000). *next_token is set to a new
 * string (free() it) when more keys follow, else to NULL. */
bs_status bs_objstore_list_page(bs_objstore *store, const char *prefix, const char *token,
                                int max_keys, bs_objstore_list_cb cb, void *opaque,
                                char **next_token, char *errstr, size_t errstr_size) BS_MUSTCHECK;

/* Every key starting with prefix, following pages until done or cb stops. */
bs_status bs_objstore_list(bs_objstore *store, const char *prefix, bs_objstore_list_cb cb,
                           void *opaque, char *errstr, size_t errstr_size) BS_MUSTCHECK;

/* --- gzip (RFC 1952) for *.json.gz objects --- */

/* Compresses len bytes into a new gzip buffer *out (free() it). */
bs_status bs_gzip_compress(const void *data, size_t len, int level, void **out, size_t *out_len,
                           char *errstr, size_t errstr_size) BS_MUSTCHECK;

/* Decompresses a gzip buffer (concatenated members allowed) into *out (new,
 * free() it, NUL-terminated past *out_len). Output over max_len bytes
 * (0 = no limit) is refused: a guard against gzip bombs. */
bs_status bs_gzip_decompress(const void *data, size_t len, size_t max_len, void **out,
                             size_t *out_len, char *errstr, size_t errstr_size) BS_MUSTCHECK;

/* --- building blocks, public for tests and tools --- */

/* Appends the S3 percent-encoding of s (len bytes) to out (size out_size,
 * NUL-terminated): A-Z a-z 0-9 - _ . ~ kept, '/' kept if keep_slash, every
 * other byte as uppercase %XX. Returns the encoded length, or -1 if it does
 * not fit. */
long bs_objstore_uri_encode(const char *s, size_t len, int keep_slash, char *out, size_t out_size);

/* Checks a key against the rules above; 0 if valid, else -1 with errstr. */
int bs_objstore_key_check(const char *key, char *errstr, size_t errstr_size);

/* Canonical SigV4 query string of n name/value pairs (values may be NULL,
 * written as "name="): each encoded with '/' -> %2F, sorted by encoded name
 * then value, joined with '&'. Returns a new string (free() it), or NULL on
 * allocation failure. */
char *bs_objstore_query_build(size_t n, const char *const *names, const char *const *values);

/* Class of an HTTP answer: 2xx BS_OK; 404 with NoSuchKey (or no code, as for
 * HEAD) BS_ERR_NOT_FOUND; 408, 429, 5xx except 501, and the codes SlowDown,
 * RequestTimeout, InternalError, ServiceUnavailable, Throttling
 * BS_ERR_RETRIABLE; any other status BS_ERR_PERMANENT. s3_code may be NULL. */
bs_status bs_objstore_classify_http(long http_status, const char *s3_code);

/* Class of a libcurl result code (an int holding a CURLcode): connection,
 * resolution, timeout, send/receive and partial-transfer failures are
 * retriable; everything else (bad URL, local read/write errors, ...) is
 * permanent. 0 (CURLE_OK) is BS_OK. */
bs_status bs_objstore_classify_curl(int curl_code);

#endif
