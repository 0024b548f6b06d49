/*
 * cmd_acl.c - `bmdstream acl`: the Kafka permissions of the pipeline's
 * principals for one deployment (bs/acls.h).
 *
 *   bmdstream acl apply   create them (CreateAcls; idempotent), as the
 *                         principal bmdstream-admin
 *   bmdstream acl print   list them, one "principal operation resource
 *                         name" a line, without a broker
 *
 * The topic prefix is the deployment's (topic_prefix, --prefix).
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "bs/acls.h"
#include "bs/bus.h"
#include "cli.h"

static const bs_config_param acl_params[] = {
    {"prefix", BS_CFG_STRING, NULL, "topic prefix (default: topic_prefix)", 0},
    {"timeout_ms", BS_CFG_INT, "30000", "Admin API request timeout", 0},
};

static const char *resource_name(rd_kafka_ResourceType_t r) {
  return r == RD_KAFKA_RESOURCE_TOPIC   ? "topic"
         : r == RD_KAFKA_RESOURCE_GROUP ? "group"
                                        : "cluster";
}

static int print(const bs_bus_acl *acls, size_t n) {
  for (size_t i = 0; i < n; i++)
    printf("%s\t%s\t%s\t%s\n", acls[i].principal, rd_kafka_AclOperation_name(acls[i].operation),
           resource_name(acls[i].resource), acls[i].name);
  return 0;
}

static int apply(const bs_config *cfg, const char *prefix, const bs_bus_acl *acls, size_t n) {
  bs_bus_properties props;
  bs_bus_options opt;
  char err[1024];
  if (bs_bus_options_from_config(cfg, "bmdstream-acl", NULL, &props, &opt, err, sizeof(err)) !=
          BS_OK ||
      bs_bus_create_acls(&opt, acls, n, (int)bs_config_get_int(cfg, "timeout_ms"), err,
                         sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream acl: %s\n", err);
    return 1;
  }
  printf("%zu ACL bindings in place for prefix '%s'\n", n, prefix);
  return 0;
}

int bs_cmd_acl(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg = bs_cli_config("acl", "apply|print [--prefix P]", acl_params,
                                 sizeof(acl_params) / sizeof(acl_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  const char *prefix = bs_config_get(cfg, "prefix");
  if (!prefix)
    prefix = bs_config_get(cfg, "topic_prefix");
  static bs_bus_acl acls[BS_PIPELINE_ACLS_MAX];
  size_t n = bs_pipeline_acls(prefix, acls);
  if (argc != 2 || (strcmp(argv[1], "apply") != 0 && strcmp(argv[1], "print") != 0)) {
    fprintf(stderr, "bmdstream acl: usage: bmdstream acl apply|print [--prefix P]\n");
    rc = 2;
  } else if (n == 0) {
    fprintf(stderr, "bmdstream acl: --prefix '%s' is too long\n", prefix ? prefix : "");
    rc = 2;
  } else {
    rc = strcmp(argv[1], "print") == 0 ? print(acls, n) : apply(cfg, prefix ? prefix : "", acls, n);
  }
  bs_config_destroy(cfg);
  return rc;
}
