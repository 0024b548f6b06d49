/*
 * import.h - bmdstream-import's parts: settings from flags (settings.c),
 * following a job (wait.c), the program (main.c).
 */
#ifndef BS_IMPORT_H
#define BS_IMPORT_H

#include <jansson.h>

#include "bmd/dataset.h"
#include "bs/config.h"
#include "bs/db.h"

extern const bs_config_param bs_import_params[];
extern const size_t bs_import_params_count;

/* The `parameters` object of the experiment-imported event (new
 * reference), or NULL with errstr naming the bad flag. Keys may be NULL. */
json_t *bs_import_settings(const bs_config *cfg, bmd_log_base base, const char *probe_map_key,
                           const char *category_key, const char *gmt_key, char *errstr,
                           size_t errstr_size);

/* Follows job_id until it is COMPLETED or FAILED, drawing a progress bar
 * on stderr (when it is a terminal, else one line per change). Returns 0
 * when COMPLETED, 1 when FAILED, 2 when the database is lost. */
int bs_import_wait(bs_db *db, const char *job_id);

#endif
