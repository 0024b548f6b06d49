/*
 * settings.c - bmdstream-import's own settings (who, which project, which
 * files) and its parsing: the analysis flags go through the one settings
 * module (bs/settings.h) first, exactly as `bmdstream analyze` takes them,
 * then these through the configuration table (file, environment, flags).
 */
#include "import.h"

#include <stdio.h>
#include <string.h>

extern char **environ;

const bs_config_param bs_import_params[] = {
    {"signing_key", BS_CFG_STRING, NULL,
     "the user's Ed25519 private key file (PEM, mode 0600; `bmdstream user key generate`): it "
     "proves the user and signs the event. --key FILE is the same flag",
     0},
    {"user", BS_CFG_STRING, NULL,
     "the importing user's username: with a signing key it must be the key's owner; without one "
     "the user's password is asked for (a session key signs the events). The user must own the "
     "project",
     0},
    {"password_file", BS_CFG_STRING, NULL,
     "with --user and no signing key: a file (mode 0600) whose first line is the password; "
     "without it the password is typed at the terminal (no echo) or read from standard input",
     0},
    {"project", BS_CFG_INT, "0", "project id", 0},
    {"name", BS_CFG_STRING, NULL, "experiment name (default: the file name)", 0},
    {"matrix", BS_CFG_STRING, NULL, "BMDExpress expression file (tab-delimited, gzip ok)", 0},
    {"matrix_key", BS_CFG_STRING, NULL,
     "object key of a matrix already uploaded under projects/<project>/ (BMDExpress text, gzip "
     "or matrix.bin)",
     0},
    {"probe_map", BS_CFG_STRING, NULL, "BMDExpress probe map (probe -> gene) for categories", 0},
    {"category_map", BS_CFG_STRING, NULL, "BMDExpress defined-category map (category -> gene)", 0},
    {"gmt", BS_CFG_STRING, NULL, "gene sets in GMT format (instead of --category-map)", 0},
    {"wait", BS_CFG_BOOL, "false", "follow the job to its end (exit 1 if it fails)", 0},
    {"register_only", BS_CFG_BOOL, "false",
     "store the experiment (rows, matrix.bin, annotation files), print the experiment-imported "
     "data as JSON and stop: no job, no event (for an upstream system that publishes the event "
     "itself, examples/upstream_producer.py)",
     0},
    {"print_settings", BS_CFG_BOOL, "false",
     "print the analysis settings the event would carry, and exit", 0},
};
const size_t bs_import_params_count = sizeof(bs_import_params) / sizeof(bs_import_params[0]);

static void usage(const bs_config *cfg) {
  printf("usage: bmdstream-import (--key FILE | --user NAME) --project ID (--matrix FILE | "
         "--matrix-key KEY)\n"
         "         [--probe-map FILE (--category-map FILE | --gmt FILE)] [analysis flags]\n"
         "       bmdstream-import --key FILE --project ID --config FILE.json [analysis flags]\n\n"
         "Imports an expression matrix and starts its analysis; prints the job id.\n"
         "The user is the owner of the signing key (--key FILE or BMDSTREAM_SIGNING_KEY),\n"
         "who signs the event with it; --user NAME, if given, must name that owner.\n"
         "Without a key, --user NAME logs in with NAME's password (asked at the terminal,\n"
         "or --password-file FILE) and a session key, valid for an hour, signs the event.\n"
         "With --register-only: stores it and prints the event's data instead.\n"
         "With --config FILE.json (a BMDExpress 3 analyze config): one experiment per\n"
         "expression file, one job per run of the config (as `bmdstream analyze --config`),\n"
         "one job id per line; exit status 3 when sections were skipped (named on stderr).\n\n"
         "options:\n");
  bs_config_usage(cfg, stdout);
  printf("\nanalysis flags (the same as bmdstream analyze; default in brackets):\n");
  bs_settings_usage(stdout, BS_SECTION_ALL);
}

/* --config FILE naming a JSON file (a BMDExpress 3 analyze config): its
 * path, the two arguments taken out of argv; NULL when there is none. */
static const char *take_bmdx_config(int *argc, char **argv) {
  for (int i = 1; i < *argc; i++) {
    const char *file = NULL;
    int n = 1;
    if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc) {
      file = argv[i + 1];
      n = 2;
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      file = argv[i] + 9;
    }
    FILE *f = file ? fopen(file, "r") : NULL;
    int c = ' ';
    while (f && (c = fgetc(f)) != EOF && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
      ;
    if (f)
      fclose(f);
    if (c != '{')
      continue;
    memmove(argv + i, argv + i + n, (size_t)(*argc - i - n + 1) * sizeof *argv);
    *argc -= n;
    return file;
  }
  return NULL;
}

int bs_import_parse(int argc, char **argv, bs_config **cfg_out, json_t **settings_out,
                    const char **bmdx) {
  const bs_config_param *tables[] = {bs_config_service_params, bs_import_params};
  size_t counts[] = {bs_config_service_params_count, bs_import_params_count};
  char errstr[2048];
  *cfg_out = NULL;
  *settings_out = NULL;
  bs_config *cfg = bs_config_new(tables, counts, 2);
  json_t *sparse = json_object();
  if (!cfg || !sparse) {
    bs_config_destroy(cfg);
    json_decref(sparse);
    return 1;
  }
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(cfg);
      bs_config_destroy(cfg);
      json_decref(sparse);
      return 0;
    }
  *bmdx = take_bmdx_config(&argc, argv);
  for (int i = 1; i < argc; i++) /* --key FILE: the short name of --signing-key */
    if (strcmp(argv[i], "--key") == 0)
      argv[i] = (char *)"--signing-key";
  int bad = bs_settings_take_flags(sparse, BS_SECTION_ALL, &argc, argv, errstr, sizeof(errstr)) ||
            bs_config_load_env(cfg, environ, errstr, sizeof(errstr)) ||
            bs_config_load_args(cfg, &argc, argv, errstr, sizeof(errstr));
  if (!bad && argc > 1) {
    snprintf(errstr, sizeof(errstr), "unexpected argument '%s' (see --help)", argv[1]);
    bad = 1;
  }
  if (bad) {
    fprintf(stderr, "bmdstream-import: %s\n", errstr);
    bs_config_destroy(cfg);
    json_decref(sparse);
    return 2;
  }
  if (*bmdx) { /* resolved per run (config.c) */
    *cfg_out = cfg;
    *settings_out = sparse;
    return -1;
  }
  bs_analysis_inputs files = {bs_config_get(cfg, "probe_map"), bs_config_get(cfg, "category_map"),
                              bs_config_get(cfg, "gmt")};
  json_t *settings = NULL;
  int rc = bs_settings_resolve(sparse, &files, &settings, errstr, sizeof(errstr));
  json_decref(sparse);
  if (rc != 0) {
    fprintf(stderr, "bmdstream-import: %s\n", errstr);
    bs_config_destroy(cfg);
    return 2;
  }
  *cfg_out = cfg;
  *settings_out = settings;
  return -1;
}
