/*
 * main.c - `bmdstream <subcommand> [options]`: dispatch to the subcommand.
 */
#include "commands.h"

#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "bs/log.h"

typedef struct bs_command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} bs_command;

static const bs_command commands[] = {
    {"analyze", bs_cmd_analyze, "run the analysis offline on files (prefilter, BMD, ...)"},
    {"categories", bs_cmd_categories,
     "category analysis and tPOD from a bmd.tsv and annotation files"},
    {"settings", bs_cmd_settings, "the analysis settings: defaults, the table, a check"},
    {"fit", bs_cmd_fit, "fit dose-response models to one dataset, print JSON"},
    {"migrate", bs_cmd_migrate, "apply the SQL migrations to the database"},
    {"topics", bs_cmd_topics, "create the pipeline's Kafka topics"},
    {"acl", bs_cmd_acl, "create (or print) the Kafka permissions of each program"},
    {"user", bs_cmd_user,
     "create a user (password on stdin), check a password; `user key`: signing keys"},
    {"event", bs_cmd_event, "an event's canonical form (RFC 8785), or sign events with a key"},
    {"project", bs_cmd_project, "create or list a user's projects"},
    {"lag", bs_cmd_lag, "consumer-group lag per partition (exit 3 above --max-lag)"},
    {"replay", bs_cmd_replay, "re-run experiments, reset a group, re-publish a time window"},
    {"results", bs_cmd_results, "list or fetch a completed job's exported files"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: bmdstream <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n`bmdstream <command> --help` describes a command's options.\n");
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off(); /* core reports errors by status (STYLE.md #6) */
  bs_log_init("bmdstream", -1);
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("bmdstream %s\n", BMDSTREAM_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "bmdstream: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
