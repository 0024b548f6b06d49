/*
 * sha256.c - SHA-256 as lowercase hex over OpenSSL's EVP interface (see
 * bs/sha256.h).
 */
#include "bs/sha256.h"

#include <openssl/evp.h>

int bs_sha256_hex(const void *buf, size_t len, FILE *file, char out[65]) {
  unsigned char md[32];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
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
  ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen);
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return -1;
  for (unsigned i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}
