/*
 * bs/error.h - the error classes every fallible call of common/ reports.
 * The class decides what a program does (STYLE.md #3): retry with backoff
 * (RETRIABLE), dead-letter or refuse (PERMANENT), or treat as absent
 * (NOT_FOUND).
 */
#ifndef BS_ERROR_H
#define BS_ERROR_H

typedef enum { BS_OK = 0, BS_ERR_RETRIABLE, BS_ERR_PERMANENT, BS_ERR_NOT_FOUND } bs_status;

const char *bs_status_name(bs_status status);

#endif
