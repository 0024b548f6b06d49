/*
 * error.c - names of the error classes, for logs and dead-letter headers.
 */
#include "bs/error.h"

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
