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

#include "bs/error.h"

typedef struct bs_db bs_db;

/* Connects with a libpq conninfo string or postgresql:// URL (NULL or ""
 * means the PG* environment). On success *out is a new handle. */
bs_status bs_db_connect(const char *conninfo, bs_db **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Closes the connection; NULL is safe. */
void bs_db_destroy(bs_db *db);

/* The libpq connection (borrowed), for calls this module does not wrap. */
PGconn *bs_db_conn(bs_db *db);

/* Runs one statement with text parameters ($1..$n; NULL entries are SQL
 * NULL). When out is non-NULL and the call succeeds, *out is a new
 * PGresult the caller must PQclear; otherwise the result is freed here.
 * A dropped connection is reset once before the error is reported. */
bs_status bs_db_exec(bs_db *db, const char *sql, int nparams, const char *const *params,
                     PGresult **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Runs a script of several statements without parameters (migrations). */
bs_status bs_db_exec_script(bs_db *db, const char *sql, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Runs a COPY ... FROM STDIN statement and sends text[0..len) (COPY text
 * format) as its data. */
bs_status bs_db_copy_in(bs_db *db, const char *copy_sql, const char *text, size_t len, char *errstr,
                        size_t errstr_size) __attribute__((warn_unused_result));

bs_status bs_db_begin(bs_db *db, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
bs_status bs_db_commit(bs_db *db, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
/* Rolls back if a transaction is open; never fails loudly. */
void bs_db_rollback(bs_db *db);

/* The error class of a SQLSTATE code (NULL = no code, i.e. the connection
 * failed before the server answered: retriable). */
bs_status bs_db_status_from_sqlstate(const char *sqlstate);

#endif
