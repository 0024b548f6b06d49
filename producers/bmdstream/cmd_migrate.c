/*
 * cmd_migrate.c - `bmdstream migrate`: apply the SQL migrations (sql/) to
 * the database. Safe to run twice and concurrently (bs/migrate.h).
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "bs/config.h"
#include "bs/db.h"
#include "bs/log.h"
#include "bs/migrate.h"

extern char **environ;

static const bs_config_param migrate_params[] = {
    {"sql_dir", BS_CFG_STRING, BMDSTREAM_SOURCE_DIR "/sql", "directory of NNNN_*.sql migrations",
     0},
};

int bs_cmd_migrate(int argc, char **argv) {
  const bs_config_param *tables[] = {bs_config_service_params, migrate_params};
  size_t counts[] = {bs_config_service_params_count, 1};
  char errstr[1024];
  int rc = 1;
  bs_db *db = NULL;
  bs_config *cfg = bs_config_new(tables, counts, 2);
  if (!cfg) {
    fprintf(stderr, "bmdstream migrate: out of memory\n");
    return 1;
  }
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: bmdstream migrate [options]\n\nApplies sql/NNNN_*.sql in order; "
             "safe to run twice or concurrently.\n\noptions:\n");
      bs_config_usage(cfg, stdout);
      bs_config_destroy(cfg);
      return 0;
    }
  if (bs_config_load_env(cfg, environ, errstr, sizeof(errstr)) != 0 ||
      bs_config_load_args(cfg, &argc, argv, errstr, sizeof(errstr)) != 0) {
    fprintf(stderr, "bmdstream migrate: %s\n", errstr);
    goto done;
  }
  if (argc > 1) {
    fprintf(stderr, "bmdstream migrate: unexpected argument '%s'\n", argv[1]);
    rc = 2;
    goto done;
  }
  int level = bs_log_level_parse(bs_config_get(cfg, "log_level"));
  bs_log_init("bmdstream migrate", level);

  const char *url = bs_config_get(cfg, "database_url");
  if (bs_db_connect(url, &db, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream migrate: %s\n", errstr);
    goto done;
  }
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
