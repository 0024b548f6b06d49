/*
 * db_copy.c - COPY text-format rows in memory, and their load through a
 * staging table (see bs/db_copy.h).
 */
#include "bs/db_copy.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bs_copy_text {
  FILE *f;       /* open_memstream over text/len until sent */
  char *text;    /* the rows, valid once f is closed */
  size_t len;    /* their length */
  size_t column; /* columns written in the current row */
  int failed;    /* out of memory closing the stream */
  int sent;
};

bs_copy_text *bs_copy_text_new(void) {
  bs_copy_text *copy = calloc(1, sizeof(*copy));
  if (!copy)
    return NULL;
  copy->f = open_memstream(&copy->text, &copy->len);
  if (!copy->f) {
    free(copy);
    return NULL;
  }
  return copy;
}

void bs_copy_text_destroy(bs_copy_text *copy) {
  if (!copy)
    return;
  if (copy->f)
    fclose(copy->f);
  free(copy->text);
  free(copy);
}

/* The stream for the next column, after its separator; NULL when there
 * is none (no memory, or sent). */
static FILE *next_column(bs_copy_text *copy) {
  if (!copy || !copy->f)
    return NULL;
  if (copy->column++ > 0)
    fputc('\t', copy->f);
  return copy->f;
}

/* One column of printf-formatted text (no escaping). */
static void add_formatted(bs_copy_text *copy, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_formatted(bs_copy_text *copy, const char *fmt, ...) {
  FILE *f = next_column(copy);
  if (!f)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
}

void bs_copy_text_add_str(bs_copy_text *copy, const char *value) {
  static const char special[] = "\\\t\n\r", written[] = "\\tnr";
  if (!value) {
    bs_copy_text_add_null(copy);
    return;
  }
  FILE *f = next_column(copy);
  for (const char *c = value; f && *c; c++) {
    const char *hit = strchr(special, *c);
    if (hit) {
      fputc('\\', f);
      fputc(written[hit - special], f);
    } else {
      fputc(*c, f);
    }
  }
}

void bs_copy_text_add_double(bs_copy_text *copy, double value) {
  if (isfinite(value))
    add_formatted(copy, "%.17g", value);
  else
    bs_copy_text_add_null(copy);
}

void bs_copy_text_add_int(bs_copy_text *copy, int64_t value) {
  add_formatted(copy, "%" PRId64, value);
}

void bs_copy_text_add_bool(bs_copy_text *copy, int value) {
  add_formatted(copy, "%c", value ? 't' : 'f');
}

void bs_copy_text_add_null(bs_copy_text *copy) {
  add_formatted(copy, "%s", "\\N");
}

void bs_copy_text_add_doubles(bs_copy_text *copy, const double *values, size_t n, int digits) {
  FILE *f = next_column(copy);
  if (!f)
    return;
  fputc('{', f);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fputc(',', f);
    if (isfinite(values[i]))
      fprintf(f, "%.*g", digits, values[i]);
    else
      fputs("NULL", f);
  }
  fputc('}', f);
}

void bs_copy_text_end_row(bs_copy_text *copy) {
  if (!copy || !copy->f)
    return;
  fputc('\n', copy->f);
  copy->column = 0;
}

const char *bs_copy_text_get(bs_copy_text *copy, size_t *len) {
  *len = 0;
  if (!copy || !copy->f || fflush(copy->f) != 0 || ferror(copy->f))
    return NULL;
  *len = copy->len;
  return copy->text;
}

/* The rows' text, the stream closed; BS_ERR_RETRIABLE when out of
 * memory. The text stays valid, and may be sent more than once, until
 * _destroy. */
static bs_status rows_text(bs_copy_text *copy, char *errstr, size_t errstr_size) {
  if (!copy) {
    bs_set_err(errstr, errstr_size, "COPY: out of memory building the rows");
    return BS_ERR_RETRIABLE;
  }
  if (copy->f) {
    int failed = ferror(copy->f) != 0;
    failed = fclose(copy->f) != 0 || failed;
    copy->f = NULL;
    copy->failed = failed || !copy->text;
  }
  if (copy->failed) {
    bs_set_err(errstr, errstr_size, "COPY: out of memory building the rows");
    return BS_ERR_RETRIABLE;
  }
  return BS_OK;
}

bs_status bs_copy_text_send(bs_copy_text *copy, bs_db *db, const char *copy_sql, char *errstr,
                            size_t errstr_size) {
  if (copy && copy->sent) {
    bs_set_err(errstr, errstr_size, "COPY: these rows were sent already");
    return BS_ERR_PERMANENT;
  }
  bs_status st = rows_text(copy, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  copy->sent = 1;
  return bs_db_copy_in(db, copy_sql, copy->text, copy->len, errstr, errstr_size);
}

/* A statement of at most 2 KB: sql of the caller's (2,048 bytes) written
 * by printf; PERMANENT when it does not fit. */
static bs_status format_sql(char *sql, char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bs_status format_sql(char *sql, char *errstr, size_t errstr_size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(sql, 2048, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= 2048) {
    bs_set_err(errstr, errstr_size, "statement too long: %.60s...", sql);
    return BS_ERR_PERMANENT;
  }
  return BS_OK;
}

/* A statement without parameters or rows. */
static bs_status exec(bs_db *db, const char *sql, char *errstr, size_t errstr_size) {
  return bs_db_exec(db, sql, 0, NULL, NULL, errstr, errstr_size);
}

bs_status bs_copy_text_load(bs_copy_text *copy, bs_db *db, const char *table, const char *columns,
                            const char *staging, const char *staging_columns, char *errstr,
                            size_t errstr_size) {
  char direct[2048], create[2048], load[2048], insert[2048];
  bs_status st = rows_text(copy, errstr, errstr_size);
  if (st == BS_OK && copy->sent) {
    bs_set_err(errstr, errstr_size, "COPY: these rows were sent already");
    st = BS_ERR_PERMANENT;
  }
  if (st == BS_OK)
    st = format_sql(direct, errstr, errstr_size, "COPY %s (%s) FROM STDIN", table, columns);
  if (st == BS_OK)
    st = format_sql(create, errstr, errstr_size, "CREATE TEMP TABLE %s (%s) ON COMMIT DROP",
                    staging, staging_columns);
  if (st == BS_OK)
    st = format_sql(load, errstr, errstr_size, "COPY %s FROM STDIN", staging);
  if (st == BS_OK)
    st = format_sql(insert, errstr, errstr_size,
                    "INSERT INTO %s (%s) SELECT * FROM %s ON CONFLICT DO NOTHING", table, columns,
                    staging);
  if (st != BS_OK)
    return st;
  copy->sent = 1;
  /* 1. straight into the table: none of the rows is there yet, the usual
   * case (a first delivery) */
  st = exec(db, "SAVEPOINT bs_copy_load", errstr, errstr_size);
  if (st != BS_OK)
    return st;
  st = bs_db_copy_in(db, direct, copy->text, copy->len, errstr, errstr_size);
  if (st == BS_OK)
    return exec(db, "RELEASE SAVEPOINT bs_copy_load", errstr, errstr_size);
  if (strcmp(bs_db_error_sqlstate(db), "23505") != 0) /* not unique_violation */
    return st;
  /* 2. some are there (a redelivery, or another instance's load that
   * committed first): the rows again through staging, those there
   * skipped */
  st = exec(db, "ROLLBACK TO SAVEPOINT bs_copy_load", errstr, errstr_size);
  if (st == BS_OK)
    st = exec(db, create, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_db_copy_in(db, load, copy->text, copy->len, errstr, errstr_size);
  if (st == BS_OK)
    st = exec(db, insert, errstr, errstr_size);
  return st;
}
