/*
 * error.c - names of the error classes, for logs and dead-letter headers,
 * and the one helper that fills an errstr.
 */
#include "bs/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *bs_status_name(bs_status status) {
  switch (status) {
  case BS_OK:
    return "ok";
  case BS_ERR_RETRIABLE:
    return "retriable";
  case BS_ERR_PERMANENT:
    return "permanent";
  case BS_ERR_NOT_FOUND:
    return "not_found";
  }
  return "unknown";
}

void bs_set_err(char *errstr, size_t errstr_size, const char *fmt, ...) {
  if (!errstr || !errstr_size)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errstr, errstr_size, fmt, ap);
  va_end(ap);
}
