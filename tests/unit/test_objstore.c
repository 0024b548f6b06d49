/*
 * test_objstore.c - key rules and encoding, error classes, XML extraction,
 * gzip, and the file:// backend end to end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/src/objstore_internal.h"
#include "bs/objstore.h"

static void test_key_encoding(void **state) {
  (void)state;
  char out[256];
  assert_int_equal(bs_objstore_encode_key("projects/1/a b+c%d~e_f.g-h", out, sizeof(out)), 32);
  assert_string_equal(out, "projects/1/a%20b%2Bc%25d~e_f.g-h");
  bs_objstore_encode_key("gène/µ", out, sizeof(out));
  assert_string_equal(out, "g%C3%A8ne/%C2%B5");
  bs_objstore_encode_query("dir/sub key", out, sizeof(out));
  assert_string_equal(out, "dir%2Fsub%20key");
  assert_int_equal(bs_objstore_encode_key("abc", out, 3), -1); /* no room for NUL */
}

static void test_key_rules(void **state) {
  (void)state;
  char err[256];
  assert_int_equal(bs_objstore_check_key("projects/1/experiments/2/matrix.bin", err, 256), 0);
  assert_int_equal(bs_objstore_check_key("a b/+%/ü", err, 256), 0);
  const char *bad[] = {"", "/abs", "a//b", "a/./b", "../x", "a/..", "tab\there", "end/"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_not_equal(bs_objstore_check_key(bad[i], err, sizeof(err)), 0);
}

static void test_status_classes(void **state) {
  (void)state;
  assert_int_equal(bs_objstore_status_from_http(200, NULL), BS_OK);
  assert_int_equal(bs_objstore_status_from_http(404, "NoSuchKey"), BS_ERR_NOT_FOUND);
  assert_int_equal(bs_objstore_status_from_http(403, "SignatureDoesNotMatch"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_status_from_http(400, "InvalidArgument"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_status_from_http(503, "SlowDown"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_status_from_http(500, NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_status_from_http(429, NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_status_from_http(0, NULL), BS_ERR_RETRIABLE);
}

static void test_xml_extraction(void **state) {
  (void)state;
  const char *xml = "<ListBucketResult><IsTruncated>true</IsTruncated>"
                    "<Contents><Key>a &amp; b/&#233;&#x20AC;&lt;x&gt;</Key><Size>12</Size>"
                    "</Contents><Contents><Key>c</Key><Size>3</Size></Contents>"
                    "<NextContinuationToken>tok/en+=</NextContinuationToken></ListBucketResult>";
  char out[128];
  const char *pos = NULL;
  assert_int_equal(bs_xml_next(xml, &pos, "Key", out, sizeof(out)), 0);
  assert_string_equal(out, "a & b/é€<x>");
  assert_int_equal(bs_xml_next(xml, &pos, "Key", out, sizeof(out)), 0);
  assert_string_equal(out, "c");
  assert_int_equal(bs_xml_next(xml, &pos, "Key", out, sizeof(out)), -1);
  pos = NULL;
  assert_int_equal(bs_xml_next(xml, &pos, "NextContinuationToken", out, sizeof(out)), 0);
  assert_string_equal(out, "tok/en+=");
}

static void test_gzip_round_trip(void **state) {
  (void)state;
  char text[5000];
  for (size_t i = 0; i < sizeof(text); i++)
    text[i] = (char)('a' + i % 7);
  void *gz = NULL, *back = NULL;
  size_t gz_len = 0, back_len = 0;
  char err[256];
  assert_int_equal(bs_gzip_compress(text, sizeof(text), &gz, &gz_len), 0);
  assert_true(gz_len < sizeof(text));
  assert_int_equal(((unsigned char *)gz)[0], 0x1f); /* gzip magic */
  assert_int_equal(bs_gzip_decompress(gz, gz_len, 1 << 20, &back, &back_len, err, 256), 0);
  assert_int_equal(back_len, sizeof(text));
  assert_memory_equal(back, text, sizeof(text));
  free(back);
  /* The limit and truncation are refused with a reason. */
  assert_int_equal(bs_gzip_decompress(gz, gz_len, 100, &back, &back_len, err, 256), -1);
  assert_non_null(strstr(err, "limit"));
  assert_int_equal(bs_gzip_decompress(gz, gz_len / 2, 1 << 20, &back, &back_len, err, 256), -1);
  free(gz);
}

typedef struct seen {
  char keys[16][64];
  int n;
} seen;

static int collect(void *opaque, const char *key, uint64_t size) {
  seen *s = opaque;
  (void)size;
  snprintf(s->keys[s->n++], 64, "%s", key);
  return s->n == 16;
}

static void test_file_backend(void **state) {
  (void)state;
  char dir[] = "/tmp/bs-objstore-XXXXXX", url[64], err[512];
  assert_non_null(mkdtemp(dir));
  snprintf(url, sizeof(url), "file://%s/store", dir);
  bs_objstore_options opt = {.url = url};
  bs_objstore *s = NULL;
  assert_int_equal(bs_objstore_new(&opt, &s, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_create_bucket(s, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_put(s, "p/1/b b+c.txt", "hello", 5, NULL, err, 512), BS_OK);
  assert_int_equal(bs_objstore_put(s, "p/1/a.txt", "x", 1, NULL, err, 512), BS_OK);
  assert_int_equal(bs_objstore_put(s, "p/2/z.txt", "zz", 2, NULL, err, 512), BS_OK);
  assert_int_equal(bs_objstore_put(s, "q.txt", "q", 1, NULL, err, 512), BS_OK);
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(s, "p/1/b b+c.txt", 100, &buf, &len, err, 512), BS_OK);
  assert_int_equal(len, 5);
  assert_memory_equal(buf, "hello", 5);
  free(buf);
  assert_int_equal(bs_objstore_get(s, "p/1/b b+c.txt", 3, &buf, &len, err, 512), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_get(s, "p/1/missing", 100, &buf, &len, err, 512), BS_ERR_NOT_FOUND);
  assert_int_equal(bs_objstore_get(s, "../escape", 100, &buf, &len, err, 512), BS_ERR_PERMANENT);
  bs_object_info info;
  assert_int_equal(bs_objstore_head(s, "p/2/z.txt", &info, err, 512), BS_OK);
  assert_int_equal(info.size, 2);
  assert_int_equal(bs_objstore_head(s, "p/2", &info, err, 512), BS_ERR_NOT_FOUND);

  seen found = {0};
  assert_int_equal(bs_objstore_list(s, "p/", collect, &found, err, 512), BS_OK);
  assert_int_equal(found.n, 3);
  assert_string_equal(found.keys[0], "p/1/a.txt");
  assert_string_equal(found.keys[1], "p/1/b b+c.txt");
  assert_string_equal(found.keys[2], "p/2/z.txt");
  memset(&found, 0, sizeof(found));
  assert_int_equal(bs_objstore_list(s, "p/1/a", collect, &found, err, 512), BS_OK);
  assert_int_equal(found.n, 1);

  char src[128], dst[128];
  snprintf(src, sizeof(src), "%s/src.bin", dir);
  snprintf(dst, sizeof(dst), "%s/dst.bin", dir);
  FILE *f = fopen(src, "wb");
  for (int i = 0; i < 200000; i++)
    fputc(i % 251, f);
  fclose(f);
  assert_int_equal(bs_objstore_put_file(s, "big/file.bin", src, NULL, err, 512), BS_OK);
  assert_int_equal(bs_objstore_get_file(s, "big/file.bin", dst, err, 512), BS_OK);
  assert_int_equal(bs_objstore_head(s, "big/file.bin", &info, err, 512), BS_OK);
  assert_int_equal(info.size, 200000);

  assert_int_equal(bs_objstore_delete(s, "p/1/a.txt", err, 512), BS_OK);
  assert_int_equal(bs_objstore_delete(s, "p/1/a.txt", err, 512), BS_OK); /* again: fine */
  assert_int_equal(bs_objstore_head(s, "p/1/a.txt", &info, err, 512), BS_ERR_NOT_FOUND);
  bs_objstore_destroy(s);
  bs_objstore_destroy(NULL);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

static void test_bad_settings(void **state) {
  (void)state;
  char err[512];
  bs_objstore *s = NULL;
  bs_objstore_options rel = {.url = "file://relative"};
  assert_int_equal(bs_objstore_new(&rel, &s, err, 512), BS_ERR_PERMANENT);
  bs_objstore_options nokey = {.url = "s3", .endpoint = "http://127.0.0.1:1", .bucket = "b"};
  assert_int_equal(bs_objstore_new(&nokey, &s, err, 512), BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "s3_access_key"));
  bs_objstore_options ftp = {.url = "ftp://x"};
  assert_int_equal(bs_objstore_new(&ftp, &s, err, 512), BS_ERR_PERMANENT);
}

static void test_unreachable_s3_is_retriable(void **state) {
  (void)state;
  char err[512];
  bs_objstore *s = NULL;
  bs_objstore_options opt = {.url = "s3",
                             .endpoint = "http://127.0.0.1:1",
                             .bucket = "b",
                             .region = "us-east-1",
                             .access_key = "a",
                             .secret_key = "b"};
  assert_int_equal(bs_objstore_new(&opt, &s, err, 512), BS_OK);
  assert_int_equal(bs_objstore_put(s, "k", "v", 1, NULL, err, 512), BS_ERR_RETRIABLE);
  assert_non_null(strstr(err, "S3 PUT /b/k"));
  bs_objstore_destroy(s);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key_encoding),    cmocka_unit_test(test_key_rules),
      cmocka_unit_test(test_status_classes),  cmocka_unit_test(test_xml_extraction),
      cmocka_unit_test(test_gzip_round_trip), cmocka_unit_test(test_file_backend),
      cmocka_unit_test(test_bad_settings),    cmocka_unit_test(test_unreachable_s3_is_retriable),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
