/*
 * objstore_int.h - private: the backend table behind bs_objstore.
 */
#ifndef BS_OBJSTORE_INT_H
#define BS_OBJSTORE_INT_H

#include "bs/objstore.h"

/* Where get() output goes: a growing memory buffer or a FILE. */
typedef struct {
  FILE *fp;  /* if non-NULL, write here */
  char *buf; /* else grow this */
  size_t len, cap;
  size_t max_len; /* 0 = no limit */
  int too_big;    /* set when max_len was exceeded */
} objstore_sink;

/* Appends n bytes to a sink; -1 on allocation/write failure or overflow. */
int objstore_sink_write(objstore_sink *sink, const void *p, size_t n);

/* Where put() input comes from: memory, or a seekable FILE from its
 * position at the start of the call (len bytes). */
typedef struct {
  const unsigned char *data; /* memory source if non-NULL */
  FILE *fp;
  size_t len;
} objstore_source;

typedef struct objstore_backend {
  const char *kind;
  void (*destroy)(void *impl);
  bs_status (*bucket_create)(void *impl, char *errstr, size_t errstr_size);
  bs_status (*put)(void *impl, const char *key, const objstore_source *src,
                   const char *content_type, char *errstr, size_t errstr_size);
  bs_status (*get)(void *impl, const char *key, objstore_sink *sink, char *errstr,
                   size_t errstr_size);
  bs_status (*head)(void *impl, const char *key, bs_objstore_info *info, char *errstr,
                    size_t errstr_size);
  bs_status (*del)(void *impl, const char *key, char *errstr, size_t errstr_size);
  bs_status (*list_page)(void *impl, const char *prefix, const char *token, int max_keys,
                         bs_objstore_list_cb cb, void *opaque, int *stopped, char **next_token,
                         char *errstr, size_t errstr_size);
  long (*last_http_status)(const void *impl);
} objstore_backend;

/* Backend constructors: NULL with errstr on failure. */
void *objstore_file_new(const char *root, char *errstr, size_t errstr_size);
void *objstore_s3_new(const bs_objstore_options *options, const char *bucket, char *errstr,
                      size_t errstr_size);

extern const objstore_backend objstore_file_backend;
extern const objstore_backend objstore_s3_backend;

/* SHA-256 / MD5 hex of a source (rewinds a FILE source to where it was). */
int objstore_sha256_hex(const objstore_source *src, char hex[65]);
int objstore_md5_hex_file(FILE *fp, char hex[33]);

/* --- the little XML that S3 answers with (objstore_xml.c) --- */

/* Text of the first <tag>...</tag> within [begin, end), entities decoded
 * (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;), as a new string; NULL if
 * absent or on allocation failure. *after (if non-NULL) is set past the
 * closing tag. */
char *objstore_xml_text(const char *begin, const char *end, const char *tag, const char **after);

/* Parses a ListObjectsV2 ListBucketResult: calls cb for each <Contents>
 * (key, size, etag without quotes), decoding keys when the result says
 * <EncodingType>url</EncodingType>; sets *truncated and *next_token (new
 * string or NULL). Returns 0, 1 if cb stopped, -1 on malformed XML. */
int objstore_xml_parse_list(const char *xml, size_t len, bs_objstore_list_cb cb, void *opaque,
                            int *truncated, char **next_token);

#endif
