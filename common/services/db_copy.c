/*
 * db_copy.c - COPY binary-format rows in memory, and their load straight
 * into a table or, when some are there, through a staging table (see
 * bs/db_copy.h).
 */
#include "bs/db_copy.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The types' OIDs (pg_type.dat) that an array's header names. */
#define FLOAT4_OID 700
#define FLOAT8_OID 701

static const unsigned char signature[11] = {'P',  'G',  'C',  'O',  'P', 'Y',
                                            '\n', 0xff, '\r', '\n', 0};

struct bs_copy_rows {
  unsigned char *buf; /* header, rows (and trailer once finished) */
  size_t len, cap;
  size_t row_start; /* offset of the current row's column count */
  int16_t columns;  /* columns written in the current row */
  int failed;       /* out of memory: nothing more is written */
  int finished;     /* the trailer is written */
  int loaded;
};

/* Room for n more bytes at buf + len; 0 when out of memory (copy failed). */
static int reserve(bs_copy_rows *copy, size_t n) {
  if (copy->failed || copy->finished)
    return 0;
  if (copy->len + n <= copy->cap)
    return 1;
  size_t cap = copy->cap ? copy->cap : 1 << 16;
  while (cap < copy->len + n)
    cap *= 2;
  unsigned char *buf = realloc(copy->buf, cap);
  if (!buf) {
    copy->failed = 1;
    return 0;
  }
  copy->buf = buf;
  copy->cap = cap;
  return 1;
}

static void put(bs_copy_rows *copy, const void *bytes, size_t n) {
  if (n && reserve(copy, n)) { /* (memcpy may not be given NULL, even for 0) */
    memcpy(copy->buf + copy->len, bytes, n);
    copy->len += n;
  }
}

/* v in network byte order, as its nbytes (2, 4 or 8) lowest bytes. */
static void put_be(bs_copy_rows *copy, uint64_t v, size_t nbytes) {
  unsigned char b[8];
  for (size_t i = 0; i < nbytes; i++)
    b[i] = (unsigned char)(v >> (8 * (nbytes - 1 - i)));
  put(copy, b, nbytes);
}

static void put_u16(bs_copy_rows *copy, uint16_t v) {
  put_be(copy, v, 2);
}

static void put_u32(bs_copy_rows *copy, uint32_t v) {
  put_be(copy, v, 4);
}

static void put_u64(bs_copy_rows *copy, uint64_t v) {
  put_be(copy, v, 8);
}

/* A new column's length (int32: -1 for NULL). */
static void begin_column(bs_copy_rows *copy, int32_t len) {
  if (!copy)
    return;
  if (copy->columns == 0 && copy->row_start == (size_t)-1) {
    copy->row_start = copy->len;
    put_u16(copy, 0); /* the count, set at _end_row */
  }
  copy->columns++;
  put_u32(copy, (uint32_t)len);
}

bs_copy_rows *bs_copy_rows_new(void) {
  bs_copy_rows *copy = calloc(1, sizeof(*copy));
  if (!copy)
    return NULL;
  copy->row_start = (size_t)-1;
  put(copy, signature, sizeof(signature));
  put_u32(copy, 0); /* flags */
  put_u32(copy, 0); /* header extension length */
  if (copy->failed) {
    bs_copy_rows_destroy(copy);
    return NULL;
  }
  return copy;
}

void bs_copy_rows_destroy(bs_copy_rows *copy) {
  if (!copy)
    return;
  free(copy->buf);
  free(copy);
}

void bs_copy_add_null(bs_copy_rows *copy) {
  begin_column(copy, -1);
}

void bs_copy_add_int8(bs_copy_rows *copy, int64_t value) {
  begin_column(copy, 8);
  if (copy)
    put_u64(copy, (uint64_t)value);
}

void bs_copy_add_int4(bs_copy_rows *copy, int32_t value) {
  begin_column(copy, 4);
  if (copy)
    put_u32(copy, (uint32_t)value);
}

void bs_copy_add_int2(bs_copy_rows *copy, int16_t value) {
  begin_column(copy, 2);
  if (copy)
    put_u16(copy, (uint16_t)value);
}

/* A double's IEEE 754 bits, as float8send sends them. */
static uint64_t double_bits(double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static uint32_t float_bits(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  return bits;
}

void bs_copy_add_float8(bs_copy_rows *copy, double value) {
  if (!isfinite(value)) {
    bs_copy_add_null(copy);
    return;
  }
  begin_column(copy, 8);
  if (copy)
    put_u64(copy, double_bits(value));
}

void bs_copy_add_bool(bs_copy_rows *copy, int value) {
  begin_column(copy, 1);
  if (copy)
    put(copy, value ? "\1" : "\0", 1);
}

/* A column of len bytes, after prefix (prefix_len bytes). */
static void add_bytes(bs_copy_rows *copy, const void *prefix, size_t prefix_len, const char *bytes,
                      size_t len) {
  if (prefix_len + len > INT32_MAX) {
    if (copy)
      copy->failed = 1; /* more than a column holds: reported at _load */
    return;
  }
  begin_column(copy, (int32_t)(prefix_len + len));
  if (copy) {
    put(copy, prefix, prefix_len);
    put(copy, bytes, len);
  }
}

void bs_copy_add_text(bs_copy_rows *copy, const char *value) {
  if (!value)
    bs_copy_add_null(copy);
  else
    add_bytes(copy, NULL, 0, value, strlen(value));
}

void bs_copy_add_jsonb(bs_copy_rows *copy, const char *json) {
  static const unsigned char version = 1; /* jsonb_recv: version 1, then the text */
  if (!json)
    bs_copy_add_null(copy);
  else
    add_bytes(copy, &version, 1, json, strlen(json));
}

/* A one-dimensional array of n elements of elem_size bytes (4 or 8) and
 * type oid (array_recv's layout): ndim, has-nulls flag, element type, then
 * its size and lower bound 1, then each element's length and bytes, -1
 * for a non-finite one (NULL). An empty array has no dimension. */
static void add_array(bs_copy_rows *copy, const double *values, size_t n, uint32_t oid,
                      size_t elem_size) {
  size_t nulls = 0;
  for (size_t i = 0; i < n; i++)
    nulls += !isfinite(values[i]);
  size_t len = 12 + (n ? 8 : 0) + n * 4 + (n - nulls) * elem_size;
  if (len > INT32_MAX || n > INT32_MAX) {
    if (copy)
      copy->failed = 1;
    return;
  }
  begin_column(copy, (int32_t)len);
  if (!copy)
    return;
  put_u32(copy, n ? 1 : 0);
  put_u32(copy, nulls ? 1 : 0);
  put_u32(copy, oid);
  if (n) {
    put_u32(copy, (uint32_t)n);
    put_u32(copy, 1);
  }
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(values[i])) {
      put_u32(copy, (uint32_t)-1);
    } else if (elem_size == 8) {
      put_u32(copy, 8);
      put_u64(copy, double_bits(values[i]));
    } else {
      put_u32(copy, 4);
      put_u32(copy, float_bits((float)values[i]));
    }
  }
}

void bs_copy_add_float8_array(bs_copy_rows *copy, const double *values, size_t n) {
  add_array(copy, values, n, FLOAT8_OID, 8);
}

void bs_copy_add_float4_array(bs_copy_rows *copy, const double *values, size_t n) {
  add_array(copy, values, n, FLOAT4_OID, 4);
}

void bs_copy_end_row(bs_copy_rows *copy) {
  if (!copy || copy->failed || copy->finished)
    return;
  if (copy->row_start == (size_t)-1) { /* a row of no column */
    copy->row_start = copy->len;
    put_u16(copy, 0);
  }
  if (!copy->failed) { /* the count, in network byte order */
    copy->buf[copy->row_start] = (unsigned char)((uint16_t)copy->columns >> 8);
    copy->buf[copy->row_start + 1] = (unsigned char)(copy->columns & 0xff);
  }
  copy->columns = 0;
  copy->row_start = (size_t)-1;
}

const unsigned char *bs_copy_rows_data(bs_copy_rows *copy, size_t *len) {
  *len = 0;
  if (!copy || copy->failed)
    return NULL;
  if (!copy->finished) {
    put_u16(copy, (uint16_t)-1); /* the trailer */
    if (copy->failed)
      return NULL;
    copy->finished = 1;
  }
  *len = copy->len;
  return copy->buf;
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

bs_status bs_copy_rows_load(bs_copy_rows *copy, bs_db *db, const char *table, const char *columns,
                            const char *staging, const char *staging_columns, char *errstr,
                            size_t errstr_size) {
  size_t len = 0;
  const char *data = (const char *)bs_copy_rows_data(copy, &len);
  if (!data) {
    bs_set_err(errstr, errstr_size, "COPY: out of memory building the rows");
    return BS_ERR_RETRIABLE;
  }
  if (copy->loaded) {
    bs_set_err(errstr, errstr_size, "COPY: these rows were loaded already");
    return BS_ERR_PERMANENT;
  }
  char direct[2048], create[2048], load[2048], insert[2048];
  bs_status st = format_sql(direct, errstr, errstr_size,
                            "COPY %s (%s) FROM STDIN WITH (FORMAT binary)", table, columns);
  if (st == BS_OK)
    st = format_sql(create, errstr, errstr_size, "CREATE TEMP TABLE %s (%s) ON COMMIT DROP",
                    staging, staging_columns);
  if (st == BS_OK)
    st = format_sql(load, errstr, errstr_size, "COPY %s FROM STDIN WITH (FORMAT binary)", staging);
  if (st == BS_OK)
    st = format_sql(insert, errstr, errstr_size,
                    "INSERT INTO %s (%s) SELECT * FROM %s ON CONFLICT DO NOTHING", table, columns,
                    staging);
  if (st != BS_OK)
    return st;
  copy->loaded = 1;
  /* 1. straight into the table: none of the rows is there yet, the usual
   * case (a first delivery) */
  st = exec(db, "SAVEPOINT bs_copy_load", errstr, errstr_size);
  if (st != BS_OK)
    return st;
  st = bs_db_copy_in(db, direct, data, len, errstr, errstr_size);
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
    st = bs_db_copy_in(db, load, data, len, errstr, errstr_size);
  if (st == BS_OK)
    st = exec(db, insert, errstr, errstr_size);
  return st;
}
