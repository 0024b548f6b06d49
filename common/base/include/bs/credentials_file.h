/*
 * bs/credentials_file.h - reading one principal's credentials file.
 *
 * A credentials setting (kafka_credentials, database_credentials) names a
 * file, or a directory holding one file per principal,
 * "<principal><suffix>" (e.g. bmdstream-bmd.properties). Secrets reach the
 * programs this way, never through the command line (docs/security.md).
 */
#ifndef BS_CREDENTIALS_FILE_H
#define BS_CREDENTIALS_FILE_H

#include <stddef.h>

#include "bs/error.h"

/* Reads the credentials of principal into buf (NUL-terminated): path
 * itself when it is not a directory, else path/<principal><suffix>. On
 * success file holds the path read. A missing file, a read error or one
 * of size bytes or more is BS_ERR_PERMANENT with setting and the file
 * named in errstr; the contents never are. */
bs_status bs_credentials_file_read(const char *setting, const char *path, const char *principal,
                                   const char *suffix, char *buf, size_t size, char *file,
                                   size_t file_size, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
