/*
 * test_objstore.c - object store without a server: SigV4 key and query
 * encoding, error classes, the ListObjectsV2 reader, the file:// backend
 * end to end, and gzip round trips.
 *
 * Expected encodings are written from RFC 3986 §2.3 (unreserved set) and the
 * AWS SigV4 canonical-request rules, byte by byte, not taken from our output.
 * The gzip test also checks our output with the system gzip(1) when present.
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
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/src/objstore_int.h" /* white-box: the XML reader */
#include "bs/error.h"
#include "bs/objstore.h"

static void test_status_names(void **state) {
  (void)state;
  assert_string_equal(bs_status_name(BS_OK), "ok");
  assert_string_equal(bs_status_name(BS_ERR_RETRIABLE), "retriable");
  assert_string_equal(bs_status_name(BS_ERR_PERMANENT), "permanent");
  assert_string_equal(bs_status_name(BS_ERR_NOT_FOUND), "not-found");
  assert_string_equal(bs_status_name((bs_status)42), "unknown");
}

static void enc(const char *in, int keep_slash, const char *want) {
  char out[256];
  long n = bs_objstore_uri_encode(in, strlen(in), keep_slash, out, sizeof(out));
  assert_true(n >= 0);
  assert_string_equal(out, want);
  assert_int_equal((size_t)n, strlen(want));
}

static void test_key_encoding(void **state) {
  (void)state;
  enc("plain/key-1_2.3~x", 1, "plain/key-1_2.3~x");
  enc("with space/a+b", 1, "with%20space/a%2Bb");
  enc("100%/x", 1, "100%25/x");
  enc("a=b&c?d#e", 1, "a%3Db%26c%3Fd%23e");
  /* U+00E9 is C3 A9 in UTF-8; U+4E2D is E4 B8 AD; U+1F600 is F0 9F 98 80. */
  enc("caf\xc3\xa9/\xe4\xb8\xad/\xf0\x9f\x98\x80", 1, "caf%C3%A9/%E4%B8%AD/%F0%9F%98%80");
  enc("a/b", 0, "a%2Fb");
  enc("*'()!", 1, "%2A%27%28%29%21");
  char small[4];
  assert_int_equal(bs_objstore_uri_encode(" ", 1, 1, small, 3), -1);
  assert_int_equal(bs_objstore_uri_encode(" ", 1, 1, small, 4), 3);
}

static void test_key_check(void **state) {
  (void)state;
  char err[256];
  assert_int_equal(bs_objstore_key_check("a/b c/d.json.gz", err, sizeof(err)), 0);
  assert_int_equal(bs_objstore_key_check("a..b/.c", err, sizeof(err)), 0);
  const char *bad[] = {"", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", ".."};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    err[0] = '\0';
    assert_int_equal(bs_objstore_key_check(bad[i], err, sizeof(err)), -1);
    assert_true(strlen(err) > 0);
  }
  char longkey[1100];
  memset(longkey, 'k', sizeof(longkey) - 1);
  longkey[sizeof(longkey) - 1] = '\0';
  assert_int_equal(bs_objstore_key_check(longkey, err, sizeof(err)), -1);
}

static void test_query_build(void **state) {
  (void)state;
  const char *names[] = {"prefix", "max-keys", "list-type", "continuation-token"};
  const char *values[] = {"runs/2026 a+b/", "1000", "2", "1/ab=+"};
  char *q = bs_objstore_query_build(4, names, values);
  assert_non_null(q);
  assert_string_equal(q, "continuation-token=1%2Fab%3D%2B&list-type=2&max-keys=1000&"
                         "prefix=runs%2F2026%20a%2Bb%2F");
  free(q);
  /* Valueless parameters are written "name=" (curl 7.88 would not). */
  const char *n2[] = {"uploads"};
  q = bs_objstore_query_build(1, n2, NULL);
  assert_string_equal(q, "uploads=");
  free(q);
  /* Sorting is by encoded name in byte order: uppercase before lowercase. */
  const char *n3[] = {"b", "a", "B", "a"};
  const char *v3[] = {"1", "2", "3", "1"};
  q = bs_objstore_query_build(4, n3, v3);
  assert_string_equal(q, "B=3&a=1&a=2&b=1");
  free(q);
  q = bs_objstore_query_build(0, NULL, NULL);
  assert_string_equal(q, "");
  free(q);
}

static void test_classify(void **state) {
  (void)state;
  assert_int_equal(bs_objstore_classify_http(200, NULL), BS_OK);
  assert_int_equal(bs_objstore_classify_http(204, NULL), BS_OK);
  assert_int_equal(bs_objstore_classify_http(404, "NoSuchKey"), BS_ERR_NOT_FOUND);
  assert_int_equal(bs_objstore_classify_http(404, NULL), BS_ERR_NOT_FOUND); /* HEAD */
  assert_int_equal(bs_objstore_classify_http(404, "NoSuchBucket"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_classify_http(403, "AccessDenied"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_classify_http(403, "SignatureDoesNotMatch"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_classify_http(400, "InvalidArgument"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_classify_http(400, "RequestTimeout"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_http(503, "SlowDown"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_http(500, "InternalError"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_http(502, NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_http(501, "NotImplemented"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_classify_http(429, NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_http(408, NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_http(409, "BucketAlreadyExists"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_classify_curl(CURLE_OK), BS_OK);
  assert_int_equal(bs_objstore_classify_curl(CURLE_COULDNT_CONNECT), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_curl(CURLE_OPERATION_TIMEDOUT), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_curl(CURLE_RECV_ERROR), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_curl(CURLE_GOT_NOTHING), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_classify_curl(CURLE_URL_MALFORMAT), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_classify_curl(CURLE_UNSUPPORTED_PROTOCOL), BS_ERR_PERMANENT);
}

typedef struct {
  char keys[64][128];
  uint64_t sizes[64];
  char etags[64][64];
  int n, stop_after;
} collected;

static int collect_cb(void *opaque, const bs_objstore_entry *e) {
  collected *c = opaque;
  if (c->n < 64) {
    snprintf(c->keys[c->n], sizeof(c->keys[0]), "%s", e->key);
    snprintf(c->etags[c->n], sizeof(c->etags[0]), "%s", e->etag ? e->etag : "");
    c->sizes[c->n] = e->size;
  }
  c->n++;
  return c->stop_after && c->n >= c->stop_after;
}

static void test_xml_list(void **state) {
  (void)state;
  const char *xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a &amp; b&lt;c&gt;+%.txt</Key><LastModified>2026-01-01T00:00:00Z"
      "</LastModified><ETag>&quot;0123abcd&quot;</ETag><Size>12345678901</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/caf&#233;&#x4E2D;</Key><ETag>\"ff\"</ETag><Size>0</Size></Contents>"
      "<NextContinuationToken>tok/en+=&amp;</NextContinuationToken></ListBucketResult>";
  collected c = {0};
  int truncated = 0;
  char *next = NULL;
  assert_int_equal(objstore_xml_parse_list(xml, strlen(xml), collect_cb, &c, &truncated, &next), 0);
  assert_int_equal(c.n, 2);
  assert_string_equal(c.keys[0], "p/a & b<c>+%.txt");
  assert_true(c.sizes[0] == 12345678901ULL);
  assert_string_equal(c.etags[0], "0123abcd");
  assert_string_equal(c.keys[1], "p/caf\xc3\xa9\xe4\xb8\xad");
  assert_string_equal(c.etags[1], "ff");
  assert_true(truncated);
  assert_string_equal(next, "tok/en+=&");
  free(next);

  /* encoding-type=url answers: S3 writes a space as '+', S3Proxy as %20. */
  const char *urlenc = "<ListBucketResult><EncodingType>url</EncodingType>"
                       "<IsTruncated>false</IsTruncated>"
                       "<Contents><Key>a+b%20c%2Bd%0Ae%C3%A9</Key><Size>1</Size></Contents>"
                       "</ListBucketResult>";
  memset(&c, 0, sizeof(c));
  assert_int_equal(
      objstore_xml_parse_list(urlenc, strlen(urlenc), collect_cb, &c, &truncated, &next), 0);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.keys[0], "a b c+d\ne\xc3\xa9");
  const char *badenc = "<ListBucketResult><EncodingType>url</EncodingType>"
                       "<Contents><Key>a%4</Key><Size>1</Size></Contents></ListBucketResult>";
  assert_int_equal(
      objstore_xml_parse_list(badenc, strlen(badenc), collect_cb, &c, &truncated, &next), -1);

  const char *last = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
  memset(&c, 0, sizeof(c));
  assert_int_equal(objstore_xml_parse_list(last, strlen(last), collect_cb, &c, &truncated, &next),
                   0);
  assert_int_equal(c.n, 0);
  assert_false(truncated);
  assert_null(next);

  const char *bad[] = {"<Error><Code>AccessDenied</Code></Error>",
                       "<ListBucketResult><Contents><Key>a</Key><Size>1</Size>",
                       "<ListBucketResult><Contents><Key>a&bogus;</Key><Size>1</Size></Contents>"
                       "</ListBucketResult>",
                       "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    memset(&c, 0, sizeof(c));
    assert_int_equal(
        objstore_xml_parse_list(bad[i], strlen(bad[i]), collect_cb, &c, &truncated, &next), -1);
    assert_null(next);
  }
  const char *err = "<Error><Code>SignatureDoesNotMatch</Code><Message>a &amp; b</Message>";
  char *code = objstore_xml_text(err, err + strlen(err), "Code", NULL);
  char *msg = objstore_xml_text(err, err + strlen(err), "Message", NULL);
  assert_string_equal(code, "SignatureDoesNotMatch");
  assert_string_equal(msg, "a & b");
  free(code);
  free(msg);
}

static char tmp_root[256];

static bs_objstore *file_store(void) {
  snprintf(tmp_root, sizeof(tmp_root), "/tmp/bs-objstore-test.XXXXXX");
  assert_non_null(mkdtemp(tmp_root));
  char url[300];
  snprintf(url, sizeof(url), "file://%s/root", tmp_root);
  bs_objstore_options o = bs_objstore_options_default();
  o.url = url;
  char err[512];
  bs_objstore *s = bs_objstore_new(&o, err, sizeof(err));
  assert_non_null(s);
  assert_string_equal(bs_objstore_kind(s), "file");
  assert_int_equal(bs_objstore_last_http_status(s), 0);
  assert_int_equal(bs_objstore_bucket_create(s, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_bucket_create(s, err, sizeof(err)), BS_OK); /* idempotent */
  return s;
}

static void file_store_done(bs_objstore *s) {
  bs_objstore_destroy(s);
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
  assert_int_equal(system(cmd), 0);
}

static void test_file_backend(void **state) {
  (void)state;
  char err[512];
  bs_objstore *s = file_store();
  const char *keys[] = {"runs/r1/a b+c%.json", "runs/r1/caf\xc3\xa9.txt", "runs/r2/x/y/z.bin",
                        "runsX", "other/1"};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(bs_objstore_put(s, keys[i], keys[i], strlen(keys[i]), NULL, err, sizeof(err)),
                     BS_OK);

  void *data = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(s, keys[0], 0, &data, &len, err, sizeof(err)), BS_OK);
  assert_int_equal(len, strlen(keys[0]));
  assert_memory_equal(data, keys[0], len);
  assert_int_equal(((char *)data)[len], '\0');
  free(data);
  /* Over the limit: refused, nothing returned. */
  assert_int_equal(bs_objstore_get(s, keys[0], 4, &data, &len, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_null(data);

  /* Overwrite; head gives size and the MD5 of the content. MD5("abc") is
   * 900150983cd24fb0d6963f7d28e17f72 (RFC 1321 test suite). */
  assert_int_equal(bs_objstore_put(s, keys[0], "abc", 3, NULL, err, sizeof(err)), BS_OK);
  bs_objstore_info info;
  assert_int_equal(bs_objstore_head(s, keys[0], &info, err, sizeof(err)), BS_OK);
  assert_true(info.size == 3);
  assert_string_equal(info.etag, "900150983cd24fb0d6963f7d28e17f72");

  /* Missing keys, and a "directory" that is not an object. */
  assert_int_equal(bs_objstore_head(s, "runs/nope", &info, err, sizeof(err)), BS_ERR_NOT_FOUND);
  assert_int_equal(bs_objstore_head(s, "runs/r1", &info, err, sizeof(err)), BS_ERR_NOT_FOUND);
  assert_int_equal(bs_objstore_get(s, "no/such/key", 0, &data, &len, err, sizeof(err)),
                   BS_ERR_NOT_FOUND);
  assert_non_null(strstr(err, "no such key"));
  assert_int_equal(bs_objstore_put(s, "a/../b", "x", 1, NULL, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_put(s, "runsX/under-a-file", "x", 1, NULL, err, sizeof(err)),
                   BS_ERR_PERMANENT);

  /* Listing with prefix, in byte order ("runsX" sorts after "runs/"). */
  collected c = {0};
  assert_int_equal(bs_objstore_list(s, "runs", collect_cb, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(c.n, 4);
  assert_string_equal(c.keys[0], keys[0]);
  assert_string_equal(c.keys[1], keys[1]);
  assert_string_equal(c.keys[2], keys[2]);
  assert_string_equal(c.keys[3], "runsX");
  assert_true(c.sizes[0] == 3);
  memset(&c, 0, sizeof(c));
  assert_int_equal(bs_objstore_list(s, "runs/r1/", collect_cb, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(c.n, 2);
  memset(&c, 0, sizeof(c));
  assert_int_equal(bs_objstore_list(s, NULL, collect_cb, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(c.n, 5);
  assert_string_equal(c.keys[0], "other/1");
  memset(&c, 0, sizeof(c));
  assert_int_equal(bs_objstore_list(s, "zzz", collect_cb, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(c.n, 0);
  /* The callback can stop the listing. */
  memset(&c, 0, sizeof(c));
  c.stop_after = 2;
  assert_int_equal(bs_objstore_list(s, NULL, collect_cb, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(c.n, 2);

  /* Delete (twice: the second is a no-op) removes emptied directories. */
  assert_int_equal(bs_objstore_del(s, keys[2], err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_del(s, keys[2], err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_head(s, keys[2], NULL, err, sizeof(err)), BS_ERR_NOT_FOUND);
  char dir[400];
  struct stat sb;
  snprintf(dir, sizeof(dir), "%s/root/runs/r2", tmp_root);
  assert_int_equal(stat(dir, &sb), -1);
  snprintf(dir, sizeof(dir), "%s/root/runs/r1", tmp_root);
  assert_int_equal(stat(dir, &sb), 0);
  file_store_done(s);
}

static void test_file_pagination(void **state) {
  (void)state;
  char err[512], key[64];
  bs_objstore *s = file_store();
  for (int i = 0; i < 25; i++) {
    snprintf(key, sizeof(key), "p/%03d", i);
    assert_int_equal(bs_objstore_put(s, key, "", 0, NULL, err, sizeof(err)), BS_OK);
  }
  char *token = NULL;
  int pages = 0, total = 0;
  do {
    collected c = {0};
    char *next = NULL;
    assert_int_equal(
        bs_objstore_list_page(s, "p/", token, 10, collect_cb, &c, &next, err, sizeof(err)), BS_OK);
    for (int i = 0; i < c.n; i++) {
      snprintf(key, sizeof(key), "p/%03d", total + i);
      assert_string_equal(c.keys[i], key);
    }
    total += c.n;
    pages++;
    free(token);
    token = next;
  } while (token);
  assert_int_equal(pages, 3);
  assert_int_equal(total, 25);
  file_store_done(s);
}

static void test_file_streaming(void **state) {
  (void)state;
  char err[512], src[400], dst[400];
  bs_objstore *s = file_store();
  snprintf(src, sizeof(src), "%s/src.bin", tmp_root);
  snprintf(dst, sizeof(dst), "%s/dst.bin", tmp_root);
  FILE *fp = fopen(src, "wb");
  for (int i = 0; i < 300000; i++)
    fputc((int)(((unsigned)i * 7919u) & 0xffu), fp);
  fclose(fp);
  /* put_file sends from the current position to the end. */
  fp = fopen(src, "rb");
  fseek(fp, 1000, SEEK_SET);
  assert_int_equal(bs_objstore_put_file(s, "big/from-1000", fp, NULL, err, sizeof(err)), BS_OK);
  fclose(fp);
  assert_int_equal(bs_objstore_put_path(s, "big/all", src, NULL, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_objstore_get_path(s, "big/all", dst, err, sizeof(err)), BS_OK);
  bs_objstore_info info;
  assert_int_equal(bs_objstore_head(s, "big/from-1000", &info, err, sizeof(err)), BS_OK);
  assert_true(info.size == 299000);
  fp = fopen(dst, "rb");
  int ok = 1;
  for (int i = 0; i < 300000; i++)
    ok &= fgetc(fp) == ((int)(((unsigned)i * 7919u) & 0xffu));
  ok &= fgetc(fp) == EOF;
  fclose(fp);
  assert_true(ok);
  /* A failed get_path leaves no file behind. */
  assert_int_equal(bs_objstore_get_path(s, "big/missing", dst, err, sizeof(err)), BS_ERR_NOT_FOUND);
  struct stat sb;
  assert_int_equal(stat(dst, &sb), 0); /* the earlier download is untouched */
  file_store_done(s);
}

static void test_options(void **state) {
  (void)state;
  char err[512];
  bs_objstore_options o = bs_objstore_options_default();
  assert_string_equal(o.region, "us-east-1");
  o.url = "ftp://x";
  assert_null(bs_objstore_new(&o, err, sizeof(err)));
  assert_non_null(strstr(err, "unknown scheme"));
  o.url = "file://relative";
  assert_null(bs_objstore_new(&o, err, sizeof(err)));
  o.url = "s3://bucket";
  assert_null(bs_objstore_new(&o, err, sizeof(err))); /* no endpoint or keys */
  assert_non_null(strstr(err, "no endpoint"));
  o.endpoint = "http://127.0.0.1:1";
  o.access_key = "ak";
  o.secret_key = "sk";
  o.connect_timeout_ms = 2000;
  bs_objstore *s = bs_objstore_new(&o, err, sizeof(err));
  assert_non_null(s);
  assert_string_equal(bs_objstore_kind(s), "s3");
  /* Nothing listens on port 1: a connection failure is retriable. */
  assert_int_equal(bs_objstore_put(s, "k", "v", 1, NULL, err, sizeof(err)), BS_ERR_RETRIABLE);
  bs_objstore_destroy(s);
  bs_objstore_destroy(NULL);
  o.url = "s3";
  assert_null(bs_objstore_new(&o, err, sizeof(err))); /* no bucket */
  o.bucket = "b";
  assert_null(bs_objstore_new(&o, err, sizeof(err))); /* too short */
  o.bucket = "a bucket";
  assert_null(bs_objstore_new(&o, err, sizeof(err)));
  assert_non_null(strstr(err, "bad bucket name"));
  o.bucket = "bmdstream-data.v1";
  s = bs_objstore_new(&o, err, sizeof(err));
  assert_non_null(s);
  bs_objstore_destroy(s);

  setenv("BMDSTREAM_OBJECT_STORE", "s3", 1);
  setenv("BMDSTREAM_S3_ENDPOINT", "http://127.0.0.1:9000", 1);
  setenv("BMDSTREAM_S3_BUCKET", "bk", 1);
  setenv("BMDSTREAM_S3_REGION", "", 1);
  o = bs_objstore_options_from_env();
  assert_string_equal(o.url, "s3");
  assert_string_equal(o.endpoint, "http://127.0.0.1:9000");
  assert_string_equal(o.bucket, "bk");
  assert_string_equal(o.region, "us-east-1"); /* empty = default */
}

static void test_gzip(void **state) {
  (void)state;
  char err[256];
  size_t n = 200000;
  char *text = malloc(n);
  for (size_t i = 0; i < n; i++)
    text[i] = "{\"probe\": 1.25, \"dose\": [0, 1, 3]}\n"[i % 35];
  void *gz = NULL, *back = NULL;
  size_t gz_len = 0, back_len = 0;
  assert_int_equal(bs_gzip_compress(text, n, 6, &gz, &gz_len, err, sizeof(err)), BS_OK);
  assert_true(gz_len < n / 20);
  /* RFC 1952: magic 1f 8b, method 8 (deflate); ISIZE = n mod 2^32 at the end. */
  const unsigned char *g = gz;
  assert_int_equal(g[0], 0x1f);
  assert_int_equal(g[1], 0x8b);
  assert_int_equal(g[2], 8);
  uint32_t isize = (uint32_t)g[gz_len - 4] | (uint32_t)g[gz_len - 3] << 8 |
                   (uint32_t)g[gz_len - 2] << 16 | (uint32_t)g[gz_len - 1] << 24;
  assert_int_equal(isize, n);
  assert_int_equal(bs_gzip_decompress(gz, gz_len, 0, &back, &back_len, err, sizeof(err)), BS_OK);
  assert_int_equal(back_len, n);
  assert_memory_equal(back, text, n);
  free(back);

  /* Independent peer: gzip(1) must read our output. */
  if (system("command -v gzip >/dev/null 2>&1") == 0) {
    char path[] = "/tmp/bs-gz-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, gz, gz_len), (ssize_t)gz_len);
    close(fd);
    char plain[] = "/tmp/bs-gz-plain.XXXXXX";
    fd = mkstemp(plain);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "gzip -dc < %s | cmp -s - %s", path, plain);
    assert_int_equal(system(cmd), 0);
    /* ...and we must read gzip(1)'s output. */
    snprintf(cmd, sizeof(cmd), "gzip -9c < %s > %s", plain, path);
    assert_int_equal(system(cmd), 0);
    FILE *fp = fopen(path, "rb");
    unsigned char *peer = malloc(n);
    size_t peer_len = fread(peer, 1, n, fp);
    fclose(fp);
    assert_int_equal(bs_gzip_decompress(peer, peer_len, 0, &back, &back_len, err, sizeof(err)),
                     BS_OK);
    assert_int_equal(back_len, n);
    assert_memory_equal(back, text, n);
    free(back);
    free(peer);
    unlink(path);
    unlink(plain);
  }

  /* Guard against bombs, truncation and garbage. */
  assert_int_equal(bs_gzip_decompress(gz, gz_len, n - 1, &back, &back_len, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "limit"));
  assert_int_equal(bs_gzip_decompress(gz, gz_len - 9, 0, &back, &back_len, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_int_equal(bs_gzip_decompress("not gzip", 8, 0, &back, &back_len, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_null(back);

  /* Two concatenated members read as one stream; the empty input too. */
  unsigned char *two = malloc(2 * gz_len);
  memcpy(two, gz, gz_len);
  memcpy(two + gz_len, gz, gz_len);
  assert_int_equal(bs_gzip_decompress(two, 2 * gz_len, 0, &back, &back_len, err, sizeof(err)),
                   BS_OK);
  assert_int_equal(back_len, 2 * n);
  free(back);
  free(two);
  free(gz);
  assert_int_equal(bs_gzip_compress("", 0, -1, &gz, &gz_len, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_gzip_decompress(gz, gz_len, 0, &back, &back_len, err, sizeof(err)), BS_OK);
  assert_int_equal(back_len, 0);
  free(back);
  free(gz);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_names),   cmocka_unit_test(test_key_encoding),
      cmocka_unit_test(test_key_check),      cmocka_unit_test(test_query_build),
      cmocka_unit_test(test_classify),       cmocka_unit_test(test_xml_list),
      cmocka_unit_test(test_file_backend),   cmocka_unit_test(test_file_pagination),
      cmocka_unit_test(test_file_streaming), cmocka_unit_test(test_options),
      cmocka_unit_test(test_gzip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
