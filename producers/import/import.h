/*
 * import.h - bmdstream-import's parts: its settings and parsing
 * (settings.c), following a job (wait.c), the program (main.c).
 */
#ifndef BS_IMPORT_H
#define BS_IMPORT_H

#include <jansson.h>
#include <stdint.h>

#include "bmd/dataset.h"
#include "bs/config.h"
#include "bs/db.h"
#include "bs/objstore.h"
#include "bs/settings.h"
#include "bs/signature.h"

extern const bs_config_param bs_import_params[];
extern const size_t bs_import_params_count;

/* Parses argv: the analysis flags into the resolved settings (*settings,
 * new reference; bs/settings.h), the rest into the configuration (*cfg,
 * new). With --config FILE.json (a JSON file: a BMDExpress 3 analyze
 * config; any other --config file is the key = value configuration) the
 * flags stay sparse in *settings, to go over each run of the config, and
 * *bmdx is the file's path (else NULL). Returns -1 to go on, else the exit
 * status (--help: 0, a bad flag: 2, with the message printed). */
int bs_import_parse(int argc, char **argv, bs_config **cfg, json_t **settings, const char **bmdx);

/* The experiment's rows and projects/{p}/experiments/{e}/matrix.bin for ds
 * (named name), the object uploaded while the rows go in, the key set once
 * both are done; its id into *experiment and the object key into key. */
int bs_import_store_experiment(bs_db *db, bs_objstore *store, int64_t project, const char *name,
                               const bmd_dataset *ds, int64_t *experiment, char key[256],
                               char *errstr, size_t errstr_size);

/* The local annotation files uploaded next to the experiment's matrix, as
 * <kind><tag>.txt / gene_sets<tag>.gmt, and the GO and Reactome files the
 * settings name for a go or pathway run (go<tag>.obo,
 * go_annotations<tag>.txt, pathway_annotations<tag>.txt), and the
 * experiment-imported data (new reference) with settings and the
 * annotation keys. NULL with errstr. */
json_t *bs_import_event_data(bs_objstore *store, int64_t user_id, int64_t project,
                             int64_t experiment, const char *matrix_key, const bmd_dataset *ds,
                             const json_t *settings, const bs_analysis_inputs *files,
                             const char *tag, char *errstr, size_t errstr_size);

/* bmdstream-import --config FILE.json: one experiment per expression file
 * of the config, one job per run (bs/bmdx_plan.h), flags (sparse) over
 * each; --print-settings prints one JSON line per run. Exit status: 0,
 * 3 when sections were skipped (named on stderr), 1 on a failure, 2 on a
 * bad config or command line. */
int bs_import_config(bs_config *cfg, const char *path, const json_t *flags);

/* The importing user, proved by one of
 *   - the signing key (--key FILE or BMDSTREAM_SIGNING_KEY): its owner,
 *     loaded into *signer (new); --user, if given, must name that owner;
 *   - a password (--user NAME and no key: password.c): checked against
 *     the user's Argon2id hash, then *signer is a new session key of that
 *     user (bs_signer_new_session, BS_IMPORT_SESSION_MINUTES).
 * PERMANENT with errstr otherwise (no key and no user, a key that is not
 * registered or is revoked, another user's name, a wrong password). */
#define BS_IMPORT_SESSION_MINUTES 60
bs_status bs_import_identity(const bs_config *cfg, bs_db *db, bs_signer **signer, int64_t *user_id,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Follows job_id until it is COMPLETED or FAILED, drawing a progress bar
 * on stderr (when it is a terminal, else one line per change). Returns 0
 * when COMPLETED, 1 when FAILED, 2 when the database is lost. */
int bs_import_wait(bs_db *db, const char *job_id);

/* The password for user: the first line of the file at path (mode 0600)
 * when path is set, else typed at the terminal without echo, else the
 * first line of standard input. -1 with errstr. */
int bs_import_read_password(const char *path, const char *user, char *buf, size_t size,
                            char *errstr, size_t errstr_size);

#endif
