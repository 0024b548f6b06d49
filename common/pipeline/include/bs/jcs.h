/*
 * bs/jcs.h - the JSON Canonicalization Scheme (RFC 8785) of a jansson
 * value: the bytes an event's signature is made over (bs/signature.h), so
 * that any language with an RFC 8785 library signs the same bytes as we
 * verify.
 *
 *   objects   members sorted by their names' UTF-16 code units, no spaces
 *   strings   UTF-8 as is, except " \ and U+0000..U+001F: \b \t \n \f \r,
 *             the others \u00xx (lower-case hex)
 *   numbers   ECMAScript's Number.prototype.toString of the IEEE double
 *             (RFC 8785 §3.2.2.3): 0.05, 1e-7, 1e+21, -0 written 0;
 *             integers outside +-(2^53 - 1) are refused (no double holds
 *             them exactly)
 *   literals  true, false, null
 */
#ifndef BS_JCS_H
#define BS_JCS_H

#include <jansson.h>
#include <stddef.h>

/* The canonical text of value (borrowed), NUL-terminated and malloc'd
 * (free()); *len_out, when not NULL, receives its length. NULL with errstr
 * naming the value that cannot be canonicalized (an integer out of the
 * safe range, a non-finite real, nesting deeper than BS_JCS_MAX_DEPTH). */
char *bs_jcs_dumps(const json_t *value, size_t *len_out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#define BS_JCS_MAX_DEPTH 256

/* ECMAScript's Number::toString of a finite double into buf (at least 32
 * bytes); -1 when v is not finite. */
int bs_jcs_number(double v, char *buf, size_t size);

#endif
