/*
 * objstore_sigv4.c - what libcurl 7.88's CURLOPT_AWS_SIGV4 leaves to us
 * (notes/infra.md §4): RFC 3986 encoding of keys and query values, the
 * canonical (sorted) query string, payload hashes, and the classing of
 * HTTP and transport errors.
 */
#include "objstore_int.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* Unreserved set of RFC 3986 §2.3, the only bytes SigV4 leaves as they are:
 *   A-Z a-z 0-9 - _ . ~
 * Every other byte b becomes '%' HEX(b >> 4) HEX(b & 15), uppercase. */
static int unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

long bs_objstore_uri_encode(const char *s, size_t len, int keep_slash, char *out, size_t out_size) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (unreserved(c) || (keep_slash && c == '/')) {
      if (o + 1 >= out_size)
        return -1;
      out[o++] = (char)c;
    } else {
      if (o + 3 >= out_size)
        return -1;
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  if (o >= out_size)
    return -1;
  out[o] = '\0';
  return (long)o;
}

static char *encode_dup(const char *s, int keep_slash) {
  size_t len = strlen(s), cap = 3 * len + 1;
  char *out = malloc(cap);
  if (out && bs_objstore_uri_encode(s, len, keep_slash, out, cap) < 0) {
    free(out);
    out = NULL;
  }
  return out;
}

typedef struct {
  char *name, *value;
} query_pair;

static int pair_cmp(const void *a, const void *b) {
  const query_pair *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->value, y->value);
}

/* Canonical query (SigV4): for each pair, Enc(name) "=" Enc(value) with '/'
 * encoded too; pairs sorted by encoded name (then value) in byte order;
 * joined with '&'. A valueless parameter is written "name=". */
char *bs_objstore_query_build(size_t n, const char *const *names, const char *const *values) {
  query_pair *pairs = calloc(n ? n : 1, sizeof(*pairs));
  char *out = NULL;
  size_t total = 1;
  if (!pairs)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    pairs[i].name = encode_dup(names[i], 0);
    pairs[i].value = encode_dup(values && values[i] ? values[i] : "", 0);
    if (!pairs[i].name || !pairs[i].value)
      goto done;
    total += strlen(pairs[i].name) + strlen(pairs[i].value) + 2;
  }
  qsort(pairs, n, sizeof(*pairs), pair_cmp);
  out = malloc(total);
  if (!out)
    goto done;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    o += (size_t)snprintf(out + o, total - o, "%s%s=%s", i ? "&" : "", pairs[i].name,
                          pairs[i].value);
  }
  out[o] = '\0';
done:
  for (size_t i = 0; i < n; i++) {
    free(pairs[i].name);
    free(pairs[i].value);
  }
  free(pairs);
  return out;
}

bs_status bs_objstore_classify_http(long http_status, const char *s3_code) {
  static const char *const retriable_codes[] = {
      "SlowDown",   "RequestTimeout",      "InternalError",    "ServiceUnavailable",
      "Throttling", "ThrottlingException", "RequestThrottled", "OperationAborted"};
  if (http_status >= 200 && http_status < 300)
    return BS_OK;
  if (s3_code && *s3_code) {
    for (size_t i = 0; i < sizeof(retriable_codes) / sizeof(*retriable_codes); i++)
      if (strcmp(s3_code, retriable_codes[i]) == 0)
        return BS_ERR_RETRIABLE;
  }
  if (http_status == 404)
    return (!s3_code || !*s3_code || strcmp(s3_code, "NoSuchKey") == 0) ? BS_ERR_NOT_FOUND
                                                                        : BS_ERR_PERMANENT;
  if (http_status == 408 || http_status == 429)
    return BS_ERR_RETRIABLE;
  if (http_status >= 500 && http_status != 501)
    return BS_ERR_RETRIABLE;
  return BS_ERR_PERMANENT;
}

bs_status bs_objstore_classify_curl(int curl_code) {
  switch ((CURLcode)curl_code) {
  case CURLE_OK:
    return BS_OK;
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_PARTIAL_FILE:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_AGAIN:
  case CURLE_HTTP3:
  case CURLE_QUIC_CONNECT_ERROR:
    return BS_ERR_RETRIABLE;
  default:
    return BS_ERR_PERMANENT;
  }
}

static void to_hex(const unsigned char *md, unsigned n, char *hex) {
  static const char digits[] = "0123456789abcdef";
  for (unsigned i = 0; i < n; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[2 * n] = '\0';
}

/* Hashes a FILE from its position to EOF (at most len bytes when len is not
 * SIZE_MAX), then seeks back to that position. */
static int digest_file(const EVP_MD *md_type, FILE *fp, size_t len, unsigned char *md,
                       unsigned *md_len) {
  unsigned char buf[65536];
  int rc = -1;
  off_t pos = ftello(fp);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (pos < 0 || !ctx || EVP_DigestInit_ex(ctx, md_type, NULL) != 1)
    goto done;
  size_t left = len;
  while (left > 0) {
    size_t want = left < sizeof(buf) ? left : sizeof(buf);
    size_t got = fread(buf, 1, want, fp);
    if (got == 0)
      break;
    if (EVP_DigestUpdate(ctx, buf, got) != 1)
      goto done;
    if (left != SIZE_MAX)
      left -= got;
  }
  if (ferror(fp) || (len != SIZE_MAX && left != 0))
    goto done;
  if (EVP_DigestFinal_ex(ctx, md, md_len) != 1 || fseeko(fp, pos, SEEK_SET) != 0)
    goto done;
  rc = 0;
done:
  EVP_MD_CTX_free(ctx);
  return rc;
}

int objstore_sha256_hex(const objstore_source *src, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned md_len = 0;
  if (src->data) {
    if (EVP_Digest(src->data, src->len, md, &md_len, EVP_sha256(), NULL) != 1)
      return -1;
  } else if (digest_file(EVP_sha256(), src->fp, src->len, md, &md_len) != 0) {
    return -1;
  }
  to_hex(md, md_len, hex);
  return 0;
}

int objstore_md5_hex_file(FILE *fp, char hex[33]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned md_len = 0;
  if (digest_file(EVP_md5(), fp, SIZE_MAX, md, &md_len) != 0)
    return -1;
  to_hex(md, md_len, hex);
  return 0;
}
