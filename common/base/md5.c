/*
 * md5.c - MD5 as base64 over OpenSSL's EVP interface (see bs/md5.h).
 */
#include "bs/md5.h"

#include <openssl/evp.h>

int bs_md5_base64(const void *buf, size_t len, FILE *file, char out[25]) {
  unsigned char md[16];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
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
  ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == sizeof(md);
  EVP_MD_CTX_free(ctx);
  /* 16 bytes: 22 base64 characters and "==" */
  ok = ok && EVP_EncodeBlock((unsigned char *)out, md, (int)sizeof(md)) == 24;
  return ok ? 0 : -1;
}
