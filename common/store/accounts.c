/*
 * accounts.c - users (Argon2id password hashes) and projects, and the
 * project-ownership check.
 */
#include "bs/accounts.h"

#include <argon2.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int bs_password_hash(const char *password, char *encoded, size_t encoded_size, char *errstr,
                     size_t errstr_size) {
  uint8_t salt[16];
  if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt)) {
    snprintf(errstr, errstr_size, "no randomness available for the password salt");
    return -1;
  }
  int rc = argon2id_hash_encoded(BS_ARGON2_T_COST, BS_ARGON2_M_COST_KIB, BS_ARGON2_LANES, password,
                                 strlen(password), salt, sizeof(salt), 32, encoded, encoded_size);
  if (rc != ARGON2_OK) {
    snprintf(errstr, errstr_size, "password hashing failed: %s", argon2_error_message(rc));
    return -1;
  }
  return 0;
}

int bs_password_verify(const char *encoded, const char *password) {
  int rc = argon2id_verify(encoded, password, strlen(password));
  if (rc == ARGON2_OK)
    return 1;
  if (rc == ARGON2_VERIFY_MISMATCH)
    return 0;
  return -1;
}

/* A name people type (username, email, full name, project name): at most
 * max characters of UTF-8 (the column's VARCHAR(max); PostgreSQL counts
 * characters), none a control character (U+0000-U+001F, U+007F: they
 * corrupt terminals, logs and TSV exports). -1 with errstr naming field. */
static int check_name(const char *field, const char *value, size_t max, char *errstr,
                      size_t errstr_size) {
  if (!value)
    return 0;
  size_t chars = 0;
  for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
    if (*c < 0x20 || *c == 0x7f) {
      snprintf(errstr, errstr_size, "%s: control character 0x%02x at byte %zu", field, *c,
               (size_t)(c - (const unsigned char *)value));
      return -1;
    }
    chars += (*c & 0xc0) != 0x80; /* count lead bytes only */
  }
  if (chars > max) {
    snprintf(errstr, errstr_size, "%s: %zu characters, at most %zu", field, chars, max);
    return -1;
  }
  return 0;
}

/* The hash of a new password (at least 8 characters); -1 with errstr. */
static int new_password_hash(const char *password, char *hash, size_t hash_size, char *errstr,
                             size_t errstr_size) {
  if (!password || strlen(password) < 8) {
    snprintf(errstr, errstr_size, "password: at least 8 characters are required");
    return -1;
  }
  return bs_password_hash(password, hash, hash_size, errstr, errstr_size);
}

bs_status bs_user_add(bs_db *db, const bs_user_fields *fields, const char *password,
                      int64_t *user_id, char *errstr, size_t errstr_size) {
  char hash[256];
  if (check_name("username", fields->username, 255, errstr, errstr_size) != 0 ||
      check_name("email", fields->email, 255, errstr, errstr_size) != 0 ||
      check_name("full name", fields->full_name, 255, errstr, errstr_size) != 0 ||
      new_password_hash(password, hash, sizeof(hash), errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  const bs_db_param params[] = {BS_DB_TEXT(fields->username), BS_DB_TEXT(fields->email),
                                BS_DB_TEXT(hash), BS_DB_TEXT(fields->full_name),
                                BS_DB_TEXT(fields->role ? fields->role : "analyst")};
  bs_status st = bs_db_query_id(db,
                                "INSERT INTO users (username, email, password_hash, full_name, "
                                "role) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING "
                                "RETURNING id",
                                5, params, user_id, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "user '%s' or email '%s' exists already", fields->username,
             fields->email);
    st = BS_ERR_PERMANENT;
  }
  memset(hash, 0, sizeof(hash));
  return st;
}

bs_status bs_user_find(bs_db *db, const char *username, int64_t *user_id, char *errstr,
                       size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(username)};
  bs_status st = bs_db_query_id(db, "SELECT id FROM users WHERE username = $1", 1, params, user_id,
                                errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size, "no user '%s'", username);
  return st;
}

bs_status bs_user_check_password(bs_db *db, const char *username, const char *password,
                                 char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(username)};
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db,
                                 "SELECT password_hash FROM users WHERE username = $1 "
                                 "AND enabled IS NOT FALSE",
                                 1, params, &res, errstr, errstr_size);
  if (st != BS_OK && st != BS_ERR_NOT_FOUND)
    return st;
  int ok = st == BS_OK && bs_password_verify(PQgetvalue(res, 0, 0), password) == 1;
  PQclear(res);
  if (!ok) {
    snprintf(errstr, errstr_size, "wrong username or password");
    return BS_ERR_PERMANENT;
  }
  return BS_OK;
}

bs_status bs_user_set_password(bs_db *db, const char *username, const char *password, char *errstr,
                               size_t errstr_size) {
  char hash[256];
  if (new_password_hash(password, hash, sizeof(hash), errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  const bs_db_param params[] = {BS_DB_TEXT(username), BS_DB_TEXT(hash)};
  int64_t id = 0;
  bs_status st =
      bs_db_query_id(db, "UPDATE users SET password_hash = $2 WHERE username = $1 RETURNING id", 2,
                     params, &id, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size, "no user '%s'", username);
  memset(hash, 0, sizeof(hash));
  return st;
}

bs_status bs_project_add(bs_db *db, int64_t user_id, const char *name, const char *description,
                         int64_t *project_id, char *errstr, size_t errstr_size) {
  if (check_name("project name", name, 255, errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  const bs_db_param params[] = {BS_DB_INT64(user_id), BS_DB_TEXT(name), BS_DB_TEXT(description)};
  return bs_db_query_id(db,
                        "INSERT INTO bmd_projects (user_id, name, description) "
                        "VALUES ($1::bigint, $2, $3) RETURNING id",
                        3, params, project_id, errstr, errstr_size);
}

bs_status bs_project_authorize(bs_db *db, int64_t user_id, int64_t project_id, char *errstr,
                               size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(project_id)};
  int64_t owner = 0;
  bs_status st = bs_db_query_id(db, "SELECT user_id FROM bmd_projects WHERE id = $1::bigint", 1,
                                params, &owner, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "project %" PRId64 " does not exist", project_id);
  } else if (st == BS_OK && owner != user_id) {
    snprintf(errstr, errstr_size, "forbidden: user %" PRId64 " does not own project %" PRId64,
             user_id, project_id);
    st = BS_ERR_PERMANENT;
  }
  return st;
}
