/*
 * cmd_lag.c - `bmdstream lag [--group G] [--json] [--max-lag N]`: per
 * consumer group, topic and partition, the committed offset, the log-end
 * offset and the lag, with the group's state and members. Exits 3 when a
 * partition's lag exceeds --max-lag, so it can drive an alert.
 */
#include "commands.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/lag.h"
#include "cli.h"

static const bs_config_param lag_params[] = {
    {"group", BS_CFG_STRING, NULL, "only this consumer group (default: every group)", 0},
    {"json", BS_CFG_BOOL, "false", "print JSON instead of a table", 0},
    {"max_lag", BS_CFG_INT, "-1", "exit 3 when any partition lags more (-1: never)", 0},
    {"timeout_ms", BS_CFG_INT, "10000", "Admin API request timeout", 0},
};

static void print_table(const bs_lag_report *r) {
  for (size_t i = 0; i < r->ngroups; i++) {
    const bs_lag_group *g = &r->groups[i];
    printf("GROUP %s  state %s  members %d  total lag %" PRId64 "\n", g->group, g->state,
           g->members, g->total_lag);
    printf("%-32s %9s %14s %14s %8s  %s\n", "TOPIC", "PARTITION", "CURRENT-OFFSET",
           "LOG-END-OFFSET", "LAG", "CONSUMER-ID");
    for (size_t p = 0; p < g->npartitions; p++) {
      const bs_lag_partition *lp = &g->partitions[p];
      char cur[32], lag[32];
      snprintf(cur, sizeof(cur), lp->committed >= 0 ? "%" PRId64 : "-", lp->committed);
      snprintf(lag, sizeof(lag), lp->lag >= 0 ? "%" PRId64 : "-", lp->lag);
      printf("%-32s %9" PRId32 " %14s %14" PRId64 " %8s  %s\n", lp->topic, lp->partition, cur,
             lp->log_end, lag, lp->member[0] ? lp->member : "-");
    }
    printf("\n");
  }
}

static void print_json(const bs_lag_report *r) {
  json_t *root = json_object(), *groups = json_array();
  for (size_t i = 0; i < r->ngroups; i++) {
    const bs_lag_group *g = &r->groups[i];
    json_t *jg = json_pack("{s:s, s:s, s:i, s:I}", "group", g->group, "state", g->state, "members",
                           g->members, "total_lag", (json_int_t)g->total_lag);
    json_t *parts = json_array();
    for (size_t p = 0; p < g->npartitions; p++) {
      const bs_lag_partition *lp = &g->partitions[p];
      json_t *jp = json_pack("{s:s, s:i, s:I}", "topic", lp->topic, "partition", (int)lp->partition,
                             "log_end_offset", (json_int_t)lp->log_end);
      json_object_set_new(jp, "committed_offset",
                          lp->committed >= 0 ? json_integer(lp->committed) : json_null());
      json_object_set_new(jp, "lag", lp->lag >= 0 ? json_integer(lp->lag) : json_null());
      json_object_set_new(jp, "consumer_id", lp->member[0] ? json_string(lp->member) : json_null());
      json_object_set_new(jp, "client_id",
                          lp->client_id[0] ? json_string(lp->client_id) : json_null());
      json_object_set_new(jp, "host", lp->host[0] ? json_string(lp->host) : json_null());
      json_array_append_new(parts, jp);
    }
    json_object_set_new(jg, "partitions", parts);
    json_array_append_new(groups, jg);
  }
  json_object_set_new(root, "groups", groups);
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  printf("%s\n", text);
  free(text);
  json_decref(root);
}

int bs_cmd_lag(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg = bs_cli_config("lag", "[--group G] [--json] [--max-lag N]", lag_params,
                                 sizeof(lag_params) / sizeof(lag_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  rc = 1;
  char errstr[1024];
  if (argc > 1) {
    fprintf(stderr, "bmdstream lag: unexpected argument '%s'\n", argv[1]);
    bs_config_destroy(cfg);
    return 2;
  }
  bs_bus_properties props;
  bs_bus_options opt;
  bs_lag_report report;
  const char *group = bs_config_get(cfg, "group");
  if (bs_bus_options_from_config(cfg, "bmdstream-lag", NULL, &props, &opt, errstr,
                                 sizeof(errstr)) != BS_OK ||
      bs_lag_collect(&opt, group && *group ? group : NULL,
                     (int)bs_config_get_int(cfg, "timeout_ms"), &report, errstr,
                     sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream lag: %s\n", errstr);
    bs_config_destroy(cfg);
    return 1;
  }
  if (bs_config_get_bool(cfg, "json"))
    print_json(&report);
  else
    print_table(&report);
  rc = 0;
  long max_lag = bs_config_get_int(cfg, "max_lag");
  for (size_t i = 0; max_lag >= 0 && i < report.ngroups; i++)
    for (size_t p = 0; p < report.groups[i].npartitions; p++)
      if (report.groups[i].partitions[p].lag > max_lag) {
        fprintf(stderr, "bmdstream lag: group %s, %s [%" PRId32 "] lags %" PRId64 " > %ld\n",
                report.groups[i].group, report.groups[i].partitions[p].topic,
                report.groups[i].partitions[p].partition, report.groups[i].partitions[p].lag,
                max_lag);
        rc = 3;
      }
  bs_lag_report_free(&report);
  bs_config_destroy(cfg);
  return rc;
}
