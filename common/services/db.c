/*
 * db.c - libpq wrapper: connect, parameterized exec, transactions, error
 * classes.
 */
#include "bs/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/log.h"

struct bs_db {
  PGconn *conn;
  char sqlstate[6]; /* of the last statement that failed with one, else "" */
};

/* libpq's messages span lines ("...failed: Connection refused\n\tIs the
 * server running ...?\n"); a log line and a job's error message are one
 * line: each line break with the indentation after it becomes one space,
 * and trailing ones go. */
static void one_line(char *s) {
  char *out = s;
  for (const char *in = s; *in;) {
    if (*in == '\n' || *in == '\r') {
      while (*in == '\n' || *in == '\r' || *in == '\t' || *in == ' ')
        in++;
      if (*in && out > s)
        *out++ = ' ';
    } else {
      *out++ = *in++;
    }
  }
  *out = '\0';
}

bs_status bs_db_status_from_sqlstate(const char *sqlstate) {
  if (!sqlstate || strlen(sqlstate) != 5)
    return BS_ERR_RETRIABLE;
  if (strncmp(sqlstate, "08", 2) == 0) /* connection exception */
    return BS_ERR_RETRIABLE;
  if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
    return BS_ERR_RETRIABLE;           /* serialization failure, deadlock */
  if (strncmp(sqlstate, "53", 2) == 0) /* insufficient resources */
    return BS_ERR_RETRIABLE;
  if (strncmp(sqlstate, "57P", 3) == 0) /* shutdown, cannot connect now */
    return BS_ERR_RETRIABLE;
  return BS_ERR_PERMANENT;
}

/* Server notices (e.g. "already exists, skipping") are debug output. */
static void notice_cb(void *arg, const char *message) {
  (void)arg;
  bs_debug("postgres: %s", message);
}

/* A malformed conninfo will not get better by retrying. */
static bs_status check_conninfo(const char *conninfo, char *errstr, size_t errstr_size) {
  char *parse_error = NULL;
  PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", &parse_error);
  if (!opts) {
    snprintf(errstr, errstr_size, "invalid database settings: %s",
             parse_error ? parse_error : "out of memory");
    one_line(errstr);
    PQfreemem(parse_error);
    return BS_ERR_PERMANENT;
  }
  PQconninfoFree(opts);
  return BS_OK;
}

bs_status bs_db_connect_params(const char *const *keywords, const char *const *values, bs_db **out,
                               char *errstr, size_t errstr_size) {
  *out = NULL;
  /* values[0] is the URL or conninfo that the later keywords refine */
  bs_status st = check_conninfo(values[0], errstr, errstr_size);
  if (st != BS_OK)
    return st;
  bs_db *db = calloc(1, sizeof(*db));
  if (!db) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  db->conn = PQconnectdbParams(keywords, values, 1);
  if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
    snprintf(errstr, errstr_size, "database connection failed: %s",
             db->conn ? PQerrorMessage(db->conn) : "out of memory");
    one_line(errstr);
    bs_db_destroy(db);
    return BS_ERR_RETRIABLE;
  }
  PQsetNoticeProcessor(db->conn, notice_cb, NULL);
  *out = db;
  return BS_OK;
}

bs_status bs_db_connect(const char *conninfo, bs_db **out, char *errstr, size_t errstr_size) {
  const char *keywords[] = {"dbname", NULL}, *values[] = {conninfo ? conninfo : "", NULL};
  return bs_db_connect_params(keywords, values, out, errstr, errstr_size);
}

void bs_db_destroy(bs_db *db) {
  if (!db)
    return;
  if (db->conn)
    PQfinish(db->conn);
  free(db);
}

PGconn *bs_db_conn(bs_db *db) {
  return db->conn;
}

/* Turns a result into a status, filling errstr on failure. */
static bs_status result_status(bs_db *db, PGresult *res, char *errstr, size_t errstr_size) {
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
    return BS_OK;
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
  const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);
  snprintf(errstr, errstr_size, "database error%s%s%s: %s", state ? " (SQLSTATE " : "",
           state ? state : "", state ? ")" : "", msg && *msg ? msg : "unknown");
  one_line(errstr);
  if (PQstatus(db->conn) != CONNECTION_OK)
    return BS_ERR_RETRIABLE;
  return bs_db_status_from_sqlstate(state);
}

/* A connection found broken before a statement is reset once. */
static bs_status ensure_connected(bs_db *db, char *errstr, size_t errstr_size) {
  if (PQstatus(db->conn) == CONNECTION_OK)
    return BS_OK;
  PQreset(db->conn);
  if (PQstatus(db->conn) == CONNECTION_OK)
    return BS_OK;
  snprintf(errstr, errstr_size, "database connection lost: %s", PQerrorMessage(db->conn));
  one_line(errstr);
  return BS_ERR_RETRIABLE;
}

bs_status bs_db_exec(bs_db *db, const char *sql, int nparams, const char *const *params,
                     PGresult **out, char *errstr, size_t errstr_size) {
  if (out)
    *out = NULL;
  bs_status st = ensure_connected(db, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
  st = result_status(db, res, errstr, errstr_size);
  if (st == BS_OK && out)
    *out = res;
  else
    PQclear(res);
  return st;
}

const char *bs_db_param_text(const bs_db_param *param, char buf[BS_DB_PARAM_TEXT_SIZE]) {
  switch (param->type) {
  case BS_DB_TYPE_TEXT:
    return param->value.text;
  case BS_DB_TYPE_INT64:
    snprintf(buf, BS_DB_PARAM_TEXT_SIZE, "%" PRId64, param->value.int64);
    return buf;
  case BS_DB_TYPE_DOUBLE:
    snprintf(buf, BS_DB_PARAM_TEXT_SIZE, "%.17g", param->value.number);
    return buf;
  case BS_DB_TYPE_BOOL:
    snprintf(buf, BS_DB_PARAM_TEXT_SIZE, "%s", param->value.boolean ? "t" : "f");
    return buf;
  case BS_DB_TYPE_NULL:
    break;
  }
  return NULL;
}

bs_status bs_db_query(bs_db *db, const char *sql, size_t nparams, const bs_db_param *params,
                      PGresult **out, char *errstr, size_t errstr_size) {
  if (out)
    *out = NULL;
  if (nparams > BS_DB_MAX_PARAMS) {
    snprintf(errstr, errstr_size, "%zu statement parameters: at most %d are supported", nparams,
             BS_DB_MAX_PARAMS);
    return BS_ERR_PERMANENT;
  }
  char text[BS_DB_MAX_PARAMS][BS_DB_PARAM_TEXT_SIZE];
  const char *values[BS_DB_MAX_PARAMS];
  for (size_t i = 0; i < nparams; i++)
    values[i] = bs_db_param_text(&params[i], text[i]);
  return bs_db_exec(db, sql, (int)nparams, values, out, errstr, errstr_size);
}

bs_status bs_db_query_row(bs_db *db, const char *sql, size_t nparams, const bs_db_param *params,
                          PGresult **out, char *errstr, size_t errstr_size) {
  bs_status st = bs_db_query(db, sql, nparams, params, out, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  if (PQntuples(*out) < 1 || PQnfields(*out) < 1 || PQgetisnull(*out, 0, 0)) {
    snprintf(errstr, errstr_size, "no row");
    PQclear(*out);
    *out = NULL;
    return BS_ERR_NOT_FOUND;
  }
  return BS_OK;
}

bs_status bs_db_query_id(bs_db *db, const char *sql, size_t nparams, const bs_db_param *params,
                         int64_t *id, char *errstr, size_t errstr_size) {
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db, sql, nparams, params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return BS_OK;
}

bs_status bs_db_exec_script(bs_db *db, const char *sql, char *errstr, size_t errstr_size) {
  bs_status st = ensure_connected(db, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  PGresult *res = PQexec(db->conn, sql);
  st = result_status(db, res, errstr, errstr_size);
  PQclear(res);
  return st;
}

bs_status bs_db_copy_in(bs_db *db, const char *copy_sql, const char *text, size_t len, char *errstr,
                        size_t errstr_size) {
  bs_status st = ensure_connected(db, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  PGresult *res = PQexec(db->conn, copy_sql);
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    st = result_status(db, res, errstr, errstr_size);
    PQclear(res);
    return st == BS_OK ? BS_ERR_PERMANENT : st;
  }
  PQclear(res);
  /* PQputCopyData takes an int length: send large texts in pieces. */
  int ok = 1;
  for (size_t off = 0; ok && off < len; off += 1 << 20) {
    size_t n = len - off < (1u << 20) ? len - off : 1u << 20;
    ok = PQputCopyData(db->conn, text + off, (int)n) == 1;
  }
  ok = PQputCopyEnd(db->conn, ok ? NULL : "client error") == 1 && ok;
  st = BS_OK;
  if (!ok) {
    snprintf(errstr, errstr_size, "COPY: %s", PQerrorMessage(db->conn));
    one_line(errstr);
    st = BS_ERR_RETRIABLE;
  }
  while ((res = PQgetResult(db->conn))) {
    if (st == BS_OK)
      st = result_status(db, res, errstr, errstr_size);
    PQclear(res);
  }
  return st;
}

const char *bs_db_error_sqlstate(const bs_db *db) {
  return db->sqlstate;
}

bs_status bs_db_begin(bs_db *db, char *errstr, size_t errstr_size) {
  return bs_db_exec(db, "BEGIN", 0, NULL, NULL, errstr, errstr_size);
}

bs_status bs_db_commit(bs_db *db, char *errstr, size_t errstr_size) {
  return bs_db_exec(db, "COMMIT", 0, NULL, NULL, errstr, errstr_size);
}

void bs_db_rollback(bs_db *db) {
  if (PQstatus(db->conn) != CONNECTION_OK)
    return;
  if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
    return;
  PQclear(PQexec(db->conn, "ROLLBACK"));
}

bs_status bs_db_end(bs_db *db, bs_status st, char *errstr, size_t errstr_size) {
  if (st == BS_OK)
    st = bs_db_commit(db, errstr, errstr_size);
  if (st != BS_OK)
    bs_db_rollback(db);
  return st;
}
