/*
 * error.c - names of the error classes, for logs and dead-letter headers,
 * and the one helper that fills an errstr.
 */
#include "bs/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
    [BS_OK] = "ok",
    [BS_ERR_RETRIABLE] = "retriable",
    [BS_ERR_PERMANENT] = "permanent",
    [BS_ERR_NOT_FOUND] = "not_found",
};

const char *bs_status_name(bs_status status) {
  return (unsigned)status < sizeof(status_names) / sizeof(status_names[0]) ? status_names[status]
                                                                           : "unknown";
}

int bs_err_is_forbidden(const char *errstr) {
  return errstr && strncmp(errstr, BS_FORBIDDEN_PREFIX, sizeof(BS_FORBIDDEN_PREFIX) - 1) == 0;
}

void bs_set_err(char *errstr, size_t errstr_size, const char *fmt, ...) {
  if (!errstr || !errstr_size)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errstr, errstr_size, fmt, ap);
  va_end(ap);
}
