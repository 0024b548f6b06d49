/*
 * cli.h - what the subcommands share: loading their configuration
 * (service settings + their own table) from env and flags, with --help.
 */
#ifndef BS_CLI_H
#define BS_CLI_H

#include <stddef.h>

#include "bs/config.h"
#include "bs/db.h"

/* Builds the config of subcommand `name`: the shared service settings,
 * then params[0..nparams). Loads the environment and argv (config flags
 * are consumed; other arguments stay in argv[1..*argc)). Prints usage
 * (with `synopsis`) and sets *exit_code 0 on --help; prints the error and
 * sets *exit_code 2 on a bad setting. Returns NULL in both cases. */
bs_config *bs_cli_config(const char *name, const char *synopsis, const bs_config_param *params,
                         size_t nparams, int *argc, char **argv, int *exit_code);

/* Connects to the configured database, printing the error on failure. */
bs_db *bs_cli_db(const char *name, const bs_config *cfg);

/* Reads one line (without its newline) from stdin into buf; -1 on EOF. */
int bs_cli_read_line(char *buf, size_t size);

#endif
