/*
 * import.h - bmdstream-import's parts: its settings and parsing
 * (settings.c), following a job (wait.c), the program (main.c).
 */
#ifndef BS_IMPORT_H
#define BS_IMPORT_H

#include <jansson.h>

#include "bmd/dataset.h"
#include "bs/config.h"
#include "bs/db.h"
#include "bs/settings.h"

extern const bs_config_param bs_import_params[];
extern const size_t bs_import_params_count;

/* Parses argv: the analysis flags into the resolved settings (*settings,
 * new reference; bs/settings.h), the rest into the configuration (*cfg,
 * new). Returns -1 to go on, else the exit status (--help: 0, a bad flag:
 * 2, with the message printed). */
int bs_import_parse(int argc, char **argv, bs_config **cfg, json_t **settings);

/* Follows job_id until it is COMPLETED or FAILED, drawing a progress bar
 * on stderr (when it is a terminal, else one line per change). Returns 0
 * when COMPLETED, 1 when FAILED, 2 when the database is lost. */
int bs_import_wait(bs_db *db, const char *job_id);

#endif
