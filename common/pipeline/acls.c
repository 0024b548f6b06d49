/*
 * acls.c - the pipeline's Kafka permissions, from the stage table (see
 * bs/acls.h): whatever a stage reads and writes is what it is allowed.
 */
#include "bs/acls.h"

#include <stdio.h>
#include <string.h>

#include "bs/stages.h"
#include "bs/topics.h"

typedef struct acl_list {
  bs_bus_acl *acls;
  size_t n;
  const char *prefix;
  int overflow;
} acl_list;

static void add(acl_list *l, const char *who, rd_kafka_ResourceType_t resource, const char *name,
                rd_kafka_AclOperation_t operation) {
  if (l->n >= BS_PIPELINE_ACLS_MAX) {
    l->overflow = 1;
    return;
  }
  bs_bus_acl *a = &l->acls[l->n++];
  a->resource = resource;
  a->operation = operation;
  int n1 = snprintf(a->principal, sizeof(a->principal), "User:%s", who);
  int n2 = resource == RD_KAFKA_RESOURCE_BROKER
               ? snprintf(a->name, sizeof(a->name), "kafka-cluster")
               : snprintf(a->name, sizeof(a->name), "%s%s", l->prefix, name);
  if (n1 < 0 || (size_t)n1 >= sizeof(a->principal) || n2 < 0 || (size_t)n2 >= sizeof(a->name))
    l->overflow = 1;
}

static void topic(acl_list *l, const char *who, bs_topic t, rd_kafka_AclOperation_t operation) {
  add(l, who, RD_KAFKA_RESOURCE_TOPIC, bs_topic_name(t), operation);
}

/* A consumer: its group <prefix>bmdstream-<name>, and write dead-letter. */
static void consumer(acl_list *l, const char *who) {
  add(l, who, RD_KAFKA_RESOURCE_GROUP, who, RD_KAFKA_ACL_OPERATION_READ);
  topic(l, who, BS_TOPIC_DEAD_LETTER, RD_KAFKA_ACL_OPERATION_WRITE);
}

static void stages(acl_list *l) {
  char who[64];
  for (size_t i = 0; i < bs_stage_infos_count; i++) {
    const bs_stage_info *s = &bs_stage_infos[i];
    snprintf(who, sizeof(who), "bmdstream-%s", s->name);
    topic(l, who, s->output, RD_KAFKA_ACL_OPERATION_WRITE);
    if (s->input < 0)
      continue; /* the importer only writes */
    topic(l, who, s->input, RD_KAFKA_ACL_OPERATION_READ);
    if (s->work >= 0) { /* its work items: it publishes them and its instances fit them */
      topic(l, who, (bs_topic)s->work, RD_KAFKA_ACL_OPERATION_WRITE);
      topic(l, who, (bs_topic)s->work, RD_KAFKA_ACL_OPERATION_READ);
    }
    topic(l, who, BS_TOPIC_JOB_EVENTS, RD_KAFKA_ACL_OPERATION_WRITE);
    consumer(l, who);
  }
}

static void tracker(acl_list *l) {
  static const char who[] = "bmdstream-tracker";
  topic(l, who, BS_TOPIC_JOB_EVENTS, RD_KAFKA_ACL_OPERATION_READ);
  for (size_t i = 0; i < bs_stage_infos_count; i++)
    topic(l, who, bs_stage_infos[i].output, RD_KAFKA_ACL_OPERATION_READ);
  consumer(l, who);
}

static void operator(acl_list *l) {
  static const char who[] = "bmdstream-operator";
  static const rd_kafka_AclOperation_t on_topics[] = {RD_KAFKA_ACL_OPERATION_CREATE,
                                                      RD_KAFKA_ACL_OPERATION_DESCRIBE,
                                                      RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS};
  /* No DESCRIBE on the cluster: without it ListGroups answers only the
   * groups below, so `bmdstream lag` sees its deployment's groups. */
  for (int t = 0; t < BS_TOPIC_COUNT; t++)
    for (size_t k = 0; k < sizeof(on_topics) / sizeof(on_topics[0]); k++)
      topic(l, who, (bs_topic)t, on_topics[k]);
  topic(l, who, BS_TOPIC_DEAD_LETTER, RD_KAFKA_ACL_OPERATION_READ); /* the runbook's look */
  char group[64];
  for (size_t i = 0; i <= bs_stage_infos_count; i++) {
    const char *name = i < bs_stage_infos_count ? bs_stage_infos[i].name : "tracker";
    if (i < bs_stage_infos_count && bs_stage_infos[i].input < 0)
      continue; /* the importer has no group */
    snprintf(group, sizeof(group), "bmdstream-%s", name);
    add(l, who, RD_KAFKA_RESOURCE_GROUP, group, RD_KAFKA_ACL_OPERATION_DESCRIBE);
  }
}

size_t bs_pipeline_acls(const char *prefix, bs_bus_acl acls[BS_PIPELINE_ACLS_MAX]) {
  acl_list l = {.acls = acls, .prefix = prefix ? prefix : ""};
  stages(&l);
  tracker(&l);
  operator(&l);
  return l.overflow ? 0 : l.n;
}
