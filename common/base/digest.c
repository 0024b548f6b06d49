/*
 * digest.c - SHA-256 as hex (bs/sha256.h) and MD5 as base64 (bs/md5.h),
 * both over OpenSSL's EVP interface.
 */
#include <openssl/evp.h>

#include "bs/md5.h"
#include "bs/sha256.h"

/* The digest of type over file's contents (read to its end, then rewound)
 * when file is not NULL, else over buf[0..len), into md (*mdlen bytes).
 * 0, or -1 when the digest or the read fails. */
static int digest_of(const EVP_MD *type, const void *buf, size_t len, FILE *file,
                     unsigned char md[EVP_MAX_MD_SIZE], unsigned int *mdlen) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, type, NULL);
  if (ok && file) {
    char chunk[65536];
    size_t n;
    while (ok && (n = fread(chunk, 1, sizeof(chunk), file)) > 0)
      ok = EVP_DigestUpdate(ctx, chunk, n);
    ok = ok && !ferror(file);
    rewind(file);
  } else if (ok) {
    ok = EVP_DigestUpdate(ctx, buf, len);
  }
  ok = ok && EVP_DigestFinal_ex(ctx, md, mdlen);
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : -1;
}

int bs_sha256_hex(const void *buf, size_t len, FILE *file, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (digest_of(EVP_sha256(), buf, len, file, md, &mdlen) != 0 || mdlen != 32)
    return -1;
  for (unsigned i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}

int bs_md5_base64(const void *buf, size_t len, FILE *file, char out[25]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (digest_of(EVP_md5(), buf, len, file, md, &mdlen) != 0 || mdlen != 16)
    return -1;
  /* 16 bytes: 22 base64 characters and "==" */
  return EVP_EncodeBlock((unsigned char *)out, md, 16) == 24 ? 0 : -1;
}
