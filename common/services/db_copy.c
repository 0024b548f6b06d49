/*
 * db_copy.c - COPY text-format rows in memory (see bs/db_copy.h).
 */
#include "bs/db_copy.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct bs_copy_text {
  FILE *f;       /* open_memstream over text/len until sent */
  char *text;    /* the rows, valid once f is closed */
  size_t len;    /* their length */
  size_t column; /* columns written in the current row */
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

void bs_copy_text_add_str(bs_copy_text *copy, const char *value) {
  FILE *f = next_column(copy);
  if (!f)
    return;
  if (!value) {
    fputs("\\N", f);
    return;
  }
  for (const char *c = value; *c; c++) {
    switch (*c) {
    case '\\':
      fputs("\\\\", f);
      break;
    case '\t':
      fputs("\\t", f);
      break;
    case '\n':
      fputs("\\n", f);
      break;
    case '\r':
      fputs("\\r", f);
      break;
    default:
      fputc(*c, f);
    }
  }
}

void bs_copy_text_add_double(bs_copy_text *copy, double value) {
  FILE *f = next_column(copy);
  if (!f)
    return;
  if (isfinite(value))
    fprintf(f, "%.17g", value);
  else
    fputs("\\N", f);
}

void bs_copy_text_add_int(bs_copy_text *copy, int64_t value) {
  FILE *f = next_column(copy);
  if (f)
    fprintf(f, "%" PRId64, value);
}

void bs_copy_text_add_bool(bs_copy_text *copy, int value) {
  FILE *f = next_column(copy);
  if (f)
    fputc(value ? 't' : 'f', f);
}

void bs_copy_text_add_null(bs_copy_text *copy) {
  FILE *f = next_column(copy);
  if (f)
    fputs("\\N", f);
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

bs_status bs_copy_text_send(bs_copy_text *copy, bs_db *db, const char *copy_sql, char *errstr,
                            size_t errstr_size) {
  if (!copy) {
    bs_set_err(errstr, errstr_size, "COPY: out of memory building the rows");
    return BS_ERR_RETRIABLE;
  }
  if (copy->sent) {
    bs_set_err(errstr, errstr_size, "COPY: these rows were sent already");
    return BS_ERR_PERMANENT;
  }
  copy->sent = 1;
  int failed = ferror(copy->f) != 0;
  failed = fclose(copy->f) != 0 || failed;
  copy->f = NULL;
  if (failed || !copy->text) {
    bs_set_err(errstr, errstr_size, "COPY: out of memory building the rows");
    return BS_ERR_RETRIABLE;
  }
  return bs_db_copy_in(db, copy_sql, copy->text, copy->len, errstr, errstr_size);
}
