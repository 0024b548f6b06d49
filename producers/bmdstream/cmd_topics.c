/*
 * cmd_topics.c - `bmdstream topics` (placeholder until its issue lands).
 */
#include "commands.h"

#include <stdio.h>

int bs_cmd_topics(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "bmdstream topics: not built yet\n");
  return 2;
}
