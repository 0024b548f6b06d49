/*
 * bs/error.h - the error classes every fallible call of common/ reports.
 * The class decides what a program does (STYLE.md #3): retry with backoff
 * (RETRIABLE), dead-letter or refuse (PERMANENT), or treat as absent
 * (NOT_FOUND).
 */
#ifndef BS_ERROR_H
#define BS_ERROR_H

#include <stddef.h>

typedef enum { BS_OK = 0, BS_ERR_RETRIABLE, BS_ERR_PERMANENT, BS_ERR_NOT_FOUND } bs_status;

const char *bs_status_name(bs_status status);

/* A refusal on authority -- the event's user does not own its project, or
 * a job, result id or object key it names is not its project's -- is
 * BS_ERR_PERMANENT with an errstr beginning with this prefix. The stage
 * runtime dead-letters such a message as class "forbidden". */
#define BS_FORBIDDEN_PREFIX "forbidden: "

/* 1 when errstr reports a refusal on authority (see BS_FORBIDDEN_PREFIX). */
int bs_err_is_forbidden(const char *errstr);

/* Formats an error message into errstr[0..errstr_size) (truncated to fit);
 * a NULL errstr or a zero size is ignored. */
void bs_set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
