/*
 * identity.c - who imports (docs/security.md, "Signed upstream events"):
 * the owner of the signing key, or a user who gives their password. A name
 * alone proves nothing: with a key, --user must name its owner; without,
 * --user NAME asks for NAME's password.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bs/accounts.h"
#include "import.h"

/* --user NAME and no key: the password, then a session key. */
static bs_status by_password(const bs_config *cfg, bs_db *db, const char *user, bs_signer **signer,
                             int64_t *user_id, char *errstr, size_t errstr_size) {
  char password[1024];
  if (bs_import_read_password(bs_config_get(cfg, "password_file"), user, password, sizeof(password),
                              errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  bs_status st = bs_user_check_password(db, user, password, errstr, errstr_size);
  memset(password, 0, sizeof(password));
  if (st == BS_OK)
    st = bs_user_find(db, user, user_id, errstr, errstr_size);
  if (st == BS_OK)
    st =
        bs_signer_new_session(db, *user_id, BS_IMPORT_SESSION_MINUTES, signer, errstr, errstr_size);
  return st == BS_ERR_NOT_FOUND ? BS_ERR_PERMANENT : st;
}

bs_status bs_import_identity(const bs_config *cfg, bs_db *db, bs_signer **signer, int64_t *user_id,
                             char *errstr, size_t errstr_size) {
  const char *path = bs_config_get(cfg, "signing_key"), *user = bs_config_get(cfg, "user");
  *signer = NULL;
  if ((!path || !*path) && user && *user)
    return by_password(cfg, db, user, signer, user_id, errstr, errstr_size);
  if (!path || !*path) {
    snprintf(errstr, errstr_size,
             "who imports? give a signing key (--key FILE or BMDSTREAM_SIGNING_KEY=FILE; make one "
             "with `bmdstream user key generate` and register it with `bmdstream user key add`), "
             "or --user NAME to log in with the user's password");
    return BS_ERR_PERMANENT;
  }
  bs_status st = bs_signer_open_user(db, path, signer, user_id, errstr, errstr_size);
  if (st != BS_OK || !user || !*user)
    return st;
  int64_t named = 0;
  st = bs_user_find(db, user, &named, errstr, errstr_size);
  if (st == BS_OK && named != *user_id) {
    snprintf(errstr, errstr_size, "--user %s is not the owner of signing key %s (user %" PRId64 ")",
             user, bs_signer_key_id(*signer), *user_id);
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK) {
    bs_signer_destroy(*signer);
    *signer = NULL;
    if (st == BS_ERR_NOT_FOUND)
      st = BS_ERR_PERMANENT;
  }
  return st;
}
