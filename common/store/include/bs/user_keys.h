/*
 * bs/user_keys.h - the public keys users sign their events with (table
 * user_keys, sql/0003_user_keys.sql; bs/signature.h says how keys are
 * used). A key id names one key of one user; a revoked key stays listed
 * (with its revocation time) and verifies nothing.
 */
#ifndef BS_USER_KEYS_H
#define BS_USER_KEYS_H

#include <stdint.h>

#include "bs/db.h"

/* Registers public_pem (its key id computed by bs_signature_key_id) for
 * user_id. PERMANENT when the key id is registered already (to anyone). */
bs_status bs_user_key_add(bs_db *db, int64_t user_id, const char *key_id, const char *public_pem,
                          char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* A user's keys, oldest first: *res (PQclear) has the columns key_id,
 * created_at, revoked_at ('' when active). */
bs_status bs_user_key_list(bs_db *db, int64_t user_id, PGresult **res, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));

/* Revokes an active key of user_id; NOT_FOUND when user_id has no such
 * active key. */
bs_status bs_user_key_revoke(bs_db *db, int64_t user_id, const char *key_id, char *errstr,
                             size_t errstr_size) __attribute__((warn_unused_result));

/* Registers a password login's session key (docs/security.md): it signs
 * events stamped until `minutes` from now, then no more. */
bs_status bs_user_key_add_session(bs_db *db, int64_t user_id, const char *key_id,
                                  const char *public_pem, int minutes, char *errstr,
                                  size_t errstr_size) __attribute__((warn_unused_result));

/* The owner and PEM (*public_pem malloc'd; free()) of an active key of an
 * enabled user at time `at` (RFC 3339; NULL: now): a session key only
 * until its expiry. NOT_FOUND when the key id is unknown, revoked,
 * expired at that time or its user disabled. */
bs_status bs_user_key_active(bs_db *db, const char *key_id, const char *at, int64_t *user_id,
                             char **public_pem, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
