/*
 * db_credentials.c - which PostgreSQL role a program logs in as, and the
 * credentials file that names it (see bs/db.h).
 *
 * database_url says where the database is; database_credentials, when
 * set, says who connects: a file, or a directory holding
 * "<principal>.conninfo", whose text is libpq connection keywords, e.g.
 *
 *   user=bmdstream_bmd password=...
 *
 * Its keywords override the URL's (PQconnectdbParams with expand_dbname:
 * later keywords win), so one URL serves every program and each logs in
 * as its own role (sql/0005_roles.sql; docs/security.md, "PostgreSQL
 * roles"). The `bmdstream` commands are the administrator's: they connect
 * with the URL alone, which then names the schema's owner.
 */
#include <stdio.h>
#include <string.h>

#include "bs/bus.h"
#include "bs/config.h"
#include "bs/credentials_file.h"
#include "bs/db.h"

/* Keywords libpq knows are far fewer than this. */
#define MAX_KEYWORDS 64

const char *bs_db_principal(const char *program) {
  /* the programs are their Kafka principals; every `bmdstream` command,
   * the operator's included, is the administrator's in the database */
  const char *principal = bs_bus_principal(program);
  return strcmp(principal, "bmdstream-admin") == 0 || strcmp(principal, "bmdstream-operator") == 0
             ? BS_DB_ADMIN
             : principal;
}

bs_status bs_db_connect_as(const char *url, const char *credentials, const char *program,
                           bs_db **out, char *errstr, size_t errstr_size) {
  *out = NULL;
  const char *principal = bs_db_principal(program);
  /* the administrator is who database_url names: the schema's owner */
  if (!credentials || !*credentials || strcmp(principal, BS_DB_ADMIN) == 0)
    return bs_db_connect(url, out, errstr, errstr_size);
  char text[4096], file[1024];
  bs_status st =
      bs_credentials_file_read("database_credentials", credentials, principal, ".conninfo", text,
                               sizeof(text), file, sizeof(file), errstr, errstr_size);
  if (st != BS_OK)
    return st;
  char *parse_error = NULL;
  PQconninfoOption *opts = PQconninfoParse(text, &parse_error);
  memset(text, 0, sizeof(text));
  if (!opts) {
    /* not libpq's message: it may quote the file's text, a password */
    snprintf(errstr, errstr_size,
             "database_credentials: %s: not libpq connection keywords "
             "(user=NAME password=SECRET ...)",
             file);
    PQfreemem(parse_error);
    return BS_ERR_PERMANENT;
  }
  const char *keys[MAX_KEYWORDS + 2], *values[MAX_KEYWORDS + 2];
  size_t n = 0;
  keys[n] = "dbname";
  values[n++] = url ? url : "";
  for (PQconninfoOption *o = opts; o->keyword && n < MAX_KEYWORDS + 1; o++)
    if (o->val) {
      keys[n] = o->keyword;
      values[n++] = o->val;
    }
  keys[n] = values[n] = NULL;
  st = bs_db_connect_params(keys, values, out, errstr, errstr_size);
  PQconninfoFree(opts);
  return st;
}

bs_status bs_db_connect_from_config(const bs_config *cfg, const char *program, bs_db **out,
                                    char *errstr, size_t errstr_size) {
  return bs_db_connect_as(bs_config_get(cfg, "database_url"),
                          bs_config_get(cfg, "database_credentials"), program, out, errstr,
                          errstr_size);
}
