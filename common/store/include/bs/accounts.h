/*
 * bs/accounts.h - users and projects: creation, password checks, and the
 * ownership rule every event is authorized by (DESIGN.md §3: an event's
 * user must own its project).
 *
 * Passwords are hashed with Argon2id (libargon2, the reference
 * implementation) into the PHC string format, with a random 16-byte salt;
 * the plain password is never stored or logged.
 */
#ifndef BS_ACCOUNTS_H
#define BS_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "bs/db.h"

/* Argon2id cost: 3 passes over 64 MiB, 1 lane (OWASP's minimum is 2 x 19 MiB). */
#define BS_ARGON2_T_COST 3
#define BS_ARGON2_M_COST_KIB 65536
#define BS_ARGON2_LANES 1

/* Hashes password into encoded (PHC string, at most encoded_size bytes). */
int bs_password_hash(const char *password, char *encoded, size_t encoded_size, char *errstr,
                     size_t errstr_size) __attribute__((warn_unused_result));
/* 1 when password matches encoded, 0 when not, -1 when encoded is malformed. */
int bs_password_verify(const char *encoded, const char *password);

typedef struct bs_user_fields {
  const char *username;
  const char *email;
  const char *full_name; /* may be NULL */
  const char *role;      /* e.g. "analyst", "admin" */
} bs_user_fields;

/* Inserts a user; fails (permanent) if the username or email is taken. */
bs_status bs_user_add(bs_db *db, const bs_user_fields *fields, const char *password,
                      int64_t *user_id, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Looks a user up by username; BS_ERR_NOT_FOUND if absent. */
bs_status bs_user_find(bs_db *db, const char *username, int64_t *user_id, char *errstr,
                       size_t errstr_size) __attribute__((warn_unused_result));

/* Checks a user's password: BS_OK when it matches and the user is enabled,
 * BS_ERR_PERMANENT otherwise (without saying which, to the caller's user). */
bs_status bs_user_check_password(bs_db *db, const char *username, const char *password,
                                 char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Replaces a user's password (hashed with Argon2id, at least 8
 * characters); NOT_FOUND when there is no such user. */
bs_status bs_user_set_password(bs_db *db, const char *username, const char *password, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

bs_status bs_project_add(bs_db *db, int64_t user_id, const char *name, const char *description,
                         int64_t *project_id, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* BS_OK when user_id owns project_id; BS_ERR_PERMANENT ("forbidden") when
 * the project belongs to someone else; BS_ERR_NOT_FOUND when it does not
 * exist. */
bs_status bs_project_authorize(bs_db *db, int64_t user_id, int64_t project_id, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

#endif
