/*
 * cmd_fit.c - `bmdstream fit` (placeholder until its issue lands).
 */
#include "commands.h"

#include <stdio.h>

int bs_cmd_fit(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "bmdstream fit: not built yet\n");
  return 2;
}
