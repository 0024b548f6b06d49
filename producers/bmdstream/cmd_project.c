/*
 * cmd_project.c - `bmdstream project add|list`: create a project owned by
 * a user, or list a user's projects (id, name) as tab-separated lines.
 */
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bs/accounts.h"
#include "cli.h"

static const bs_config_param project_params[] = {
    {"user", BS_CFG_STRING, NULL, "owner's username", 0},
    {"name", BS_CFG_STRING, NULL, "project name", 0},
    {"description", BS_CFG_STRING, NULL, "description", 0},
};

int bs_cmd_project(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg =
      bs_cli_config("project", "add|list --user USERNAME [options]", project_params,
                    sizeof(project_params) / sizeof(project_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  bs_db *db = NULL;
  char errstr[1024];
  rc = 2;
  const char *action = argc > 1 ? argv[1] : "";
  const char *user = bs_config_get(cfg, "user");
  const char *name = bs_config_get(cfg, "name");
  if ((strcmp(action, "add") != 0 && strcmp(action, "list") != 0) || argc > 2) {
    fprintf(stderr, "bmdstream project: expected 'add' or 'list' (see --help)\n");
    goto done;
  }
  if (!user || !*user || (strcmp(action, "add") == 0 && (!name || !*name))) {
    fprintf(stderr, "bmdstream project: --user%s required\n",
            strcmp(action, "add") == 0 ? " and --name are" : " is");
    goto done;
  }
  rc = 1;
  if (!(db = bs_cli_db("project", cfg)))
    goto done;
  int64_t user_id = 0;
  if (bs_user_find(db, user, &user_id, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream project: %s\n", errstr);
    goto done;
  }
  if (strcmp(action, "list") == 0) {
    const bs_db_param params[] = {BS_DB_INT64(user_id)};
    PGresult *res = NULL;
    if (bs_db_query(db, "SELECT id, name FROM bmd_projects WHERE user_id = $1::bigint ORDER BY id",
                    1, params, &res, errstr, sizeof(errstr)) != BS_OK) {
      fprintf(stderr, "bmdstream project: %s\n", errstr);
      goto done;
    }
    for (int i = 0; i < PQntuples(res); i++)
      printf("%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    PQclear(res);
    rc = 0;
    goto done;
  }
  int64_t id = 0;
  if (bs_project_add(db, user_id, name, bs_config_get(cfg, "description"), &id, errstr,
                     sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream project: %s\n", errstr);
    goto done;
  }
  printf("%" PRId64 "\n", id);
  rc = 0;
done:
  bs_db_destroy(db);
  bs_config_destroy(cfg);
  return rc;
}
