/*
 * user_keys.c - users' signing keys (see bs/user_keys.h).
 */
#include "bs/user_keys.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bs_status bs_user_key_add(bs_db *db, int64_t user_id, const char *key_id, const char *public_pem,
                          char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(user_id), BS_DB_TEXT(key_id), BS_DB_TEXT(public_pem)};
  int64_t id = 0;
  bs_status st = bs_db_query_id(db,
                                "INSERT INTO user_keys (user_id, key_id, public_key) "
                                "VALUES ($1::bigint, $2, $3) ON CONFLICT DO NOTHING RETURNING id",
                                3, params, &id, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "key %s is registered already", key_id);
    st = BS_ERR_PERMANENT;
  }
  return st;
}

bs_status bs_user_key_add_session(bs_db *db, int64_t user_id, const char *key_id,
                                  const char *public_pem, int minutes, char *errstr,
                                  size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(user_id), BS_DB_TEXT(key_id), BS_DB_TEXT(public_pem),
                                BS_DB_INT64(minutes)};
  return bs_db_query(db,
                     "INSERT INTO user_keys (user_id, key_id, public_key, expires_at) "
                     "VALUES ($1::bigint, $2, $3, CURRENT_TIMESTAMP + make_interval(mins => "
                     "$4::int))",
                     4, params, NULL, errstr, errstr_size);
}

bs_status bs_user_key_list(bs_db *db, int64_t user_id, PGresult **res, char *errstr,
                           size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(user_id)};
  return bs_db_query(db,
                     "SELECT key_id, to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
                     "coalesce(to_char(revoked_at, 'YYYY-MM-DD\"T\"HH24:MI:SS'), ''), "
                     "coalesce(to_char(expires_at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
                     "FROM user_keys WHERE user_id = $1::bigint ORDER BY id",
                     1, params, res, errstr, errstr_size);
}

bs_status bs_user_key_revoke(bs_db *db, int64_t user_id, const char *key_id, char *errstr,
                             size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(user_id), BS_DB_TEXT(key_id)};
  int64_t id = 0;
  bs_status st = bs_db_query_id(db,
                                "UPDATE user_keys SET revoked_at = CURRENT_TIMESTAMP "
                                "WHERE user_id = $1::bigint AND key_id = $2 "
                                "AND revoked_at IS NULL RETURNING id",
                                2, params, &id, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size, "no active key %.64s of user %" PRId64, key_id, user_id);
  return st;
}

bs_status bs_user_key_active(bs_db *db, const char *key_id, const char *at, int64_t *user_id,
                             char **public_pem, char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_TEXT(key_id), BS_DB_TEXT(at)};
  PGresult *res = NULL;
  *public_pem = NULL;
  bs_status st = bs_db_query_row(db,
                                 "SELECT k.user_id, k.public_key FROM user_keys k "
                                 "JOIN users u ON u.id = k.user_id WHERE k.key_id = $1 "
                                 "AND k.revoked_at IS NULL AND u.enabled IS NOT FALSE AND "
                                 "(k.expires_at IS NULL OR k.expires_at >= "
                                 "coalesce($2::timestamptz, CURRENT_TIMESTAMP))",
                                 2, params, &res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size, "no active key %.64s", key_id);
  if (st != BS_OK)
    return st;
  *user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  *public_pem = strdup(PQgetvalue(res, 0, 1));
  PQclear(res);
  if (!*public_pem) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  return BS_OK;
}
