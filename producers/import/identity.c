/*
 * identity.c - who imports: the owner of the signing key
 * (docs/security.md, "Signed upstream events"). --user NAME, when given,
 * must name that owner; a name alone proves nothing.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bs/accounts.h"
#include "import.h"

bs_status bs_import_identity(const bs_config *cfg, bs_db *db, bs_signer **signer, int64_t *user_id,
                             char *errstr, size_t errstr_size) {
  const char *path = bs_config_get(cfg, "signing_key"), *user = bs_config_get(cfg, "user");
  *signer = NULL;
  if (!path || !*path) {
    snprintf(errstr, errstr_size,
             "a signing key is required: --key FILE or BMDSTREAM_SIGNING_KEY=FILE (make one with "
             "`bmdstream user key generate` and register it with `bmdstream user key add`)");
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
