/*
 * cmd_user_key.c - `bmdstream user key generate|add|list|revoke`: the
 * Ed25519 keys a user signs experiment-imported events with
 * (docs/security.md, "Signed upstream events"; bs/signature.h).
 *
 *   bmdstream user key generate --out ana.key > ana.pub   (private key 0600)
 *   bmdstream user key add --username ana --public-key ana.pub  (key id)
 *   bmdstream user key list --username ana
 *   bmdstream user key revoke --username ana --key-id ID
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/accounts.h"
#include "bs/signature.h"
#include "bs/user_keys.h"
#include "cli.h"

#define MAX_PEM_BYTES 8192

static const bs_config_param key_params[] = {
    {"username", BS_CFG_STRING, NULL, "the key's user (add, list, revoke)", 0},
    {"public_key", BS_CFG_STRING, NULL, "add: the PEM public key file to register", 0},
    {"key_id", BS_CFG_STRING, NULL, "revoke: the key id (as add and list print it)", 0},
    {"out", BS_CFG_STRING, NULL, "generate: the new private key file (made with mode 0600)", 0},
};

/* generate: the private key into a new file of mode 0600, the public key
 * on stdout. */
static int generate(const char *out) {
  char errstr[512], *priv = NULL, *pub = NULL;
  if (!out || !*out) {
    fprintf(stderr, "bmdstream user key generate: --out FILE is required\n");
    return 2;
  }
  if (bs_signature_generate(&priv, &pub, errstr, sizeof(errstr)) != 0) {
    fprintf(stderr, "bmdstream user key generate: %s\n", errstr);
    return 1;
  }
  int rc = 1;
  int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
  size_t len = strlen(priv);
  if (fd < 0)
    fprintf(stderr, "bmdstream user key generate: %s: %s\n", out, strerror(errno));
  else if (write(fd, priv, len) != (ssize_t)len || close(fd) != 0)
    fprintf(stderr, "bmdstream user key generate: %s: write failed\n", out);
  else
    rc = 0;
  if (fd >= 0 && rc != 0)
    unlink(out);
  if (rc == 0)
    fputs(pub, stdout);
  memset(priv, 0, len);
  free(priv);
  free(pub);
  return rc;
}

/* The text of a small file; NULL with the reason printed. */
static char *read_pem(const char *path) {
  FILE *f = path && *path ? fopen(path, "r") : NULL;
  char *buf = calloc(1, MAX_PEM_BYTES + 1);
  size_t n = f && buf ? fread(buf, 1, MAX_PEM_BYTES + 1, f) : 0;
  if (f)
    fclose(f);
  if (!f || !buf || n == 0 || n > MAX_PEM_BYTES) {
    fprintf(stderr, "bmdstream user key add: --public-key %s: %s\n", path ? path : "(none)",
            !f ? "cannot open" : "empty or larger than 8 KiB");
    free(buf);
    return NULL;
  }
  return buf;
}

static int list(bs_db *db, int64_t user_id) {
  char errstr[512];
  PGresult *res = NULL;
  if (bs_user_key_list(db, user_id, &res, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream user key list: %s\n", errstr);
    return 1;
  }
  printf("key_id\tcreated\trevoked\texpires\n"); /* expires: a password login's session key */
  for (int i = 0; i < PQntuples(res); i++) {
    const char *revoked = PQgetvalue(res, i, 2);
    const char *expires = PQgetvalue(res, i, 3);
    printf("%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
           *revoked ? revoked : "-", *expires ? expires : "-");
  }
  PQclear(res);
  return 0;
}

int bs_cmd_user_key(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg = bs_cli_config("user key", "generate|add|list|revoke [options]", key_params,
                                 sizeof(key_params) / sizeof(key_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  bs_db *db = NULL;
  char *pem = NULL, errstr[1024], key_id[BS_KEY_ID_SIZE];
  const char *action = argc == 2 ? argv[1] : "", *user = bs_config_get(cfg, "username");
  int add = !strcmp(action, "add"), revoke = !strcmp(action, "revoke");
  int64_t user_id = 0;
  rc = 2;
  if (!strcmp(action, "generate")) {
    rc = generate(bs_config_get(cfg, "out"));
    goto done;
  }
  if (!add && !revoke && strcmp(action, "list") != 0) {
    fprintf(stderr, "bmdstream user key: expected generate, add, list or revoke (see --help)\n");
    goto done;
  }
  if (!user || !*user) {
    fprintf(stderr, "bmdstream user key %s: --username is required\n", action);
    goto done;
  }
  const char *kid = bs_config_get(cfg, "key_id");
  if (revoke && (!kid || !*kid)) {
    fprintf(stderr, "bmdstream user key revoke: --key-id is required\n");
    goto done;
  }
  if (add && (!(pem = read_pem(bs_config_get(cfg, "public_key"))) ||
              bs_signature_key_id(pem, key_id, errstr, sizeof(errstr)) != 0)) {
    if (pem)
      fprintf(stderr, "bmdstream user key add: %s: %s\n", bs_config_get(cfg, "public_key"), errstr);
    goto done;
  }
  rc = 1;
  if (!(db = bs_cli_db("user key", cfg)))
    goto done;
  bs_status st = bs_user_find(db, user, &user_id, errstr, sizeof(errstr));
  if (st == BS_OK && add)
    st = bs_user_key_add(db, user_id, key_id, pem, errstr, sizeof(errstr));
  else if (st == BS_OK && revoke)
    st = bs_user_key_revoke(db, user_id, kid, errstr, sizeof(errstr));
  else if (st == BS_OK) {
    rc = list(db, user_id);
    goto done;
  }
  if (st != BS_OK) {
    fprintf(stderr, "bmdstream user key %s: %s\n", action, errstr);
    goto done;
  }
  if (add)
    printf("%s\n", key_id);
  else
    printf("revoked %s\n", kid);
  rc = 0;
done:
  free(pem);
  bs_db_destroy(db);
  bs_config_destroy(cfg);
  return rc;
}
