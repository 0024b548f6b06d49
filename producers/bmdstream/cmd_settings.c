/*
 * cmd_settings.c - `bmdstream settings`: the analysis settings as the one
 * table defines them (bs/settings.h).
 *
 *   bmdstream settings            the defaults, as the settings JSON
 *   bmdstream settings --table    every setting: path, type, default,
 *                                 bounds, choices, flag, help (JSON)
 *   bmdstream settings --check F  normalizes the settings JSON in F (a
 *                                 file, - for stdin) and prints it, or
 *                                 names the bad path (exit 1)
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "bs/settings.h"

static int print(json_t *j) {
  int rc = j && bs_settings_print(stdout, j) == 0 ? 0 : 1;
  json_decref(j);
  return rc;
}

int bs_cmd_settings(int argc, char **argv) {
  char err[1024];
  if (argc == 2 && strcmp(argv[1], "--table") == 0)
    return print(bs_settings_table_json());
  if (argc == 1 || (argc == 3 && strcmp(argv[1], "--check") == 0)) {
    json_error_t jerr;
    json_t *in = NULL, *out = NULL;
    if (argc == 3) {
      in = strcmp(argv[2], "-") == 0 ? json_loadf(stdin, 0, &jerr)
                                     : json_load_file(argv[2], 0, &jerr);
      if (!in) {
        fprintf(stderr, "bmdstream settings: %s:%d:%d: %s\n", argc == 3 ? argv[2] : "-", jerr.line,
                jerr.column, jerr.text);
        return 1;
      }
    }
    bs_status st = bs_settings_normalize(in, &out, err, sizeof(err));
    json_decref(in);
    if (st != BS_OK) {
      fprintf(stderr, "bmdstream settings: %s\n", err);
      return 1;
    }
    return print(out);
  }
  FILE *out = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout : stderr;
  fprintf(out, "usage: bmdstream settings [--table | --check FILE.json]\n"
               "  no option  print the default settings (the JSON events carry as parameters)\n"
               "  --table    print the table of every setting (path, type, default, bounds, flag)\n"
               "  --check F  print F's settings normalized (defaults filled in) or name the bad "
               "value\n\nflags of analyze and bmdstream-import:\n");
  bs_settings_usage(out, BS_SECTION_ALL);
  return out == stdout ? 0 : 2;
}
