/*
 * bs/md5.h - MD5 as base64, for the Content-MD5 header of an S3 upload:
 * the header is signed and the server checks the body against it, so the
 * body cannot change unseen (what a signed SHA-256 of the payload would
 * also give, at twice the server's cost; objstore_s3.c).
 */
#ifndef BS_MD5_H
#define BS_MD5_H

#include <stddef.h>
#include <stdio.h>

/* The MD5 of file's contents (read to its end, then rewound) when file is
 * not NULL, else of buf[0..len), as 24 base64 characters and a NUL in
 * out. 0, or -1 when the digest or the read fails. */
int bs_md5_base64(const void *buf, size_t len, FILE *file, char out[25]);

#endif
