/*
 * bs/db.h - the database: one connection, parameterized queries only,
 * transactions, and errors classed retriable or permanent (bs/error.h).
 *
 * Retriable: the connection is gone or cannot be made (SQLSTATE class 08),
 * serialization failures and deadlocks (40001, 40P01), the server shutting
 * down or out of resources (57P*, 53*). Everything else, e.g. a constraint
 * or syntax error, is permanent: retrying will not change it.
 */
#ifndef BS_DB_H
#define BS_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/error.h"

typedef struct bs_db bs_db;

/* Connects with a libpq conninfo string or postgresql:// URL (NULL or ""
 * means the PG* environment). On success *out is a new handle. */
bs_status bs_db_connect(const char *conninfo, bs_db **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Connects with libpq keywords and values (NULL-terminated arrays, as
 * PQconnectdbParams takes them, with expand_dbname): values[0] is the
 * "dbname" conninfo or URL, expanded; later keywords override it. */
bs_status bs_db_connect_params(const char *const *keywords, const char *const *values, bs_db **out,
                               char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#define BS_DB_ADMIN "bmdstream-admin"

/* The principal a program connects as: "bmdstream-import",
 * "bmdstream-prefilter", "bmdstream-bmd", "bmdstream-category",
 * "bmdstream-tracker" as themselves, every `bmdstream` command as
 * "bmdstream-admin" (the owner of the schema). */
const char *bs_db_principal(const char *program);

/* Connects program (a client id as above) to url as its own role. The
 * admin connects with url alone (it names the schema's owner). Another
 * program with credentials (the database_credentials setting: a file, or
 * a directory of "<principal>.conninfo" holding libpq keywords such as
 * "user=bmdstream_bmd password=...") takes the file's keywords over the
 * URL's; without credentials, the URL alone. A missing or malformed file
 * is BS_ERR_PERMANENT naming the file, never its contents. */
bs_status bs_db_connect_as(const char *url, const char *credentials, const char *program,
                           bs_db **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* bs_db_connect_as with the settings database_url and
 * database_credentials of cfg (bs/config.h). */
struct bs_config;
bs_status bs_db_connect_from_config(const struct bs_config *cfg, const char *program, bs_db **out,
                                    char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Closes the connection; NULL is safe. */
void bs_db_destroy(bs_db *db);

/* The libpq connection (borrowed), for calls this module does not wrap. */
PGconn *bs_db_conn(bs_db *db);

/* Runs one statement with text parameters ($1..$n; NULL entries are SQL
 * NULL); bs_db_query below takes typed ones. When out is non-NULL and the call succeeds, *out is a
 * new PGresult the caller must PQclear; otherwise the result is freed here. A dropped connection is
 * reset once before the error is reported. */
bs_status bs_db_exec(bs_db *db, const char *sql, int nparams, const char *const *params,
                     PGresult **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* A typed statement parameter. The database layer writes it as text (an
 * int64 in decimal, a double with 17 significant digits, a bool as t/f);
 * the SQL says what the server makes of it ($1::bigint, $2::float8 ...).
 * Build them with the macros below, e.g.
 *   const bs_db_param params[] = {BS_DB_INT64(project_id), BS_DB_TEXT(name)};
 */
typedef enum bs_db_type {
  BS_DB_TYPE_NULL = 0,
  BS_DB_TYPE_TEXT,
  BS_DB_TYPE_INT64,
  BS_DB_TYPE_DOUBLE,
  BS_DB_TYPE_BOOL
} bs_db_type;

typedef struct bs_db_param {
  bs_db_type type;
  union {
    const char *text; /* borrowed for the call; NULL is SQL NULL */
    int64_t int64;
    double number;
    int boolean;
  } value;
} bs_db_param;

#define BS_DB_NULL ((bs_db_param){.type = BS_DB_TYPE_NULL})
#define BS_DB_TEXT(s) ((bs_db_param){.type = BS_DB_TYPE_TEXT, .value.text = (s)})
#define BS_DB_INT64(x) ((bs_db_param){.type = BS_DB_TYPE_INT64, .value.int64 = (int64_t)(x)})
#define BS_DB_DOUBLE(x) ((bs_db_param){.type = BS_DB_TYPE_DOUBLE, .value.number = (x)})
#define BS_DB_BOOL(x) ((bs_db_param){.type = BS_DB_TYPE_BOOL, .value.boolean = (x) != 0})

/* The most parameters one bs_db_query takes, and the buffer size that
 * holds any one of them as text (other than TEXT, which is not copied). */
#define BS_DB_MAX_PARAMS 32
#define BS_DB_PARAM_TEXT_SIZE 32

/* The text the server receives for param: param->value.text itself for
 * TEXT, otherwise written into buf; NULL for SQL NULL. */
const char *bs_db_param_text(const bs_db_param *param, char buf[BS_DB_PARAM_TEXT_SIZE]);

/* bs_db_exec with typed parameters params[0..nparams) for $1..$n
 * (nparams at most BS_DB_MAX_PARAMS; more is BS_ERR_PERMANENT). Results
 * and error classes as bs_db_exec. */
bs_status bs_db_query(bs_db *db, const char *sql, size_t nparams, const bs_db_param *params,
                      PGresult **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* bs_db_query for a statement answering one row, e.g. a lookup by key:
 * on success *out is the result (the caller PQclears it) and row 0 is the
 * answer. No row, or a NULL first column (the value asked for is absent),
 * is BS_ERR_NOT_FOUND with errstr "no row" and *out NULL; the caller
 * rewrites errstr to name what is missing. */
bs_status bs_db_query_row(bs_db *db, const char *sql, size_t nparams, const bs_db_param *params,
                          PGresult **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* bs_db_query_row for a statement whose first column is an id (bigint),
 * e.g. INSERT ... RETURNING id: *id receives it. */
bs_status bs_db_query_id(bs_db *db, const char *sql, size_t nparams, const bs_db_param *params,
                         int64_t *id, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Runs a script of several statements without parameters (migrations). */
bs_status bs_db_exec_script(bs_db *db, const char *sql, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Runs a COPY ... FROM STDIN statement and sends text[0..len) (in the
 * statement's format: text, or binary as bs/db_copy.h builds) as its
 * data. */
bs_status bs_db_copy_in(bs_db *db, const char *copy_sql, const char *text, size_t len, char *errstr,
                        size_t errstr_size) __attribute__((warn_unused_result));

bs_status bs_db_begin(bs_db *db, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
bs_status bs_db_commit(bs_db *db, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
/* Rolls back if a transaction is open; never fails loudly. */
void bs_db_rollback(bs_db *db);
/* Ends the transaction after its statements came to st: COMMIT when st is
 * BS_OK, else (or when the commit fails) ROLLBACK. Returns the commit's
 * status, or st. */
bs_status bs_db_end(bs_db *db, bs_status st, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The SQLSTATE of the last statement on db that failed with one (e.g.
 * "23505", unique_violation), "" when it failed without (the connection). */
const char *bs_db_error_sqlstate(const bs_db *db);

/* The error class of a SQLSTATE code (NULL = no code, i.e. the connection
 * failed before the server answered: retriable). */
bs_status bs_db_status_from_sqlstate(const char *sqlstate);

#endif
