/*
 * cmd_migrate.c - `bmdstream migrate` (placeholder until its issue lands).
 */
#include "commands.h"

#include <stdio.h>

int bs_cmd_migrate(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "bmdstream migrate: not built yet\n");
  return 2;
}
