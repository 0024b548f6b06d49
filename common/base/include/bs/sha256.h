/*
 * bs/sha256.h - SHA-256 as lowercase hex, for the settings hash (the
 * result rows' natural keys) and the instance locks' tag of a Kafka
 * cluster (common/base/digest.c).
 */
#ifndef BS_SHA256_H
#define BS_SHA256_H

#include <stddef.h>
#include <stdio.h>

/* The SHA-256 of file's contents (read to its end, then rewound) when
 * file is not NULL, else of buf[0..len), as 64 hex digits and a NUL in
 * out. 0, or -1 when the digest or the read fails. */
int bs_sha256_hex(const void *buf, size_t len, FILE *file, char out[65]);

#endif
