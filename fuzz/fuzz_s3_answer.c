/*
 * fuzz_s3_answer.c - an S3 server's XML answer (an error document or a
 * ListObjectsV2 page), parsed with libxml2. Both parsers either refuse it
 * with a reason or give bounded, NUL-terminated strings.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "objstore_internal.h"

static int count_keys_cb(void *opaque, const char *key, uint64_t size) {
  (void)size;
  if (!key)
    abort();
  (*(size_t *)opaque)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *xml = (const char *)data;
  char code[64], message[256], token[1024], err[512] = "";
  if (bs_objstore_s3_parse_error(xml, size, code, sizeof(code), message, sizeof(message), err,
                                 sizeof(err)) != BS_OK)
    bs_fuzz_require_reason(err, "bs_objstore_s3_parse_error");
  else if (strlen(code) >= sizeof(code) || strlen(message) >= sizeof(message))
    abort();
  size_t keys = 0;
  int stopped = 0;
  err[0] = '\0';
  if (bs_objstore_s3_parse_list(xml, size, count_keys_cb, &keys, &stopped, token, sizeof(token),
                                err, sizeof(err)) != BS_OK)
    bs_fuzz_require_reason(err, "bs_objstore_s3_parse_list");
  else if (strlen(token) >= sizeof(token))
    abort();
  return 0;
}
