/*
 * cmd_user.c - `bmdstream user add|check|passwd`: create a user (password
 * read from stdin, hashed with Argon2id), check a password, or replace it.
 * `bmdstream user key ...` manages signing keys (cmd_user_key.c).
 *
 *   printf '%s\n' "$PASSWORD" | bmdstream user add --username ana \
 *       --email ana@lab.example --full-name "Ana Lab" --role analyst
 */
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bs/accounts.h"
#include "cli.h"

static const bs_config_param user_params[] = {
    {"username", BS_CFG_STRING, NULL, "login name", 0},
    {"email", BS_CFG_STRING, NULL, "e-mail address (unique)", 0},
    {"full_name", BS_CFG_STRING, NULL, "full name", 0},
    {"role", BS_CFG_STRING, "analyst", "role", 0},
};

int bs_cmd_user(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "key") == 0) /* signing keys: cmd_user_key.c */
    return bs_cmd_user_key(argc - 1, argv + 1);
  int rc = 1;
  bs_config *cfg =
      bs_cli_config("user", "add|check|passwd [options]  (password on stdin); key --help",
                    user_params, sizeof(user_params) / sizeof(user_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  bs_db *db = NULL;
  char errstr[1024], password[1024];
  rc = 2;
  const char *action = argc > 1 ? argv[1] : "";
  int add = strcmp(action, "add") == 0, check = strcmp(action, "check") == 0;
  bs_user_fields fields = {bs_config_get(cfg, "username"), bs_config_get(cfg, "email"),
                           bs_config_get(cfg, "full_name"), bs_config_get(cfg, "role")};
  if ((!add && !check && strcmp(action, "passwd") != 0) || argc > 2) {
    fprintf(stderr, "bmdstream user: expected 'add', 'check' or 'passwd' (see --help)\n");
    goto done;
  }
  if (!fields.username || !*fields.username) {
    fprintf(stderr, "bmdstream user: --username is required\n");
    goto done;
  }
  if (bs_cli_read_line(password, sizeof(password)) != 0) {
    fprintf(stderr, "bmdstream user: the password is read from stdin, which was empty\n");
    goto done;
  }
  rc = 1;
  if (!(db = bs_cli_db("user", cfg)))
    goto done;
  if (add && (!fields.email || !*fields.email)) {
    fprintf(stderr, "bmdstream user: --email is required\n");
    rc = 2;
    goto done;
  }
  int64_t id = 0;
  bs_status st;
  if (add)
    st = bs_user_add(db, &fields, password, &id, errstr, sizeof(errstr));
  else if (check)
    st = bs_user_check_password(db, fields.username, password, errstr, sizeof(errstr));
  else
    st = bs_user_set_password(db, fields.username, password, errstr, sizeof(errstr));
  if (st != BS_OK) {
    fprintf(stderr, "bmdstream user: %s\n", errstr);
    goto done;
  }
  if (add)
    printf("%" PRId64 "\n", id);
  else
    printf("password %s\n", check ? "ok" : "changed");
  rc = 0;
done:
  memset(password, 0, sizeof(password));
  bs_db_destroy(db);
  bs_config_destroy(cfg);
  return rc;
}
