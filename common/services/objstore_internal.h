/*
 * objstore_internal.h - the object store's two backends behind one handle.
 */
#ifndef BS_OBJSTORE_INTERNAL_H
#define BS_OBJSTORE_INTERNAL_H

#include <curl/curl.h>

#include "bs/objstore.h"

typedef enum { BS_OBJSTORE_S3, BS_OBJSTORE_FILE } bs_objstore_kind;

struct bs_objstore {
  bs_objstore_kind kind;
  char describe[4200];
  /* file:// */
  char root[4096];
  /* s3 */
  CURL *curl;
  char endpoint[512];
  char bucket[256];
  char sigv4[128];   /* "aws:amz:<region>:s3" */
  char userpwd[512]; /* "access:secret" */
};

/* Where a download reports its progress (bs_objstore_get_file_progress);
 * a NULL pointer or cb: nowhere. */
typedef struct bs_objstore_watch {
  bs_objstore_progress_cb cb;
  void *opaque;
} bs_objstore_watch;

/* file backend (objstore_file.c) */
bs_status bs_objstore_file_create_root(bs_objstore *s, char *errstr, size_t errstr_size);
bs_status bs_objstore_file_put(bs_objstore *s, const char *key, const void *buf, size_t len,
                               const char *src_path, char *errstr, size_t errstr_size);
bs_status bs_objstore_file_get(bs_objstore *s, const char *key, size_t max_len, void **buf,
                               size_t *len, const char *dst_path, const bs_objstore_watch *watch,
                               char *errstr, size_t errstr_size);
bs_status bs_objstore_file_head(bs_objstore *s, const char *key, bs_object_info *info, char *errstr,
                                size_t errstr_size);
bs_status bs_objstore_file_delete(bs_objstore *s, const char *key, char *errstr,
                                  size_t errstr_size);
bs_status bs_objstore_file_list(bs_objstore *s, const char *prefix, bs_objstore_list_cb cb,
                                void *opaque, char *errstr, size_t errstr_size);

/* S3 backend (objstore_s3.c) */
bs_status bs_objstore_s3_create_bucket(bs_objstore *s, char *errstr, size_t errstr_size);
bs_status bs_objstore_s3_put(bs_objstore *s, const char *key, const void *buf, size_t len,
                             const char *src_path, const char *content_type, char *errstr,
                             size_t errstr_size);
bs_status bs_objstore_s3_get(bs_objstore *s, const char *key, size_t max_len, void **buf,
                             size_t *len, const char *dst_path, const bs_objstore_watch *watch,
                             char *errstr, size_t errstr_size);
bs_status bs_objstore_s3_head(bs_objstore *s, const char *key, bs_object_info *info, char *errstr,
                              size_t errstr_size);
bs_status bs_objstore_s3_delete(bs_objstore *s, const char *key, char *errstr, size_t errstr_size);
bs_status bs_objstore_s3_list(bs_objstore *s, const char *prefix, bs_objstore_list_cb cb,
                              void *opaque, char *errstr, size_t errstr_size);

/* S3's XML answers (objstore_s3_answer.c, libxml2). Larger answers are
 * refused; a malformed one, or one with a DTD, is a permanent error. */
#define BS_S3_ANSWER_MAX (64 << 20)

/* An error document's <Code> and <Message> (each "" if absent; a long
 * text is cut). On failure code is "" and errstr says why. */
bs_status bs_objstore_s3_parse_error(const char *xml, size_t len, char *code, size_t code_size,
                                     char *message, size_t message_size, char *errstr,
                                     size_t errstr_size) __attribute__((warn_unused_result));

/* One ListObjectsV2 page: cb(opaque, Key, Size) for each <Contents> in
 * order until it returns non-zero (then *stopped = 1); token receives the
 * NextContinuationToken when IsTruncated is true, else "". */
bs_status bs_objstore_s3_parse_list(const char *xml, size_t len, bs_objstore_list_cb cb,
                                    void *opaque, int *stopped, char *token, size_t token_size,
                                    char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
