/*
 * cmd_migrate.c - `bmdstream migrate`: apply the SQL migrations (sql/) to
 * the database. Safe to run twice and concurrently (bs/migrate.h).
 */
#include "commands.h"

#include <stdio.h>

#include "bs/migrate.h"
#include "cli.h"

static const bs_config_param migrate_params[] = {
    {"sql_dir", BS_CFG_STRING, BMDSTREAM_SOURCE_DIR "/sql", "directory of NNNN_*.sql migrations",
     0},
};

int bs_cmd_migrate(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg = bs_cli_config("migrate", "[options]", migrate_params, 1, &argc, argv, &rc);
  if (!cfg)
    return rc;
  bs_db *db = NULL;
  char errstr[1024];
  rc = 1;
  if (argc > 1) {
    fprintf(stderr, "bmdstream migrate: unexpected argument '%s'\n", argv[1]);
    rc = 2;
    goto done;
  }
  if (!(db = bs_cli_db("migrate", cfg)))
    goto done;
  bs_migrate_report report;
  if (bs_migrate_run(db, bs_config_get(cfg, "sql_dir"), &report, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream migrate: %s\n", errstr);
    goto done;
  }
  printf("migrations: %d applied now, %d already applied\n", report.applied, report.present);
  rc = 0;
done:
  bs_db_destroy(db);
  bs_config_destroy(cfg);
  return rc;
}
