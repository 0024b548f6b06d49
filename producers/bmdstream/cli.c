/*
 * cli.c - configuration loading and database connection for subcommands,
 * and the flag reading of analyze and categories (their file flags, the
 * getopt loop and its errors).
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/log.h"

extern char **environ;

bs_config *bs_cli_config(const char *name, const char *synopsis, const bs_config_param *params,
                         size_t nparams, int *argc, char **argv, int *exit_code) {
  const bs_config_param *tables[] = {bs_config_service_params, params};
  size_t counts[] = {bs_config_service_params_count, nparams};
  char errstr[1024];
  bs_config *cfg = bs_config_new(tables, counts, params ? 2 : 1);
  if (!cfg) {
    fprintf(stderr, "bmdstream %s: out of memory\n", name);
    *exit_code = 1;
    return NULL;
  }
  for (int i = 1; i < *argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: bmdstream %s %s\n\noptions:\n", name, synopsis);
      bs_config_usage(cfg, stdout);
      bs_config_destroy(cfg);
      *exit_code = 0;
      return NULL;
    }
  if (bs_config_load_env(cfg, environ, errstr, sizeof(errstr)) != 0 ||
      bs_config_load_args(cfg, argc, argv, errstr, sizeof(errstr)) != 0) {
    fprintf(stderr, "bmdstream %s: %s\n", name, errstr);
    bs_config_destroy(cfg);
    *exit_code = 2;
    return NULL;
  }
  static char program[64];
  snprintf(program, sizeof(program), "bmdstream %s", name);
  bs_log_init(program, bs_log_level_parse(bs_config_get(cfg, "log_level")));
  return cfg;
}

bs_db *bs_cli_db(const char *name, const bs_config *cfg) {
  char errstr[1024];
  bs_db *db = NULL;
  if (bs_db_connect_from_config(cfg, "bmdstream", &db, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream %s: %s\n", name, errstr);
    return NULL;
  }
  return db;
}

int bs_cli_read_line(char *buf, size_t size) {
  if (!fgets(buf, (int)size, stdin))
    return -1;
  size_t n = strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  return 0;
}

int bs_cli_files_take(bs_cli_files *f, int c, const char *arg) {
  switch (c) {
  case BS_CLI_OPT_OUT:
    f->out = arg;
    return 1;
  case BS_CLI_OPT_PROBE_MAP:
    f->files.probe_map = arg;
    return 1;
  case BS_CLI_OPT_CATEGORY_MAP:
    f->files.category_map = arg;
    return 1;
  case BS_CLI_OPT_GMT:
    f->files.gmt = arg;
    return 1;
  case BS_CLI_OPT_PRINT_SETTINGS:
    f->print_settings = 1;
    return 1;
  }
  return 0;
}

int bs_cli_bad(const char *name, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bmdstream %s: ", name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 2;
}

int bs_cli_parse(const char *name, int argc, char **argv, const struct option *opts,
                 void (*usage)(FILE *out), bs_cli_files *files, bs_cli_take_cb take, void *arg) {
  int c, rc = -1;
  optind = 1;
  opterr = 0;
  while (rc < 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      rc = 0;
    } else if (c == ':') {
      rc = bs_cli_bad(name, "%s: missing value", argv[optind - 1]);
    } else if (c == '?') {
      usage(stderr);
      rc = bs_cli_bad(name, "unknown flag '%s'", argv[optind - 1]);
    } else if (!bs_cli_files_take(files, c, optarg)) {
      rc = take(arg, c, optarg);
    }
  }
  if (rc < 0 && optind < argc)
    rc = bs_cli_bad(name, "unexpected argument '%s'", argv[optind]);
  return rc;
}
