/*
 * bs/migrate.h - applies the ordered SQL migrations of a directory.
 *
 * Files are named NNNN_description.sql and applied in version order, each
 * in its own transaction together with its row in schema_migrations
 * (version, name, sha256 checksum, applied_at). A session advisory lock
 * serialises concurrent runs, so running twice, or twice at once, is safe.
 * A migration whose file changed after it was applied is refused.
 */
#ifndef BS_MIGRATE_H
#define BS_MIGRATE_H

#include <stddef.h>

#include "bs/db.h"

typedef struct bs_migrate_report {
  int applied; /* migrations applied by this run */
  int present; /* migrations that were already applied */
} bs_migrate_report;

bs_status bs_migrate_run(bs_db *db, const char *dir, bs_migrate_report *report, char *errstr,
                         size_t errstr_size) __attribute__((warn_unused_result));

#endif
