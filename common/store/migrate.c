/*
 * migrate.c - ordered, checksummed, lock-protected SQL migrations.
 */
#include "bs/migrate.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/log.h"

/* Any constant works; it only has to be the same for every runner. */
#define BS_MIGRATE_LOCK_KEY "726201501"

#define MAX_MIGRATIONS 1000

static int is_migration_name(const char *name) {
  size_t n = strlen(name);
  if (n < 10 || strcmp(name + n - 4, ".sql") != 0 || name[4] != '_')
    return 0;
  for (int i = 0; i < 4; i++)
    if (name[i] < '0' || name[i] > '9')
      return 0;
  return 1;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, char *errstr, size_t errstr_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(errstr, errstr_size, "%s: cannot open", path);
    return NULL;
  }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  char chunk[8192];
  size_t got;
  while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    if (len + got + 1 > cap) {
      cap = (len + got + 1) * 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        snprintf(errstr, errstr_size, "%s: out of memory", path);
        return NULL;
      }
      buf = nb;
    }
    memcpy(buf + len, chunk, got);
    len += got;
  }
  fclose(f);
  if (!buf)
    buf = calloc(1, 1);
  else
    buf[len] = '\0';
  return buf;
}

/* Applies one migration unless schema_migrations has it; *applied is set
 * to 1 when this call applied it. */
static bs_status apply_one(bs_db *db, const char *dir, const char *name, int *applied, char *errstr,
                           size_t errstr_size) {
  char path[4096];
  char version[5];
  memcpy(version, name, 4);
  version[4] = '\0';
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  char *sql = read_file(path, errstr, errstr_size);
  if (!sql)
    return BS_ERR_PERMANENT;

  PGresult *res = NULL;
  const bs_db_param check[] = {BS_DB_TEXT(version), BS_DB_TEXT(sql)};
  bs_status st = bs_db_query_row(db,
                                 "SELECT name, checksum = encode(sha256(convert_to($2, 'UTF8')), "
                                 "'hex') FROM schema_migrations WHERE version = $1::int",
                                 2, check, &res, errstr, errstr_size);
  if (st == BS_OK && strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
    snprintf(errstr, errstr_size,
             "%s: migration %s was changed after it was applied (as %s); add a new "
             "migration instead of editing an applied one",
             path, version, PQgetvalue(res, 0, 0));
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_ERR_NOT_FOUND) /* applied already (or the check failed) */
    goto done;

  st = bs_db_begin(db, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  st = bs_db_exec_script(db, sql, errstr, errstr_size);
  if (st != BS_OK) {
    char inner[1024];
    snprintf(inner, sizeof(inner), "%s", errstr);
    snprintf(errstr, errstr_size, "%s: %s", path, inner);
    bs_db_rollback(db);
    goto done;
  }
  const char *row[] = {version, name, sql};
  st = bs_db_exec(db,
                  "INSERT INTO schema_migrations (version, name, checksum) "
                  "VALUES ($1::int, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
                  3, row, NULL, errstr, errstr_size);
  st = bs_db_end(db, st, errstr, errstr_size);
  if (st == BS_OK)
    *applied = 1;
done:
  PQclear(res);
  free(sql);
  return st;
}

bs_status bs_migrate_run(bs_db *db, const char *dir, bs_migrate_report *report, char *errstr,
                         size_t errstr_size) {
  report->applied = report->present = 0;
  char *names[MAX_MIGRATIONS];
  size_t count = 0;
  bs_status st = BS_OK;
  int locked = 0;

  DIR *d = opendir(dir);
  if (!d) {
    snprintf(errstr, errstr_size, "%s: cannot open the migrations directory", dir);
    return BS_ERR_PERMANENT;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!is_migration_name(e->d_name))
      continue;
    if (count == MAX_MIGRATIONS) {
      snprintf(errstr, errstr_size, "%s: more than %d migrations", dir, MAX_MIGRATIONS);
      st = BS_ERR_PERMANENT;
      break;
    }
    names[count] = strdup(e->d_name);
    if (!names[count]) {
      snprintf(errstr, errstr_size, "out of memory");
      st = BS_ERR_PERMANENT;
      break;
    }
    count++;
  }
  closedir(d);
  if (st != BS_OK)
    goto done;
  qsort(names, count, sizeof(names[0]), compare_names);
  for (size_t i = 1; i < count; i++)
    if (strncmp(names[i], names[i - 1], 4) == 0) {
      snprintf(errstr, errstr_size, "%s: two migrations share version %.4s (%s, %s)", dir, names[i],
               names[i - 1], names[i]);
      st = BS_ERR_PERMANENT;
      goto done;
    }

  st = bs_db_exec(db, "SELECT pg_advisory_lock(" BS_MIGRATE_LOCK_KEY ")", 0, NULL, NULL, errstr,
                  errstr_size);
  if (st != BS_OK)
    goto done;
  locked = 1;
  st = bs_db_exec(db,
                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version INTEGER PRIMARY KEY,"
                  " name VARCHAR(255) NOT NULL,"
                  " checksum CHAR(64) NOT NULL,"
                  " applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
                  0, NULL, NULL, errstr, errstr_size);
  for (size_t i = 0; st == BS_OK && i < count; i++) {
    int applied = 0;
    st = apply_one(db, dir, names[i], &applied, errstr, errstr_size);
    if (st == BS_OK) {
      if (applied) {
        report->applied++;
        bs_info("applied migration %s", names[i]);
      } else {
        report->present++;
      }
    }
  }
done:
  if (locked) {
    char ignored[256];
    if (bs_db_exec(db, "SELECT pg_advisory_unlock(" BS_MIGRATE_LOCK_KEY ")", 0, NULL, NULL, ignored,
                   sizeof(ignored)) != BS_OK)
      bs_warn("could not release the migration lock: %s", ignored);
  }
  for (size_t i = 0; i < count; i++)
    free(names[i]);
  return st;
}
