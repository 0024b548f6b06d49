/*
 * bs/error.h - the error classes shared by the I/O modules (object store,
 * database, Kafka bus).
 *
 * Every fallible call in common/ returns one of these and fills an errstr.
 * The class, not the message, decides what the caller does:
 *   BS_OK             success;
 *   BS_ERR_RETRIABLE  transient (connection refused/reset, timeout, HTTP 5xx,
 *                     429, S3 SlowDown, serialization failure...): retry
 *                     later with backoff, do not dead-letter yet;
 *   BS_ERR_PERMANENT  retrying cannot help (bad input, 4xx such as
 *                     AccessDenied or SignatureDoesNotMatch, bad config):
 *                     dead-letter or exit;
 *   BS_ERR_NOT_FOUND  the named thing does not exist (S3 NoSuchKey, no row);
 *                     often an expected answer rather than a failure.
 */
#ifndef BS_ERROR_H
#define BS_ERROR_H

/* Marks fallible calls whose status must be looked at. */
#ifndef BS_MUSTCHECK
#define BS_MUSTCHECK __attribute__((warn_unused_result))
#endif

typedef enum { BS_OK = 0, BS_ERR_RETRIABLE, BS_ERR_PERMANENT, BS_ERR_NOT_FOUND } bs_status;

/* "ok", "retriable", "permanent", "not-found" (static string; "unknown" for
 * values outside the enum). */
const char *bs_status_name(bs_status status);

#endif
