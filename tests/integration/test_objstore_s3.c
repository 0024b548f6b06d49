/*
 * test_objstore_s3.c - the S3 backend against a real SigV4-checking server
 * (S3Proxy with aws-v4 authorization from scripts/stack.sh).
 *
 * Reads BMDSTREAM_S3_ENDPOINT, _BUCKET, _REGION, _ACCESS_KEY, _SECRET_KEY;
 * without them every test is skipped. All keys live under a per-run prefix
 * ("it-objstore/<time>-<pid>/") so concurrent runs do not collide, and are
 * deleted at the end.
 *
 * Independent checks: content compared byte for byte; ETags compared with
 * OpenSSL's MD5 of the content (S3's ETag of a single-part upload); the
 * server itself decides whether a signature is valid, and a request with a
 * wrong secret or no signature must be refused with 403.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bs/objstore.h"

static bs_objstore_options opts;
static char prefix[128];
static int configured;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bs_objstore *store_new(void) {
  char err[512];
  bs_objstore *s = bs_objstore_new(&opts, err, sizeof(err));
  if (!s)
    fail_msg("bs_objstore_new: %s", err);
  return s;
}

static int setup(void **state) {
  (void)state;
  opts = bs_objstore_options_from_env();
  opts.url = "s3";
  configured = opts.endpoint && opts.bucket && opts.access_key && opts.secret_key;
  if (!configured) {
    fprintf(stderr, "test_objstore_s3: BMDSTREAM_S3_ENDPOINT, _BUCKET, _ACCESS_KEY and "
                    "_SECRET_KEY are not all set: skipping (start the stack and source its "
                    "env lines to run)\n");
    return 0;
  }
  snprintf(prefix, sizeof(prefix), "it-objstore/%ld-%ld/", (long)time(NULL), (long)getpid());
  bs_objstore *s = store_new();
  char err[512];
  bs_status st = bs_objstore_bucket_create(s, err, sizeof(err));
  if (st != BS_OK)
    fprintf(stderr, "bucket create: %s\n", err);
  bs_objstore_destroy(s);
  return st == BS_OK ? 0 : -1;
}

#define REQUIRE_S3()                                                                               \
  do {                                                                                             \
    if (!configured)                                                                               \
      skip();                                                                                      \
  } while (0)

static void md5_hex(const void *p, size_t n, char hex[33]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(p, n, md, &len, EVP_md5(), NULL);
  for (unsigned i = 0; i < len; i++)
    sprintf(hex + 2 * i, "%02x", md[i]);
}

typedef struct {
  char **keys;
  size_t n, cap;
} key_list;

static int collect_cb(void *opaque, const bs_objstore_entry *e) {
  key_list *l = opaque;
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->keys = realloc(l->keys, l->cap * sizeof(*l->keys));
  }
  l->keys[l->n++] = strdup(e->key);
  return 0;
}

static void key_list_free(key_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->keys[i]);
  free(l->keys);
  memset(l, 0, sizeof(*l));
}

static void test_awkward_keys(void **state) {
  (void)state;
  REQUIRE_S3();
  char err[512], key[512];
  bs_objstore *s = store_new();
  /* Sorted in byte order, as ListObjectsV2 returns them. */
  const char *names[] = {"a b/c d.txt",
                         "a+b+c.json",
                         "and&eq=q?.bin",
                         "caf\xc3\xa9/\xe4\xb8\xad\xe6\x96\x87.gz",
                         "ctl\tline\nbreak",
                         "pct%20literal%.txt",
                         "tilde~star*(paren)'quote'!.x"};
  const size_t n = sizeof(names) / sizeof(*names);
  for (size_t i = 0; i < n; i++) {
    snprintf(key, sizeof(key), "%skeys/%s", prefix, names[i]);
    char body[600];
    int len = snprintf(body, sizeof(body), "content of <%s> #%zu", key, i);
    bs_status st = bs_objstore_put(s, key, body, (size_t)len, "text/plain", err, sizeof(err));
    if (st != BS_OK)
      fail_msg("put '%s': %s", key, err);

    bs_objstore_info info;
    assert_int_equal(bs_objstore_head(s, key, &info, err, sizeof(err)), BS_OK);
    assert_true(info.size == (uint64_t)len);
    char md5[33];
    md5_hex(body, (size_t)len, md5);
    assert_string_equal(info.etag, md5);

    void *data = NULL;
    size_t got = 0;
    assert_int_equal(bs_objstore_get(s, key, 0, &data, &got, err, sizeof(err)), BS_OK);
    assert_int_equal(got, (size_t)len);
    assert_memory_equal(data, body, got);
    free(data);
  }
  key_list l = {0};
  snprintf(key, sizeof(key), "%skeys/", prefix);
  assert_int_equal(bs_objstore_list(s, key, collect_cb, &l, err, sizeof(err)), BS_OK);
  assert_int_equal(l.n, n);
  for (size_t i = 0; i < n; i++) {
    snprintf(key, sizeof(key), "%skeys/%s", prefix, names[i]);
    assert_string_equal(l.keys[i], key);
  }
  key_list_free(&l);
  for (size_t i = 0; i < n; i++) {
    snprintf(key, sizeof(key), "%skeys/%s", prefix, names[i]);
    assert_int_equal(bs_objstore_del(s, key, err, sizeof(err)), BS_OK);
    assert_int_equal(bs_objstore_head(s, key, NULL, err, sizeof(err)), BS_ERR_NOT_FOUND);
    assert_int_equal(bs_objstore_last_http_status(s), 404);
  }
  bs_objstore_destroy(s);
}

static void test_missing_key(void **state) {
  (void)state;
  REQUIRE_S3();
  char err[512], key[256];
  bs_objstore *s = store_new();
  snprintf(key, sizeof(key), "%snever/written", prefix);
  void *data = (void *)1;
  size_t len = 1;
  assert_int_equal(bs_objstore_get(s, key, 0, &data, &len, err, sizeof(err)), BS_ERR_NOT_FOUND);
  assert_null(data);
  assert_int_equal(bs_objstore_last_http_status(s), 404);
  assert_non_null(strstr(err, "NoSuchKey"));
  assert_int_equal(bs_objstore_head(s, key, NULL, err, sizeof(err)), BS_ERR_NOT_FOUND);
  assert_int_equal(bs_objstore_del(s, key, err, sizeof(err)), BS_OK); /* S3: 204 */
  bs_objstore_destroy(s);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_pagination_1500(void **state) {
  (void)state;
  REQUIRE_S3();
  enum { N = 1500 };
  char err[512], key[256], pfx[200];
  bs_objstore *s = store_new();
  snprintf(pfx, sizeof(pfx), "%smany/", prefix);
  /* Random-ish names so byte order differs from insertion order. */
  char **want = calloc(N, sizeof(*want));
  double t0 = now_s();
  for (int i = 0; i < N; i++) {
    unsigned h = (unsigned)i * 2654435761u;
    snprintf(key, sizeof(key), "%s%08x %d", pfx, h, i);
    want[i] = strdup(key);
    bs_status st = bs_objstore_put(s, key, key, strlen(key), NULL, err, sizeof(err));
    if (st != BS_OK)
      fail_msg("put %d: %s", i, err);
  }
  double t_put = now_s() - t0;
  qsort(want, N, sizeof(*want), cmp_str);

  /* Page by page: 1000 then 500. */
  t0 = now_s();
  key_list l = {0};
  char *token = NULL;
  assert_int_equal(
      bs_objstore_list_page(s, pfx, NULL, 1000, collect_cb, &l, &token, err, sizeof(err)), BS_OK);
  assert_int_equal(l.n, 1000);
  assert_non_null(token);
  char *token2 = NULL;
  assert_int_equal(
      bs_objstore_list_page(s, pfx, token, 1000, collect_cb, &l, &token2, err, sizeof(err)), BS_OK);
  assert_int_equal(l.n, N);
  assert_null(token2);
  free(token);
  double t_pages = now_s() - t0;
  for (int i = 0; i < N; i++)
    assert_string_equal(l.keys[i], want[i]);
  key_list_free(&l);

  /* The all-pages helper. */
  t0 = now_s();
  assert_int_equal(bs_objstore_list(s, pfx, collect_cb, &l, err, sizeof(err)), BS_OK);
  double t_list = now_s() - t0;
  assert_int_equal(l.n, N);
  for (int i = 0; i < N; i++)
    assert_string_equal(l.keys[i], want[i]);
  key_list_free(&l);

  t0 = now_s();
  for (int i = 0; i < N; i++) {
    assert_int_equal(bs_objstore_del(s, want[i], err, sizeof(err)), BS_OK);
    free(want[i]);
  }
  double t_del = now_s() - t0;
  free(want);
  fprintf(stderr,
          "objstore_s3: %d puts %.2f s (%.1f ms each); 2 list pages %.3f s; list() %.3f s; "
          "%d deletes %.2f s\n",
          N, t_put, 1e3 * t_put / N, t_pages, t_list, N, t_del);
  bs_objstore_destroy(s);
}

static void test_wrong_secret_refused(void **state) {
  (void)state;
  REQUIRE_S3();
  char err[512], key[256];
  snprintf(key, sizeof(key), "%sauth/probe", prefix);
  bs_objstore_options bad = opts;
  bad.secret_key = "definitely-not-the-secret";
  bs_objstore *s = bs_objstore_new(&bad, err, sizeof(err));
  assert_non_null(s);
  assert_int_equal(bs_objstore_put(s, key, "x", 1, NULL, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_last_http_status(s), 403);
  assert_non_null(strstr(err, "SignatureDoesNotMatch"));
  bs_objstore_destroy(s);

  s = store_new();
  assert_int_equal(bs_objstore_put(s, key, "x", 1, NULL, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_head(s, key, NULL, err, sizeof(err)), BS_OK);

  /* Unsigned requests (plain libcurl, no SigV4) are refused. */
  char url[600], enc[300];
  assert_true(bs_objstore_uri_encode(key, strlen(key), 1, enc, sizeof(enc)) > 0);
  snprintf(url, sizeof(url), "%s/%s/%s", opts.endpoint, opts.bucket, enc);
  const char *methods[] = {"GET", "DELETE"};
  for (int m = 0; m < 2; m++) {
    CURL *c = curl_easy_init();
    long code = 0;
    FILE *devnull = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, methods[m]);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    assert_int_equal(code, 403);
    curl_easy_cleanup(c);
    fclose(devnull);
  }
  /* ...and left the object alone. */
  assert_int_equal(bs_objstore_head(s, key, NULL, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_del(s, key, err, sizeof(err)), BS_OK);
  bs_objstore_destroy(s);
}

static void test_streaming_and_gzip(void **state) {
  (void)state;
  REQUIRE_S3();
  char err[512], key[256], src[] = "/tmp/bs-it-src.XXXXXX", dst[300];
  bs_objstore *s = store_new();
  /* 5 MiB of pseudo-random bytes through put_file / get_path. */
  size_t n = 5u << 20;
  unsigned char *buf = malloc(n);
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13; /* xorshift32 */
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (unsigned char)x;
  }
  int fd = mkstemp(src);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, buf, n), (ssize_t)n);
  close(fd);
  snprintf(key, sizeof(key), "%sstream/blob.bin", prefix);
  double t0 = now_s();
  assert_int_equal(bs_objstore_put_path(s, key, src, NULL, err, sizeof(err)), BS_OK);
  double t_put = now_s() - t0;
  snprintf(dst, sizeof(dst), "%s.out", src);
  t0 = now_s();
  assert_int_equal(bs_objstore_get_path(s, key, dst, err, sizeof(err)), BS_OK);
  double t_get = now_s() - t0;
  FILE *fp = fopen(dst, "rb");
  unsigned char *back = malloc(n + 1);
  assert_int_equal(fread(back, 1, n + 1, fp), n);
  fclose(fp);
  assert_memory_equal(back, buf, n);
  bs_objstore_info info;
  assert_int_equal(bs_objstore_head(s, key, &info, err, sizeof(err)), BS_OK);
  char md5[33];
  md5_hex(buf, n, md5);
  assert_string_equal(info.etag, md5);
  assert_true(info.size == n);
  /* get with a limit below the size is refused. */
  void *data = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(s, key, 1000, &data, &len, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_del(s, key, err, sizeof(err)), BS_OK);
  fprintf(stderr, "objstore_s3: 5 MiB put_path %.3f s, get_path %.3f s\n", t_put, t_get);
  unlink(src);
  unlink(dst);
  free(back);

  /* A *.json.gz object round trip. */
  const char *json = "{\"job\": \"j1\", \"values\": [1, 2, 3]}";
  void *gz = NULL;
  size_t gz_len = 0;
  assert_int_equal(bs_gzip_compress(json, strlen(json), 6, &gz, &gz_len, err, sizeof(err)), BS_OK);
  snprintf(key, sizeof(key), "%sstream/doc.json.gz", prefix);
  assert_int_equal(bs_objstore_put(s, key, gz, gz_len, "application/gzip", err, sizeof(err)),
                   BS_OK);
  free(gz);
  assert_int_equal(bs_objstore_get(s, key, 0, &data, &len, err, sizeof(err)), BS_OK);
  void *plain = NULL;
  size_t plain_len = 0;
  assert_int_equal(bs_gzip_decompress(data, len, 1 << 20, &plain, &plain_len, err, sizeof(err)),
                   BS_OK);
  assert_string_equal(plain, json);
  free(plain);
  free(data);
  assert_int_equal(bs_objstore_del(s, key, err, sizeof(err)), BS_OK);
  free(buf);
  bs_objstore_destroy(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_awkward_keys),         cmocka_unit_test(test_missing_key),
      cmocka_unit_test(test_wrong_secret_refused), cmocka_unit_test(test_streaming_and_gzip),
      cmocka_unit_test(test_pagination_1500),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
