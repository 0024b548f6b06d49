/*
 * test_objstore.c - key rules and encoding, error classes, S3's XML answers
 * (list pages, error documents; malformed ones and DTDs refused),
 * gzip, and the file:// backend end to end.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/services/objstore_internal.h"
#include "bs/objstore.h"

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

/* A key an event names must be its project's: under "projects/<id>/",
 * nothing that merely starts the same ("projects/12" for project 1), no
 * climbing out with "..", no absolute path, no other bucket's path. */
static void test_project_key_rules(void **state) {
  (void)state;
  char err[512];
  assert_int_equal(bs_objstore_check_project_key("projects/1/experiments/2/matrix.bin", 1, "k", err,
                                                 sizeof(err)),
                   0);
  assert_int_not_equal(bs_objstore_check_project_key("projects/12/x", 1, "data.f", err, 512), 0);
  assert_true(bs_err_is_forbidden(err));
  assert_non_null(strstr(err, "data.f \"projects/12/x\" is not under projects/1/"));
  assert_int_not_equal(bs_objstore_check_project_key("bucket2/projects/1/x", 1, "k", err, 512), 0);
  assert_true(bs_err_is_forbidden(err));
  assert_int_not_equal(bs_objstore_check_project_key("projects/1/../2/x", 1, "data.g", err, 512),
                       0);
  assert_false(bs_err_is_forbidden(err)); /* malformed, not someone else's */
  assert_non_null(strstr(err, "data.g: object key 'projects/1/../2/x'"));
  assert_int_not_equal(bs_objstore_check_project_key("/projects/1/x", 1, "k", err, 512), 0);
  assert_int_not_equal(bs_objstore_check_project_key("projects/0/x", 0, "k", err, 512), 0);
}

static void test_status_classes(void **state) {
  (void)state;
  assert_int_equal(bs_objstore_status_from_http(200, NULL), BS_OK);
  assert_int_equal(bs_objstore_status_from_http(404, "NoSuchKey"), BS_ERR_NOT_FOUND);
  assert_int_equal(bs_objstore_status_from_http(403, "SignatureDoesNotMatch"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_status_from_http(400, "InvalidArgument"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_status_from_http(503, "SlowDown"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_status_from_http(400, "BadDigest"), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_status_from_http(500, NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_status_from_http(429, NULL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_objstore_status_from_http(0, NULL), BS_ERR_RETRIABLE);
  /* A missing bucket is misconfiguration, not an absent object. */
  assert_int_equal(bs_objstore_status_from_http(404, "NoSuchBucket"), BS_ERR_PERMANENT);
  assert_int_equal(bs_objstore_status_from_http(404, NULL), BS_ERR_NOT_FOUND); /* HEAD */
}

typedef struct page {
  char keys[4][64];
  uint64_t sizes[4];
  int n, stop_after;
} page;

static int seen_cb(void *opaque, const char *key, uint64_t size) {
  page *l = opaque;
  if (l->n < 4) {
    snprintf(l->keys[l->n], sizeof(l->keys[0]), "%s", key);
    l->sizes[l->n] = size;
  }
  l->n++;
  return l->stop_after && l->n >= l->stop_after;
}

static bs_status parse_list(const char *xml, page *l, int *stopped, char *token, char *err) {
  return bs_objstore_s3_parse_list(xml, strlen(xml), seen_cb, l, stopped, token, 64, err, 256);
}

/* Predefined entities, character references and CDATA are plain XML and
 * come back decoded; S3's namespace does not matter. */
static void test_xml_list_page(void **state) {
  (void)state;
  const char *xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><IsTruncated>true</IsTruncated>"
      "<Contents><Key>a &amp; b/&#233;&#x20AC;&lt;x&gt;</Key><Size>12</Size></Contents>"
      "<Contents><Key><![CDATA[c<d>]]></Key><Size>3</Size></Contents>"
      "<Contents><Key>no size</Key></Contents>"
      "<NextContinuationToken>tok/en+=</NextContinuationToken></ListBucketResult>";
  page l = {0};
  int stopped = -1;
  char token[64], err[256];
  assert_int_equal(parse_list(xml, &l, &stopped, token, err), BS_OK);
  assert_int_equal(l.n, 3);
  assert_string_equal(l.keys[0], "a & b/é€<x>");
  assert_int_equal(l.sizes[0], 12);
  assert_string_equal(l.keys[1], "c<d>");
  assert_int_equal(l.sizes[1], 3);
  assert_string_equal(l.keys[2], "no size");
  assert_int_equal(l.sizes[2], 0);
  assert_int_equal(stopped, 0);
  assert_string_equal(token, "tok/en+=");
  /* The callback stops the walk. */
  page first = {.stop_after = 1};
  assert_int_equal(parse_list(xml, &first, &stopped, token, err), BS_OK);
  assert_int_equal(first.n, 1);
  assert_int_equal(stopped, 1);
  /* The last page: no token. */
  page none = {0};
  assert_int_equal(parse_list("<ListBucketResult><IsTruncated>false</IsTruncated>"
                              "<KeyCount>0</KeyCount></ListBucketResult>",
                              &none, &stopped, token, err),
                   BS_OK);
  assert_int_equal(none.n, 0);
  assert_string_equal(token, "");
}

static void test_xml_error_document(void **state) {
  (void)state;
  const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                    "<Message>The &quot;key&quot; does not exist</Message>"
                    "<Resource>/b/k</Resource></Error>";
  char code[32], message[64], err[256];
  assert_int_equal(bs_objstore_s3_parse_error(xml, strlen(xml), code, sizeof(code), message,
                                              sizeof(message), err, sizeof(err)),
                   BS_OK);
  assert_string_equal(code, "NoSuchKey");
  assert_string_equal(message, "The \"key\" does not exist");
  /* An HTML page from a proxy is not an S3 error document. */
  const char *html = "<html><body>Bad Gateway</body></html>";
  assert_int_equal(bs_objstore_s3_parse_error(html, strlen(html), code, sizeof(code), message,
                                              sizeof(message), err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_string_equal(code, "");
  assert_non_null(strstr(err, "expected <Error>"));
}

/* Malformed pages are errors, never a silently shorter listing. */
static void test_xml_malformed(void **state) {
  (void)state;
  const char *bad[] = {
      "",
      "not xml at all",
      "<ListBucketResult><Contents><Key>a</Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>&undefined;</Key></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>a</Key><Size>12x</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
      "<Error><Code>x</Code></Error>",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    page l = {0};
    int stopped = 0;
    char token[64], err[256] = "";
    assert_int_equal(parse_list(bad[i], &l, &stopped, token, err), BS_ERR_PERMANENT);
    assert_int_equal(l.n, 0);
    assert_true(strncmp(err, "S3 ", 3) == 0);
  }
  page l = {0};
  int stopped = 0;
  char token[64], err[256];
  assert_int_equal(parse_list("<ListBucketResult><Contents><Key>a", &l, &stopped, token, err),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "not well-formed XML (line 1:"));
  /* Larger than the limit: refused before it is read. */
  size_t huge = (size_t)BS_S3_ANSWER_MAX + 1;
  char *big = calloc(1, huge);
  assert_non_null(big);
  assert_int_equal(bs_objstore_s3_parse_list(big, huge, seen_cb, &l, &stopped, token, sizeof(token),
                                             err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "larger than the limit"));
  free(big);
}

/* A DTD is refused at <!DOCTYPE: an external entity (a local file, a URL
 * on a port we listen on) is neither fetched nor expanded, and nested
 * internal entities (the "billion laughs") are never expanded. */
static void test_xml_dtd_refused(void **state) {
  (void)state;
  char secret[] = "/tmp/bs_objstore_secret_XXXXXX";
  int fd = mkstemp(secret);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "TOP-SECRET", 10), 10);
  close(fd);
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof(addr);
  assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
  assert_int_equal(listen(lfd, 4), 0);
  assert_int_equal(getsockname(lfd, (struct sockaddr *)&addr, &alen), 0);
  int port = ntohs(addr.sin_port);
  char docs[4][1024];
  snprintf(docs[0], sizeof(docs[0]),
           "<!DOCTYPE ListBucketResult [<!ENTITY x SYSTEM \"file://%s\">]>"
           "<ListBucketResult><Contents><Key>&x;</Key></Contents></ListBucketResult>",
           secret);
  snprintf(docs[1], sizeof(docs[1]),
           "<!DOCTYPE ListBucketResult [<!ENTITY x SYSTEM \"http://127.0.0.1:%d/x\">]>"
           "<ListBucketResult><Contents><Key>&x;</Key></Contents></ListBucketResult>",
           port);
  snprintf(docs[2], sizeof(docs[2]),
           "<!DOCTYPE ListBucketResult SYSTEM \"http://127.0.0.1:%d/s3.dtd\">"
           "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>",
           port);
  snprintf(
      docs[3], sizeof(docs[3]), "%s",
      "<!DOCTYPE ListBucketResult [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
      "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
      "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
      "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i "
      "\"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
      "<ListBucketResult><Contents><Key>&i;</Key></Contents></ListBucketResult>");
  for (size_t i = 0; i < 4; i++) {
    page l = {0};
    int stopped = 0;
    char token[64], err[256] = "";
    assert_int_equal(parse_list(docs[i], &l, &stopped, token, err), BS_ERR_PERMANENT);
    assert_int_equal(l.n, 0);
    assert_non_null(strstr(err, "DTD"));
    char code[32], message[64];
    char error_doc[1100];
    snprintf(error_doc, sizeof(error_doc), "%.*s<Error><Code>&x;</Code></Error>",
             (int)(strstr(docs[i], "<ListBucketResult>") - docs[i]), docs[i]);
    assert_int_equal(bs_objstore_s3_parse_error(error_doc, strlen(error_doc), code, sizeof(code),
                                                message, sizeof(message), err, sizeof(err)),
                     BS_ERR_PERMANENT);
    assert_string_equal(code, "");
  }
  struct pollfd p = {lfd, POLLIN, 0};
  assert_int_equal(poll(&p, 1, 200), 0); /* nobody connected */
  close(lfd);
  unlink(secret);
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

  char src[128], dst[128], cmd[160];
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
  /* With progress: growing counts, the last one the whole object. */
  told t = {0, 0, 1};
  assert_int_equal(bs_objstore_get_file_progress(s, "big/file.bin", dst, told_cb, &t, err, 512),
                   BS_OK);
  assert_true(t.calls >= 2 && t.grew);
  assert_int_equal(t.last, 200000);
  /* A failed download leaves the earlier file whole and no part file. */
  assert_int_equal(bs_objstore_get_file(s, "big/missing.bin", dst, err, 512), BS_ERR_NOT_FOUND);
  struct stat sb;
  assert_int_equal(stat(dst, &sb), 0);
  assert_int_equal(sb.st_size, 200000);
  snprintf(cmd, sizeof(cmd), "test -z \"$(ls %s | grep part)\"", dir);
  assert_int_equal(system(cmd), 0);
  /* Objects are readable like their directories (mkstemp makes 0600). */
  snprintf(src, sizeof(src), "%s/store/p/2/z.txt", dir);
  assert_int_equal(stat(src, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0644);

  assert_int_equal(bs_objstore_delete(s, "p/1/a.txt", err, 512), BS_OK);
  assert_int_equal(bs_objstore_delete(s, "p/1/a.txt", err, 512), BS_OK); /* again: fine */
  assert_int_equal(bs_objstore_head(s, "p/1/a.txt", &info, err, 512), BS_ERR_NOT_FOUND);
  bs_objstore_destroy(s);
  bs_objstore_destroy(NULL);
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

/* gunzip edge cases, checked against RFC 1952 and gzip(1) as the peer. */
static void test_gzip_limits_and_members(void **state) {
  (void)state;
  char err[256];
  /* Incompressible bytes: the output (3000) fits the first buffer guess
   * (4 x input), so the limit must be enforced there too. */
  enum { N = 3000 };
  unsigned char text[N];
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < N; i++) {
    x ^= x << 13; /* xorshift32 */
    x ^= x >> 17;
    x ^= x << 5;
    text[i] = (unsigned char)x;
  }
  void *gz = NULL, *out = NULL;
  size_t gz_len = 0, out_len = 0;
  assert_int_equal(bs_gzip_compress(text, N, &gz, &gz_len), 0);
  assert_int_equal(bs_gzip_decompress(gz, gz_len, 1000, &out, &out_len, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "limit"));
  assert_null(out);
  assert_int_equal(bs_gzip_decompress(gz, gz_len, N - 1, &out, &out_len, err, sizeof(err)), -1);
  assert_int_equal(bs_gzip_decompress(gz, gz_len, N, &out, &out_len, err, sizeof(err)), 0);
  assert_int_equal(out_len, N);
  assert_memory_equal(out, text, N);
  free(out);
  assert_int_equal(bs_gzip_decompress(gz, gz_len, SIZE_MAX, &out, &out_len, err, sizeof(err)), 0);
  free(out);

  /* Two members back to back are one stream (RFC 1952 §2.2): all of it. */
  unsigned char *two = malloc(2 * gz_len + 8);
  memcpy(two, gz, gz_len);
  memcpy(two + gz_len, gz, gz_len);
  assert_int_equal(bs_gzip_decompress(two, 2 * gz_len, 1 << 20, &out, &out_len, err, sizeof(err)),
                   0);
  assert_int_equal(out_len, 2 * N);
  assert_memory_equal((char *)out + N, text, N);
  free(out);
  /* Anything else after a member is corruption, not ignored. */
  memcpy(two + gz_len, "garbage!", 8);
  assert_int_equal(bs_gzip_decompress(two, gz_len + 8, 1 << 20, &out, &out_len, err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "trailing"));
  free(two);

  /* gzip(1) reads ours, and we read gzip(1)'s two-member output. */
  if (system("command -v gzip >/dev/null 2>&1") == 0) {
    char gz_path[] = "/tmp/bs-gz-peer.XXXXXX", plain_path[] = "/tmp/bs-gz-plain.XXXXXX";
    int fd = mkstemp(gz_path), pd = mkstemp(plain_path);
    assert_true(fd >= 0 && pd >= 0);
    assert_int_equal(write(fd, gz, gz_len), (ssize_t)gz_len);
    assert_int_equal(write(pd, text, N), (ssize_t)N);
    close(fd);
    close(pd);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "gzip -dc < %s | cmp -s - %s", gz_path, plain_path);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "(gzip -9c < %s; gzip -1c < %s) > %s", plain_path, plain_path,
             gz_path);
    assert_int_equal(system(cmd), 0);
    FILE *fp = fopen(gz_path, "rb");
    unsigned char peer[4 * N];
    size_t peer_len = fread(peer, 1, sizeof(peer), fp);
    fclose(fp);
    assert_int_equal(bs_gzip_decompress(peer, peer_len, 1 << 20, &out, &out_len, err, sizeof(err)),
                     0);
    assert_int_equal(out_len, 2 * N);
    assert_memory_equal(out, text, N);
    assert_memory_equal((char *)out + N, text, N);
    free(out);
    unlink(gz_path);
    unlink(plain_path);
  }
  free(gz);
}

/* A mistyped endpoint scheme fails the same way every time: permanent. */
static void test_bad_endpoint_is_permanent(void **state) {
  (void)state;
  char err[512];
  bs_objstore *s = NULL;
  bs_objstore_options opt = {.url = "s3",
                             .endpoint = "htp://127.0.0.1:1",
                             .bucket = "b",
                             .region = "us-east-1",
                             .access_key = "a",
                             .secret_key = "b"};
  assert_int_equal(bs_objstore_new(&opt, &s, err, 512), BS_OK);
  assert_int_equal(bs_objstore_put(s, "k", "v", 1, NULL, err, 512), BS_ERR_PERMANENT);
  bs_objstore_destroy(s);
}

/* The options of the shared settings: the compiled defaults, then a
 * setting given. */
static void test_options_from_config(void **state) {
  (void)state;
  char err[256];
  const bs_config_param *tables[] = {bs_config_service_params};
  size_t counts[] = {bs_config_service_params_count};
  bs_config *cfg = bs_config_new(tables, counts, 1);
  assert_non_null(cfg);
  assert_int_equal(bs_config_set(cfg, "s3_access_key", "ak", "flag", err, sizeof(err)), 0);
  bs_objstore_options opt = bs_objstore_options_from_config(cfg);
  assert_string_equal(opt.url, "s3");
  assert_string_equal(opt.endpoint, "http://127.0.0.1:9000");
  assert_string_equal(opt.bucket, "bmdstream");
  assert_string_equal(opt.region, "us-east-1");
  assert_string_equal(opt.access_key, "ak");
  assert_null(opt.secret_key);
  bs_config_destroy(cfg);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_options_from_config),
      cmocka_unit_test(test_key_encoding),
      cmocka_unit_test(test_key_rules),
      cmocka_unit_test(test_project_key_rules),
      cmocka_unit_test(test_status_classes),
      cmocka_unit_test(test_xml_list_page),
      cmocka_unit_test(test_xml_error_document),
      cmocka_unit_test(test_xml_malformed),
      cmocka_unit_test(test_xml_dtd_refused),
      cmocka_unit_test(test_gzip_round_trip),
      cmocka_unit_test(test_file_backend),
      cmocka_unit_test(test_bad_settings),
      cmocka_unit_test(test_unreachable_s3_is_retriable),
      cmocka_unit_test(test_gzip_limits_and_members),
      cmocka_unit_test(test_bad_endpoint_is_permanent),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
