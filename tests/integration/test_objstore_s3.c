/*
 * test_objstore_s3.c - the S3 backend against the real S3Proxy (aws-v4
 * authorization): awkward keys, 1,500 objects listed across pages,
 * streaming, NOT_FOUND, requests refused when unsigned or signed with
 * the wrong secret while ours succeed, and an upload refused when its body
 * is not the one its signed Content-MD5 names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bs/objstore.h"
#include "test_stack.h"

static char prefix[64];

static bs_objstore *open_store(const char *secret) {
  bs_objstore_options opt = {.url = "s3",
                             .endpoint = getenv("BMDSTREAM_S3_ENDPOINT"),
                             .bucket = getenv("BMDSTREAM_S3_BUCKET"),
                             .region = getenv("BMDSTREAM_S3_REGION"),
                             .access_key = getenv("BMDSTREAM_S3_ACCESS_KEY"),
                             .secret_key = secret ? secret : getenv("BMDSTREAM_S3_SECRET_KEY")};
  bs_objstore *s = NULL;
  char err[512];
  bs_status st = bs_objstore_new(&opt, &s, err, sizeof(err));
  if (st != BS_OK)
    fail_msg("%s", err);
  return s;
}

static int count_keys(void *o, const char *k, uint64_t sz) {
  (void)k;
  (void)sz;
  (*(int *)o)++;
  return 0;
}

/* bs_objstore_progress_cb: the counts told, which must grow. */
typedef struct told {
  uint64_t last;
  int calls, grew;
} told;

static void told_cb(void *opaque, uint64_t received) {
  told *t = opaque;
  if (t->calls > 0 && received <= t->last)
    t->grew = 0;
  t->last = received;
  t->calls++;
}

static void test_awkward_keys_round_trip(void **state) {
  (void)state;
  bs_objstore *s = open_store(NULL);
  const char *names[] = {"with space.txt", "plus+sign.txt", "per%cent.txt", "ünïcödé/日本.txt",
                         "mixed a+b%c d/e~f.json.gz"};
  char key[256], err[1024];
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    snprintf(key, sizeof(key), "%s/keys/%s", prefix, names[i]);
    char body[64];
    int n = snprintf(body, sizeof(body), "body of %zu", i);
    bs_status st = bs_objstore_put(s, key, body, (size_t)n, "text/plain", err, sizeof(err));
    if (st != BS_OK)
      fail_msg("put %s: %s", key, err);
    void *got = NULL;
    size_t len = 0;
    st = bs_objstore_get(s, key, 1 << 20, &got, &len, err, sizeof(err));
    if (st != BS_OK)
      fail_msg("get %s: %s", key, err);
    assert_int_equal(len, (size_t)n);
    assert_memory_equal(got, body, len);
    free(got);
    bs_object_info info;
    assert_int_equal(bs_objstore_head(s, key, &info, err, sizeof(err)), BS_OK);
    assert_int_equal(info.size, (uint64_t)n);
    assert_true(strlen(info.etag) > 2);
  }
  /* Listing returns the keys decoded, in order. */
  snprintf(key, sizeof(key), "%s/keys/", prefix);
  int count = 0;
  assert_int_equal(bs_objstore_list(s, key, count_keys, &count, err, sizeof(err)), BS_OK);
  assert_int_equal(count, 5);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    snprintf(key, sizeof(key), "%s/keys/%s", prefix, names[i]);
    assert_int_equal(bs_objstore_delete(s, key, err, sizeof(err)), BS_OK);
    bs_object_info info;
    assert_int_equal(bs_objstore_head(s, key, &info, err, sizeof(err)), BS_ERR_NOT_FOUND);
  }
  void *got = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(s, key, 100, &got, &len, err, sizeof(err)), BS_ERR_NOT_FOUND);
  assert_non_null(strstr(err, "404"));
  bs_objstore_destroy(s);
}

typedef struct listing {
  int count;
  char last[256];
  int ordered;
} listing;

static int check_order(void *o, const char *k, uint64_t sz) {
  listing *l = o;
  if (l->count && strcmp(l->last, k) >= 0)
    l->ordered = 0;
  snprintf(l->last, sizeof(l->last), "%s", k);
  l->count++;
  assert_int_equal(sz, 4);
  return 0;
}

static void test_list_1500_across_pages(void **state) {
  (void)state;
  bs_objstore *s = open_store(NULL);
  char key[256], err[1024];
  for (int i = 0; i < 1500; i++) {
    snprintf(key, sizeof(key), "%s/many/obj %05d+", prefix, i);
    bs_status st = bs_objstore_put(s, key, "data", 4, NULL, err, sizeof(err));
    if (st != BS_OK)
      fail_msg("put %d: %s", i, err);
  }
  listing l = {0, "", 1};
  snprintf(key, sizeof(key), "%s/many/", prefix);
  assert_int_equal(bs_objstore_list(s, key, check_order, &l, err, sizeof(err)), BS_OK);
  assert_int_equal(l.count, 1500); /* more than one page of 1,000 */
  assert_true(l.ordered);
  for (int i = 0; i < 1500; i++) {
    snprintf(key, sizeof(key), "%s/many/obj %05d+", prefix, i);
    assert_int_equal(bs_objstore_delete(s, key, err, sizeof(err)), BS_OK);
  }
  bs_objstore_destroy(s);
}

static void test_streaming_file(void **state) {
  (void)state;
  bs_objstore *s = open_store(NULL);
  char src[] = "/tmp/bs-s3-src-XXXXXX", dst[] = "/tmp/bs-s3-dst-XXXXXX", key[256], err[1024];
  int fd = mkstemp(src);
  FILE *f = fdopen(fd, "wb");
  for (int i = 0; i < 3 * 1024 * 1024; i++)
    fputc((i * 31) % 256, f);
  fclose(f);
  close(mkstemp(dst));
  snprintf(key, sizeof(key), "%s/stream/big.bin", prefix);
  assert_int_equal(bs_objstore_put_file(s, key, src, NULL, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_get_file(s, key, dst, err, sizeof(err)), BS_OK);
  char cmd[200];
  snprintf(cmd, sizeof(cmd), "cmp -s %s %s", src, dst);
  assert_int_equal(system(cmd), 0);
  /* With progress: growing counts, the last one the whole object; an
   * error document (404) is not counted. */
  told t = {0, 0, 1};
  assert_int_equal(bs_objstore_get_file_progress(s, key, dst, told_cb, &t, err, sizeof(err)),
                   BS_OK);
  assert_true(t.calls >= 2 && t.grew);
  assert_int_equal(t.last, 3 * 1024 * 1024);
  assert_int_equal(system(cmd), 0);
  told none = {0, 0, 1};
  snprintf(key, sizeof(key), "%s/stream/missing.bin", prefix);
  assert_int_equal(bs_objstore_get_file_progress(s, key, dst, told_cb, &none, err, sizeof(err)),
                   BS_ERR_NOT_FOUND);
  assert_int_equal(none.calls, 0);
  /* A failed download leaves the earlier file as it was. */
  snprintf(key, sizeof(key), "%s/stream/missing.bin", prefix);
  assert_int_equal(bs_objstore_get_file(s, key, dst, err, sizeof(err)), BS_ERR_NOT_FOUND);
  assert_int_equal(system(cmd), 0);
  snprintf(key, sizeof(key), "%s/stream/big.bin", prefix);
  /* A size limit refuses instead of filling memory. */
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(s, key, 1000, &buf, &len, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_delete(s, key, err, sizeof(err)), BS_OK);
  unlink(src);
  unlink(dst);
  bs_objstore_destroy(s);
}

/* A bucket that does not exist is a configuration error (PERMANENT), not
 * an absent object, so callers do not read "not there yet". */
static void test_missing_bucket_is_permanent(void **state) {
  (void)state;
  bs_objstore_options opt = {.url = "s3",
                             .endpoint = getenv("BMDSTREAM_S3_ENDPOINT"),
                             .bucket = "bmdstream-no-such-bucket",
                             .region = getenv("BMDSTREAM_S3_REGION"),
                             .access_key = getenv("BMDSTREAM_S3_ACCESS_KEY"),
                             .secret_key = getenv("BMDSTREAM_S3_SECRET_KEY")};
  bs_objstore *s = NULL;
  char err[1024];
  assert_int_equal(bs_objstore_new(&opt, &s, err, sizeof(err)), BS_OK);
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(s, "k", 100, &buf, &len, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "NoSuchBucket"));
  bs_objstore_destroy(s);
}

static long raw_get(const char *url) {
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, NULL);
  FILE *devnull = fopen("/dev/null", "w");
  curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
  long code = 0;
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  fclose(devnull);
  return code;
}

static void test_unsigned_and_wrongly_signed_refused(void **state) {
  (void)state;
  char key[256], err[1024], url[1024];
  bs_objstore *good = open_store(NULL);
  snprintf(key, sizeof(key), "%s/auth/secret.txt", prefix);
  assert_int_equal(bs_objstore_put(good, key, "secret", 6, NULL, err, sizeof(err)), BS_OK);

  bs_objstore *wrong = open_store("not-the-secret");
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(wrong, key, 100, &buf, &len, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "HTTP 403"));
  assert_int_equal(bs_objstore_put(wrong, key, "x", 1, NULL, err, sizeof(err)), BS_ERR_PERMANENT);
  bs_objstore_destroy(wrong);

  char enc[512];
  bs_objstore_encode_key(key, enc, sizeof(enc));
  snprintf(url, sizeof(url), "%s/%s/%s", getenv("BMDSTREAM_S3_ENDPOINT"),
           getenv("BMDSTREAM_S3_BUCKET"), enc);
  assert_int_equal(raw_get(url), 403); /* no signature at all */

  assert_int_equal(bs_objstore_get(good, key, 100, &buf, &len, err, sizeof(err)), BS_OK);
  assert_memory_equal(buf, "secret", 6); /* and the object is intact */
  free(buf);
  assert_int_equal(bs_objstore_delete(good, key, err, sizeof(err)), BS_OK);
  bs_objstore_destroy(good);
}

/* A signed PUT, as objstore_s3.c sends it (UNSIGNED-PAYLOAD, Content-MD5
 * signed), whose Content-MD5 is md5 and whose body is body: the HTTP
 * status. */
static long signed_put(const char *url, const char *md5, const char *body) {
  char userpwd[512], sigv4[256], hdr_md5[64];
  snprintf(userpwd, sizeof(userpwd), "%s:%s", getenv("BMDSTREAM_S3_ACCESS_KEY"),
           getenv("BMDSTREAM_S3_SECRET_KEY"));
  snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", getenv("BMDSTREAM_S3_REGION"));
  snprintf(hdr_md5, sizeof(hdr_md5), "Content-MD5: %s", md5);
  struct curl_slist *h = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  h = curl_slist_append(h, hdr_md5);
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
  curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  FILE *devnull = fopen("/dev/null", "w");
  curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
  long code = 0;
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  fclose(devnull);
  return code;
}

/* An upload's body is not in its signature; its signed Content-MD5 is
 * what keeps it from changing unseen: a body that is not the one whose
 * MD5 was signed is refused (400 BadDigest) and the stored object stays. */
static void test_body_not_its_md5_refused(void **state) {
  (void)state;
  char key[256], err[1024], url[1024], enc[512];
  bs_objstore *s = open_store(NULL);
  snprintf(key, sizeof(key), "%s/digest/object.txt", prefix);
  assert_int_equal(bs_objstore_put(s, key, "secret", 6, NULL, err, sizeof(err)), BS_OK);
  bs_objstore_encode_key(key, enc, sizeof(enc));
  snprintf(url, sizeof(url), "%s/%s/%s", getenv("BMDSTREAM_S3_ENDPOINT"),
           getenv("BMDSTREAM_S3_BUCKET"), enc);
  /* base64 of MD5("secret") */
  const char *md5_of_secret = "Xr4ilOzQ4PCOq3aQ0qbuaQ==";
  assert_int_equal(signed_put(url, md5_of_secret, "tampered"), 400);
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(s, key, 100, &buf, &len, err, sizeof(err)), BS_OK);
  assert_int_equal(len, 6);
  assert_memory_equal(buf, "secret", 6);
  free(buf);
  assert_int_equal(signed_put(url, md5_of_secret, "secret"), 200); /* the right body passes */
  assert_int_equal(bs_objstore_delete(s, key, err, sizeof(err)), BS_OK);
  bs_objstore_destroy(s);
}

int main(void) {
  bs_test_env_or_exit("BMDSTREAM_S3_ENDPOINT");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  snprintf(prefix, sizeof(prefix), "test-%ld-%d", (long)time(NULL), (int)getpid());
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_awkward_keys_round_trip),
      cmocka_unit_test(test_list_1500_across_pages),
      cmocka_unit_test(test_streaming_file),
      cmocka_unit_test(test_missing_bucket_is_permanent),
      cmocka_unit_test(test_unsigned_and_wrongly_signed_refused),
      cmocka_unit_test(test_body_not_its_md5_refused),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
