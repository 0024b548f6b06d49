/*
 * cmd_analyze.c - `bmdstream analyze` (placeholder until its issue lands).
 */
#include "commands.h"

#include <stdio.h>

int bs_cmd_analyze(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "bmdstream analyze: not built yet\n");
  return 2;
}
