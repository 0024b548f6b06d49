/*
 * bs/signature.h - signed experiment-imported events (docs/security.md,
 * "Signed upstream events"): Ed25519 (RFC 8032) through OpenSSL's
 * libcrypto over the RFC 8785 canonical form (bs/jcs.h) of the envelope
 * without its two signature attributes:
 *
 *   bskeyid      the key id: the first 16 bytes of SHA-256 of the raw
 *                32-byte public key, as 32 lower-case hex digits
 *   bssignature  the 64-byte signature, base64 (RFC 4648 §4, padded)
 *
 * So a signer builds the event as it would send it unsigned, signs
 * JCS(event), then adds both attributes; a verifier removes them and
 * checks the signature over JCS of what is left. Every other attribute and
 * every member of data is covered: a changed field breaks the signature.
 *
 * Keys are PEM: PKCS#8 "PRIVATE KEY" for the signer's own file (mode 0600
 * or stricter), SubjectPublicKeyInfo "PUBLIC KEY" for what a user
 * registers (`bmdstream user key add`).
 */
#ifndef BS_SIGNATURE_H
#define BS_SIGNATURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/db.h"
#include "bs/envelope.h"
#include "bs/error.h"

#define BS_SIGNATURE_ATTR "bssignature"
#define BS_KEY_ID_ATTR "bskeyid"
/* 32 hex digits + NUL */
#define BS_KEY_ID_SIZE 33

typedef struct bs_signer bs_signer;

/* Loads an Ed25519 private key (PEM) from path. Refused when the file is
 * readable by group or others (as ssh does), is not a PEM private key or
 * not Ed25519; errstr names the file. *out: new (bs_signer_destroy). */
bs_status bs_signer_new(const char *path, bs_signer **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
/* bs_signer_new, then the owner of the key (*user_id): an active key of
 * an enabled user (table user_keys). PERMANENT, naming the file and the
 * key id, when the key is not registered or is revoked. */
bs_status bs_signer_open_user(bs_db *db, const char *path, bs_signer **out, int64_t *user_id,
                              char *errstr, size_t errstr_size) __attribute__((warn_unused_result));
/* A password login's signer: a new Ed25519 key pair whose public half is
 * registered as a session key of user_id for `minutes`
 * (bs_user_key_add_session); the private half is kept only in *out. */
bs_status bs_signer_new_session(bs_db *db, int64_t user_id, int minutes, bs_signer **out,
                                char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
/* A signer from PEM text (e.g. the published example key); no file. */
bs_status bs_signer_from_pem(const char *private_pem, bs_signer **out, char *errstr,
                             size_t errstr_size) __attribute__((warn_unused_result));
/* Safe on NULL; wipes the key. */
void bs_signer_destroy(bs_signer *signer);
/* The key id of the signer's public key (borrowed). */
const char *bs_signer_key_id(const bs_signer *signer);

/* Signs envelope (borrowed, changed in place): sets bskeyid and
 * bssignature over the canonical form of the rest. PERMANENT when the
 * envelope cannot be canonicalized. */
bs_status bs_signer_sign(const bs_signer *signer, json_t *envelope, char *errstr,
                         size_t errstr_size) __attribute__((warn_unused_result));

/* The key id of a PEM public key (Ed25519 only); -1 with errstr. */
int bs_signature_key_id(const char *public_pem, char key_id[BS_KEY_ID_SIZE], char *errstr,
                        size_t errstr_size) __attribute__((warn_unused_result));

/* A new Ed25519 key pair as PEM texts (each malloc'd; free()). -1 with
 * errstr. */
int bs_signature_generate(char **private_pem, char **public_pem, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* 0 when envelope (borrowed, unchanged) carries a bssignature that
 * verifies with public_pem over the canonical form of the envelope
 * without bssignature and bskeyid; -1 with errstr otherwise. */
int bs_signature_verify(const json_t *envelope, const char *public_pem, char *errstr,
                        size_t errstr_size) __attribute__((warn_unused_result));

/* The first stage's check of an experiment-imported event: signed
 * (bskeyid and bssignature present), by an active (not revoked) key of
 * the event's data.user_id (table user_keys), and the signature verifies.
 * Refusals are BS_ERR_PERMANENT with BS_FORBIDDEN_PREFIX naming the
 * attribute; a database failure keeps its class. */
bs_status bs_signature_check_event(bs_db *db, const bs_envelope *env, char *errstr,
                                   size_t errstr_size) __attribute__((warn_unused_result));

#endif
