/*
 * signature.c - Ed25519 signatures over the canonical envelope (see
 * bs/signature.h), with OpenSSL's EVP interface: an Ed25519 signature is
 * made over the message itself (EVP_DigestSign with no digest; RFC 8032
 * "PureEdDSA" hashes internally with SHA-512).
 */
#include "bs/signature.h"

#include <inttypes.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs/jcs.h"
#include "bs/user_keys.h"

#define ED25519_KEY_BYTES 32
#define ED25519_SIG_BYTES 64
/* base64 of 64 bytes: 4 * ceil(64 / 3) = 88 characters */
#define SIG_B64_CHARS 88

struct bs_signer {
  EVP_PKEY *pkey;
  char key_id[BS_KEY_ID_SIZE];
};

/* key id = hex(SHA-256(raw public key)[0..16)) */
static int key_id_of(EVP_PKEY *pkey, char key_id[BS_KEY_ID_SIZE]) {
  unsigned char raw[ED25519_KEY_BYTES], digest[SHA256_DIGEST_LENGTH];
  size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != sizeof(raw))
    return -1;
  SHA256(raw, len, digest);
  for (int i = 0; i < 16; i++)
    snprintf(key_id + 2 * i, 3, "%02x", digest[i]);
  return 0;
}

/* The canonical bytes signed: JCS of the envelope without the signature
 * attributes. malloc'd, NULL with errstr. */
static char *signed_bytes(const json_t *envelope, size_t *len, char *errstr, size_t errstr_size) {
  json_t *copy = json_copy((json_t *)envelope); /* shallow: members shared */
  if (!copy) {
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
  }
  json_object_del(copy, BS_SIGNATURE_ATTR);
  json_object_del(copy, BS_KEY_ID_ATTR);
  char *text = bs_jcs_dumps(copy, len, errstr, errstr_size);
  json_decref(copy);
  return text;
}

bs_status bs_signer_new(const char *path, bs_signer **out, char *errstr, size_t errstr_size) {
  bs_signer *s = NULL;
  FILE *f = NULL;
  struct stat sb;
  *out = NULL;
  if (!path || !*path) {
    snprintf(errstr, errstr_size, "no signing key file given");
    return BS_ERR_PERMANENT;
  }
  if (!(f = fopen(path, "r")) || fstat(fileno(f), &sb) != 0) {
    snprintf(errstr, errstr_size, "signing key %s: cannot open", path);
    goto fail;
  }
  if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
    snprintf(errstr, errstr_size,
             "signing key %s: readable by group or others (mode %03o); chmod 600 it", path,
             (unsigned)(sb.st_mode & 0777));
    goto fail;
  }
  if (!(s = calloc(1, sizeof(*s)))) {
    snprintf(errstr, errstr_size, "out of memory");
    goto fail;
  }
  s->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  if (!s->pkey) {
    snprintf(errstr, errstr_size, "signing key %s: not a PEM private key (PKCS#8)", path);
    goto fail;
  }
  if (EVP_PKEY_get_id(s->pkey) != EVP_PKEY_ED25519 || key_id_of(s->pkey, s->key_id) != 0) {
    snprintf(errstr, errstr_size, "signing key %s: not an Ed25519 key", path);
    goto fail;
  }
  fclose(f);
  *out = s;
  return BS_OK;
fail:
  if (f)
    fclose(f);
  bs_signer_destroy(s);
  return BS_ERR_PERMANENT;
}

bs_status bs_signer_open_user(bs_db *db, const char *path, bs_signer **out, int64_t *user_id,
                              char *errstr, size_t errstr_size) {
  bs_signer *s = NULL;
  char *pem = NULL;
  *out = NULL;
  bs_status st = bs_signer_new(path, &s, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  st = bs_user_key_active(db, s->key_id, NULL, user_id, &pem, errstr, errstr_size);
  free(pem);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size,
             "signing key %s (key id %s) is not an active key of any user: register its public "
             "key with `bmdstream user key add` (a revoked key stays revoked)",
             path, s->key_id);
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK) {
    bs_signer_destroy(s);
    return st;
  }
  *out = s;
  return BS_OK;
}

bs_status bs_signer_from_pem(const char *private_pem, bs_signer **out, char *errstr,
                             size_t errstr_size) {
  bs_signer *s = calloc(1, sizeof(*s));
  BIO *bio = s ? BIO_new_mem_buf(private_pem, -1) : NULL;
  *out = NULL;
  if (bio)
    s->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (!s || !s->pkey || EVP_PKEY_get_id(s->pkey) != EVP_PKEY_ED25519 ||
      key_id_of(s->pkey, s->key_id) != 0) {
    snprintf(errstr, errstr_size, "not a PEM Ed25519 private key");
    bs_signer_destroy(s);
    return BS_ERR_PERMANENT;
  }
  *out = s;
  return BS_OK;
}

bs_status bs_signer_new_session(bs_db *db, int64_t user_id, int minutes, bs_signer **out,
                                char *errstr, size_t errstr_size) {
  char *private_pem = NULL, *public_pem = NULL, key_id[BS_KEY_ID_SIZE];
  *out = NULL;
  if (bs_signature_generate(&private_pem, &public_pem, errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  bs_status st =
      bs_signature_key_id(public_pem, key_id, errstr, errstr_size) == 0
          ? bs_user_key_add_session(db, user_id, key_id, public_pem, minutes, errstr, errstr_size)
          : BS_ERR_PERMANENT;
  if (st == BS_OK)
    st = bs_signer_from_pem(private_pem, out, errstr, errstr_size);
  /* the private half lives only in this process */
  memset(private_pem, 0, strlen(private_pem));
  free(private_pem);
  free(public_pem);
  return st;
}

void bs_signer_destroy(bs_signer *signer) {
  if (!signer)
    return;
  EVP_PKEY_free(signer->pkey); /* OpenSSL clears private key material it frees */
  free(signer);
}

const char *bs_signer_key_id(const bs_signer *signer) {
  return signer->key_id;
}

bs_status bs_signer_sign(const bs_signer *signer, json_t *envelope, char *errstr,
                         size_t errstr_size) {
  size_t len = 0, sig_len = ED25519_SIG_BYTES;
  unsigned char sig[ED25519_SIG_BYTES];
  char b64[SIG_B64_CHARS + 1];
  char *msg = signed_bytes(envelope, &len, errstr, errstr_size);
  if (!msg)
    return BS_ERR_PERMANENT;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, signer->pkey) == 1 &&
           EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)msg, len) == 1 &&
           sig_len == ED25519_SIG_BYTES;
  EVP_MD_CTX_free(ctx);
  free(msg);
  if (!ok) {
    snprintf(errstr, errstr_size, "signing the event failed (OpenSSL)");
    return BS_ERR_PERMANENT;
  }
  EVP_EncodeBlock((unsigned char *)b64, sig, ED25519_SIG_BYTES);
  if (json_object_set_new(envelope, BS_KEY_ID_ATTR, json_string(signer->key_id)) != 0 ||
      json_object_set_new(envelope, BS_SIGNATURE_ATTR, json_string(b64)) != 0) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  return BS_OK;
}

static EVP_PKEY *read_public(const char *public_pem) {
  BIO *bio = BIO_new_mem_buf(public_pem, -1);
  EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
  BIO_free(bio);
  if (pkey && EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  return pkey;
}

int bs_signature_key_id(const char *public_pem, char key_id[BS_KEY_ID_SIZE], char *errstr,
                        size_t errstr_size) {
  EVP_PKEY *pkey = read_public(public_pem);
  int rc = pkey ? key_id_of(pkey, key_id) : -1;
  EVP_PKEY_free(pkey);
  if (rc != 0)
    snprintf(errstr, errstr_size, "not a PEM Ed25519 public key (\"-----BEGIN PUBLIC KEY-----\")");
  return rc;
}

/* The PEM text a writer makes of pkey, malloc'd. */
static char *pem_text(EVP_PKEY *pkey, int private) {
  BIO *bio = BIO_new(BIO_s_mem());
  char *text = NULL, *data = NULL;
  if (bio && (private ? PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                      : PEM_write_bio_PUBKEY(bio, pkey)) == 1) {
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0 && (text = malloc((size_t)n + 1))) {
      memcpy(text, data, (size_t)n);
      text[n] = '\0';
    }
  }
  BIO_free(bio); /* BIO_free of a memory BIO does not clear it; n is small */
  return text;
}

int bs_signature_generate(char **private_pem, char **public_pem, char *errstr, size_t errstr_size) {
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  *private_pem = pkey ? pem_text(pkey, 1) : NULL;
  *public_pem = pkey ? pem_text(pkey, 0) : NULL;
  EVP_PKEY_free(pkey);
  if (!*private_pem || !*public_pem) {
    free(*private_pem);
    free(*public_pem);
    *private_pem = *public_pem = NULL;
    snprintf(errstr, errstr_size, "generating an Ed25519 key failed (OpenSSL)");
    return -1;
  }
  return 0;
}

/* The 64 bytes of a base64 signature; -1 when it is not one. */
static int decode_signature(const char *b64, unsigned char sig[ED25519_SIG_BYTES]) {
  unsigned char out[SIG_B64_CHARS];
  if (strlen(b64) != SIG_B64_CHARS)
    return -1;
  /* EVP_DecodeBlock counts the padding ("==") as zero bytes: 66 = 64 + 2 */
  int n = EVP_DecodeBlock(out, (const unsigned char *)b64, SIG_B64_CHARS);
  if (n != 66 || b64[SIG_B64_CHARS - 1] != '=' || b64[SIG_B64_CHARS - 2] != '=')
    return -1;
  memcpy(sig, out, ED25519_SIG_BYTES);
  return 0;
}

int bs_signature_verify(const json_t *envelope, const char *public_pem, char *errstr,
                        size_t errstr_size) {
  const char *b64 = json_string_value(json_object_get(envelope, BS_SIGNATURE_ATTR));
  unsigned char sig[ED25519_SIG_BYTES];
  if (!b64 || decode_signature(b64, sig) != 0) {
    snprintf(errstr, errstr_size, "%s is not a base64 Ed25519 signature (88 characters)",
             BS_SIGNATURE_ATTR);
    return -1;
  }
  EVP_PKEY *pkey = read_public(public_pem);
  if (!pkey) {
    snprintf(errstr, errstr_size, "the registered key is not a PEM Ed25519 public key");
    return -1;
  }
  size_t len = 0;
  char *msg = signed_bytes(envelope, &len, errstr, errstr_size);
  EVP_MD_CTX *ctx = msg ? EVP_MD_CTX_new() : NULL;
  int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
           EVP_DigestVerify(ctx, sig, sizeof(sig), (const unsigned char *)msg, len) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (!ok && msg)
    snprintf(errstr, errstr_size,
             "%s does not verify: the event was changed after it was signed, or signed with "
             "another key",
             BS_SIGNATURE_ATTR);
  free(msg);
  return ok ? 0 : -1;
}

bs_status bs_signature_check_event(bs_db *db, const bs_envelope *env, char *errstr,
                                   size_t errstr_size) {
  const json_t *kid = json_object_get(env->root, BS_KEY_ID_ATTR);
  const json_t *sig = json_object_get(env->root, BS_SIGNATURE_ATTR);
  char why[512];
  if (!kid || !sig) {
    snprintf(errstr, errstr_size,
             BS_FORBIDDEN_PREFIX "the event is not signed (%s, %s missing): experiment-imported "
                                 "must be signed with a key of data.user_id %" PRId64,
             BS_KEY_ID_ATTR, BS_SIGNATURE_ATTR, env->user_id);
    return BS_ERR_PERMANENT;
  }
  if (!json_is_string(kid) || !json_is_string(sig)) {
    snprintf(errstr, errstr_size, BS_FORBIDDEN_PREFIX "%s and %s must be strings", BS_KEY_ID_ATTR,
             BS_SIGNATURE_ATTR);
    return BS_ERR_PERMANENT;
  }
  int64_t owner = 0;
  char *pem = NULL;
  bs_status st =
      bs_user_key_active(db, json_string_value(kid), env->time, &owner, &pem, why, sizeof(why));
  if (st == BS_ERR_NOT_FOUND || (st == BS_OK && owner != env->user_id)) {
    snprintf(errstr, errstr_size,
             BS_FORBIDDEN_PREFIX "%s %.64s is not an active key of data.user_id %" PRId64,
             BS_KEY_ID_ATTR, json_string_value(kid), env->user_id);
    free(pem);
    return BS_ERR_PERMANENT;
  }
  if (st != BS_OK) {
    snprintf(errstr, errstr_size, "%s", why);
    return st;
  }
  int rc = bs_signature_verify(env->root, pem, why, sizeof(why));
  free(pem);
  if (rc != 0) {
    snprintf(errstr, errstr_size, BS_FORBIDDEN_PREFIX "%s (key %.64s)", why,
             json_string_value(kid));
    return BS_ERR_PERMANENT;
  }
  return BS_OK;
}
