/*
 * bs/db_copy.h - rows for PostgreSQL `COPY ... FROM STDIN` in text format,
 * built in memory and sent in one go (bs_db_copy_in).
 *
 * Text format: one row a line, columns separated by a tab, \N for NULL;
 * in a text value backslash, tab, newline and carriage return are written
 * \\, \t, \n and \r. Numbers are written with 17 significant digits
 * (a double reads back exactly); a non-finite number is NULL.
 *
 * Usage: _new, then per row the columns in table order (_add_*) and
 * _end_row, then _send; _destroy always. The column separators are written
 * here: a caller only names the values. A NULL copy (a _new that ran out
 * of memory) is accepted by every call: the others do nothing, _send
 * reports the lack of memory, so a caller checks once, at _send.
 */
#ifndef BS_DB_COPY_H
#define BS_DB_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "bs/db.h"
#include "bs/error.h"

typedef struct bs_copy_text bs_copy_text;

/* A new, empty text; NULL when out of memory. */
bs_copy_text *bs_copy_text_new(void);
void bs_copy_text_destroy(bs_copy_text *copy);

/* One column: text (escaped; NULL is SQL NULL), a number, an integer, a
 * boolean, SQL NULL, or an array literal {v0,v1,...} of n numbers with
 * `digits` significant digits (non-finite elements are NULL). */
void bs_copy_text_add_str(bs_copy_text *copy, const char *value);
void bs_copy_text_add_double(bs_copy_text *copy, double value);
void bs_copy_text_add_int(bs_copy_text *copy, int64_t value);
void bs_copy_text_add_bool(bs_copy_text *copy, int value);
void bs_copy_text_add_null(bs_copy_text *copy);
void bs_copy_text_add_doubles(bs_copy_text *copy, const double *values, size_t n, int digits);

/* Ends the current row. */
void bs_copy_text_end_row(bs_copy_text *copy);

/* The rows written so far (borrowed: valid until the next call on copy),
 * *len their length; NULL when there is no memory or they were sent. */
const char *bs_copy_text_get(bs_copy_text *copy, size_t *len);

/* Runs copy_sql (a COPY ... FROM STDIN statement) with the rows as its
 * data. Out of memory (here or at _new) is BS_ERR_RETRIABLE; the rest as
 * bs_db_copy_in. The rows may be sent only once. */
bs_status bs_copy_text_send(bs_copy_text *copy, bs_db *db, const char *copy_sql, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));

/* Loads the rows into table (columns: the names of the rows' columns, in
 * order), skipping rows already there (by any unique key), inside the
 * caller's transaction. First straight into the table (COPY table
 * (columns), in a savepoint): the usual case, where none is there. When
 * one is (unique_violation), the savepoint is rolled back and the rows go
 * through a staging table: CREATE TEMP TABLE <staging> (<staging_columns>:
 * the same columns with their types) ON COMMIT DROP, COPY into it, then
 * INSERT INTO table (columns) SELECT * FROM it ON CONFLICT DO NOTHING. Any
 * other error is returned (as bs_db_query), the transaction to be rolled
 * back. The staging alone cost 40% more: the rows copied twice, each
 * insert speculative (20,000 probe responses: 182-193 ms against 123-125
 * ms, PostgreSQL 15). Errors as _send. */
bs_status bs_copy_text_load(bs_copy_text *copy, bs_db *db, const char *table, const char *columns,
                            const char *staging, const char *staging_columns, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));

#endif
