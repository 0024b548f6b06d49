/*
 * cli.h - what the subcommands share: loading their configuration
 * (service settings + their own table) from env and flags, with --help;
 * the file flags of the commands that run analysis steps on files.
 */
#ifndef BS_CLI_H
#define BS_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "bs/config.h"
#include "bs/db.h"
#include "bs/settings.h"

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

/* The flags `analyze` and `categories` both take: the output folder, the
 * annotation files and --print-settings. A command puts
 * BS_CLI_FILE_OPTIONS in its getopt_long table (its own codes from
 * BS_CLI_OPT_OWN on) and hands each code to bs_cli_files_take. */
typedef struct bs_cli_files {
  const char *out;          /* --out DIR */
  bs_analysis_inputs files; /* --probe-map, --category-map, --gmt */
  int print_settings;       /* --print-settings */
} bs_cli_files;

enum {
  BS_CLI_OPT_OUT = 256,
  BS_CLI_OPT_PROBE_MAP,
  BS_CLI_OPT_CATEGORY_MAP,
  BS_CLI_OPT_GMT,
  BS_CLI_OPT_PRINT_SETTINGS,
  BS_CLI_OPT_OWN
};

/* clang-format off */
#define BS_CLI_FILE_OPTIONS                                              \
  {"out", required_argument, NULL, BS_CLI_OPT_OUT},                      \
  {"probe-map", required_argument, NULL, BS_CLI_OPT_PROBE_MAP},          \
  {"category-map", required_argument, NULL, BS_CLI_OPT_CATEGORY_MAP},    \
  {"gmt", required_argument, NULL, BS_CLI_OPT_GMT},                      \
  {"print-settings", no_argument, NULL, BS_CLI_OPT_PRINT_SETTINGS}
/* clang-format on */

/* Takes getopt_long's code c of one of those flags, with its argument,
 * into f: 1, or 0 when c is not one of them. */
int bs_cli_files_take(bs_cli_files *f, int c, const char *arg);

/* Prints "bmdstream NAME: " and the message on stderr; returns 2, the
 * exit status of a bad command line. */
int bs_cli_bad(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A command's own flag: take(arg, c, value) stores getopt_long's code c
 * (one of the command's own, from BS_CLI_OPT_OWN on) with its argument;
 * -1 to go on, else the exit status (bs_cli_bad's 2 for a bad value). */
typedef int (*bs_cli_take_cb)(void *arg, int c, const char *value);

/* Reads the flags of command `name` from argv[1..argc) with getopt_long
 * over opts (which holds BS_CLI_FILE_OPTIONS, {"help", no_argument, NULL,
 * 'h'} and the command's own): -h/--help prints usage(stdout) and gives 0;
 * the file flags go into files, the others to take. A missing value, an
 * unknown flag (after usage(stderr)) or a positional argument gives 2.
 * Returns -1 when every flag was taken. */
int bs_cli_parse(const char *name, int argc, char **argv, const struct option *opts,
                 void (*usage)(FILE *out), bs_cli_files *files, bs_cli_take_cb take, void *arg);

#endif
