/*
 * cmd_replay.c - `bmdstream replay`: operators replay pipelines.
 *
 *   replay experiment --project P --experiment E [--set path=value]...
 *   replay project --project P [--set path=value]...
 *       re-emit experiment-imported from each experiment's last job (a new
 *       job each); with --set a new result version is made beside the old;
 *       signed with --signing-key (or BMDSTREAM_SIGNING_KEY), a key of the
 *       experiments' owner, since the first stage verifies every
 *       experiment-imported event
 *   replay reset-group --group G --topic T (--to-earliest | --to-offset N |
 *                      --to-datetime 2026-01-02T03:04:05Z) [--force]
 *       move a consumer group's committed offsets (refused while it has
 *       active members, unless --force)
 *   replay window --topic T --from TIME --to TIME [--to-topic T2]
 *       re-publish the messages of a time window, headers kept
 *
 * --dry-run shows what would happen and changes nothing. Topic names are
 * given without the deployment prefix, which is added.
 */
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/envelope.h"
#include "bs/replay.h"
#include "bs/rerun.h"
#include "cli.h"

static const bs_config_param replay_params[] = {
    {"project", BS_CFG_INT, "0", "project id", 0},
    {"experiment", BS_CFG_INT, "0", "experiment id", 0},
    {"set", BS_CFG_STRING, NULL, "override a setting: path=value (repeat with commas)", 0},
    {"signing_key", BS_CFG_STRING, NULL,
     "experiment/project: the experiments' owner's private key file (PEM, mode 0600); a re-run "
     "is signed as an import is (docs/security.md)",
     0},
    {"group", BS_CFG_STRING, NULL, "consumer group to reset", 0},
    {"topic", BS_CFG_STRING, NULL, "topic (without the prefix)", 0},
    {"to_earliest", BS_CFG_BOOL, "false", "reset to the earliest offset", 0},
    {"to_offset", BS_CFG_INT, "-1", "reset to this offset", 0},
    {"to_datetime", BS_CFG_STRING, NULL, "reset to the first offset at this RFC 3339 time", 0},
    {"from", BS_CFG_STRING, NULL, "window start (RFC 3339)", 0},
    {"to", BS_CFG_STRING, NULL, "window end, exclusive (RFC 3339)", 0},
    {"to_topic", BS_CFG_STRING, NULL, "re-publish into this topic instead", 0},
    {"force", BS_CFG_BOOL, "false", "reset even with active members", 0},
    {"dry_run", BS_CFG_BOOL, "false", "show what would happen, change nothing", 0},
};

static int full_topic(const bs_config *cfg, const char *name, char *out, size_t size) {
  const char *prefix = bs_config_get(cfg, "topic_prefix");
  return snprintf(out, size, "%s%s", prefix ? prefix : "", name) < (int)size ? 0 : -1;
}

/* Re-runs experiments[0..n): one new job each. */
static int rerun(const bs_config *cfg, const int64_t *experiments, size_t n) {
  char errstr[1024];
  int rc = 1, dry = bs_config_get_bool(cfg, "dry_run");
  int64_t project = bs_config_get_int(cfg, "project");
  bs_db *db = bs_cli_db("replay", cfg);
  bs_producer *prod = NULL;
  bs_signer *signer = NULL;
  int64_t owner = 0;
  bs_bus_properties props;
  bs_bus_options opt;
  if (!db)
    return 1;
  if (!dry && bs_signer_open_user(db, bs_config_get(cfg, "signing_key"), &signer, &owner, errstr,
                                  sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream replay: %s (--signing-key FILE or BMDSTREAM_SIGNING_KEY)\n", errstr);
    goto done;
  }
  if (!dry && (bs_bus_options_from_config(cfg, "bmdstream-replay", NULL, &props, &opt, errstr,
                                          sizeof(errstr)) != BS_OK ||
               bs_producer_new(&opt, &prod, errstr, sizeof(errstr)) != BS_OK)) {
    fprintf(stderr, "bmdstream replay: %s\n", errstr);
    goto done;
  }
  const char *set = bs_config_get(cfg, "set");
  for (size_t i = 0; i < n; i++) {
    json_t *data = NULL;
    if (bs_rerun_last_data(db, project, experiments[i], &data, errstr, sizeof(errstr)) != BS_OK) {
      fprintf(stderr, "bmdstream replay: %s\n", errstr);
      goto done;
    }
    if (set && *set && bs_rerun_override_list(data, set, errstr, sizeof(errstr)) != BS_OK) {
      fprintf(stderr, "bmdstream replay: %s\n", errstr);
      json_decref(data);
      goto done;
    }
    if (dry) {
      char *text = json_dumps(json_object_get(data, "parameters"), JSON_COMPACT | JSON_SORT_KEYS);
      printf("would re-run experiment %" PRId64 " with %s\n", experiments[i], text);
      free(text);
    } else {
      char job[37];
      int64_t user = (int64_t)json_integer_value(json_object_get(data, "user_id"));
      if (user != owner)
        snprintf(errstr, sizeof(errstr),
                 "belongs to user %" PRId64 ", not to the signing key's owner (user %" PRId64 ")",
                 user, owner);
      if (user != owner ||
          bs_rerun_submit(db, prod, bs_config_get(cfg, "topic_prefix"), "/bmdstream/replay", signer,
                          data, "replay", job, errstr, sizeof(errstr)) != BS_OK) {
        fprintf(stderr, "bmdstream replay: experiment %" PRId64 ": %s\n", experiments[i], errstr);
        json_decref(data);
        goto done;
      }
      printf("experiment %" PRId64 ": job %s\n", experiments[i], job);
    }
    json_decref(data);
  }
  rc = 0;
done:
  bs_producer_destroy(prod);
  bs_signer_destroy(signer);
  bs_db_destroy(db);
  return rc;
}

static int reset_group(const bs_config *cfg) {
  const char *group = bs_config_get(cfg, "group"), *topic = bs_config_get(cfg, "topic");
  const char *when = bs_config_get(cfg, "to_datetime");
  long offset = bs_config_get_int(cfg, "to_offset");
  int earliest = bs_config_get_bool(cfg, "to_earliest");
  if (!group || !topic || (earliest + (offset >= 0) + (when != NULL)) != 1) {
    fprintf(stderr, "bmdstream replay reset-group: --group, --topic and exactly one of "
                    "--to-earliest, --to-offset, --to-datetime are required\n");
    return 2;
  }
  bs_reset_target target = {BS_RESET_EARLIEST, offset, 0};
  if (offset >= 0)
    target.kind = BS_RESET_OFFSET;
  if (when) {
    target.kind = BS_RESET_TIME;
    if (bs_rfc3339_parse(when, &target.time_ms) != 0) {
      fprintf(stderr, "bmdstream replay: --to-datetime %s: not an RFC 3339 time\n", when);
      return 2;
    }
  }
  char full[256], errstr[1024];
  if (full_topic(cfg, topic, full, sizeof(full)) != 0)
    return 2;
  bs_bus_properties props;
  bs_bus_options opt;
  bs_reset_row *rows = NULL;
  size_t n = 0;
  int dry = bs_config_get_bool(cfg, "dry_run");
  if (bs_bus_options_from_config(cfg, "bmdstream-replay", NULL, &props, &opt, errstr,
                                 sizeof(errstr)) != BS_OK ||
      bs_replay_reset_group(&opt, group, full, &target, bs_config_get_bool(cfg, "force"), dry,
                            &rows, &n, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream replay: %s\n", errstr);
    return 1;
  }
  printf("%s group %s on %s:\n", dry ? "would reset" : "reset", group, full);
  for (size_t i = 0; i < n; i++) {
    char cur[32];
    snprintf(cur, sizeof(cur), rows[i].current >= 0 ? "%" PRId64 : "-", rows[i].current);
    printf("  partition %" PRId32 ": %s -> %" PRId64 "\n", rows[i].partition, cur, rows[i].target);
  }
  free(rows);
  return 0;
}

static int window(const bs_config *cfg) {
  const char *topic = bs_config_get(cfg, "topic"), *from = bs_config_get(cfg, "from"),
             *to = bs_config_get(cfg, "to"), *to_topic = bs_config_get(cfg, "to_topic");
  int64_t from_ms, to_ms;
  if (!topic || !from || !to || bs_rfc3339_parse(from, &from_ms) != 0 ||
      bs_rfc3339_parse(to, &to_ms) != 0 || to_ms <= from_ms) {
    fprintf(stderr, "bmdstream replay window: --topic, and RFC 3339 --from < --to required\n");
    return 2;
  }
  char full[256], dest[256], errstr[1024];
  if (full_topic(cfg, topic, full, sizeof(full)) != 0 ||
      (to_topic && full_topic(cfg, to_topic, dest, sizeof(dest)) != 0))
    return 2;
  bs_bus_properties props;
  bs_bus_options opt;
  size_t count = 0;
  int dry = bs_config_get_bool(cfg, "dry_run");
  if (bs_bus_options_from_config(cfg, "bmdstream-replay", NULL, &props, &opt, errstr,
                                 sizeof(errstr)) != BS_OK ||
      bs_replay_window(&opt, full, from_ms, to_ms, to_topic ? dest : NULL, dry, &count, errstr,
                       sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream replay: %s\n", errstr);
    return 1;
  }
  printf("%s %zu message(s) of %s into %s\n", dry ? "would re-publish" : "re-published", count,
         full, to_topic ? dest : full);
  return 0;
}

int bs_cmd_replay(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg = bs_cli_config(
      "replay", "experiment|project|reset-group|window [options] (see the runbook)", replay_params,
      sizeof(replay_params) / sizeof(replay_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  const char *what = argc > 1 ? argv[1] : "";
  if (argc > 2) {
    fprintf(stderr, "bmdstream replay: unexpected argument '%s'\n", argv[2]);
    rc = 2;
  } else if (!strcmp(what, "experiment")) {
    int64_t e = bs_config_get_int(cfg, "experiment");
    rc = e > 0 && bs_config_get_int(cfg, "project") > 0 ? rerun(cfg, &e, 1) : 2;
    if (rc == 2)
      fprintf(stderr, "bmdstream replay experiment: --project and --experiment required\n");
  } else if (!strcmp(what, "project")) {
    char errstr[1024];
    int64_t *ids = NULL;
    size_t n = 0;
    bs_db *db = bs_config_get_int(cfg, "project") > 0 ? bs_cli_db("replay", cfg) : NULL;
    if (!db) {
      fprintf(stderr, "bmdstream replay project: --project required\n");
      rc = 2;
    } else if (bs_rerun_project_experiments(db, bs_config_get_int(cfg, "project"), &ids, &n, errstr,
                                            sizeof(errstr)) != BS_OK) {
      fprintf(stderr, "bmdstream replay: %s\n", errstr);
    } else {
      rc = rerun(cfg, ids, n);
    }
    free(ids);
    bs_db_destroy(db);
  } else if (!strcmp(what, "reset-group")) {
    rc = reset_group(cfg);
  } else if (!strcmp(what, "window")) {
    rc = window(cfg);
  } else {
    fprintf(stderr, "bmdstream replay: expected experiment, project, reset-group or window\n");
    rc = 2;
  }
  bs_config_destroy(cfg);
  return rc;
}
