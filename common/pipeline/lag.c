/*
 * lag.c - consumer-group lag through librdkafka's Admin API (see bs/lag.h).
 */
#include "bs/lag.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/log.h"

/* Options for an Admin call of kind op, with its request time-out (new;
 * destroy them once the call is made). */
static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op,
                                              int timeout_ms) {
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
  rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, NULL, 0);
  return o;
}

/* Waits on q for the result event of the Admin call `what` into *ev (NULL
 * on time-out; rd_kafka_event_destroy takes NULL) and classes its error. */
static bs_status await_result(rd_kafka_queue_t *q, int timeout_ms, const char *what,
                              rd_kafka_event_t **ev, char *errstr, size_t errstr_size) {
  *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
  if (!*ev) {
    snprintf(errstr, errstr_size, "%s: no answer from the cluster in time", what);
    return BS_ERR_RETRIABLE;
  }
  rd_kafka_resp_err_t err = rd_kafka_event_error(*ev);
  if (err) {
    snprintf(errstr, errstr_size, "%s: %s", what, rd_kafka_event_error_string(*ev));
    return bs_bus_status(bs_bus_classify(err));
  }
  return BS_OK;
}

/* Names of every consumer group (new malloc'd array of strdup'd names). */
static bs_status list_groups(rd_kafka_t *rk, rd_kafka_queue_t *q, int timeout_ms, char ***names,
                             size_t *count, char *errstr, size_t errstr_size) {
  rd_kafka_AdminOptions_t *o = admin_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms);
  rd_kafka_ListConsumerGroups(rk, o, q);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_event_t *ev = NULL;
  bs_status st = await_result(q, timeout_ms, "ListConsumerGroups", &ev, errstr, errstr_size);
  *names = NULL;
  *count = 0;
  if (st == BS_OK) {
    size_t n = 0;
    const rd_kafka_ConsumerGroupListing_t **valid =
        rd_kafka_ListConsumerGroups_result_valid(rd_kafka_event_ListConsumerGroups_result(ev), &n);
    *names = calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; *names && i < n; i++) {
      if (rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]))
        continue;
      (*names)[(*count)++] = strdup(rd_kafka_ConsumerGroupListing_group_id(valid[i]));
    }
  }
  rd_kafka_event_destroy(ev);
  return st;
}

static int add_partition(bs_lag_group *g, const char *topic, int32_t partition) {
  for (size_t i = 0; i < g->npartitions; i++)
    if (g->partitions[i].partition == partition && !strcmp(g->partitions[i].topic, topic))
      return (int)i;
  bs_lag_partition *np = realloc(g->partitions, (g->npartitions + 1) * sizeof(*np));
  if (!np)
    return -1;
  g->partitions = np;
  bs_lag_partition *p = &np[g->npartitions];
  memset(p, 0, sizeof(*p));
  snprintf(p->topic, sizeof(p->topic), "%s", topic);
  p->partition = partition;
  p->committed = -1;
  p->lag = -1;
  return (int)g->npartitions++;
}

/* One member's assignment: its partitions of g, with who holds them. */
static void take_member(bs_lag_group *g, const rd_kafka_MemberDescription_t *md) {
  const rd_kafka_topic_partition_list_t *parts =
      rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(md));
  for (int i = 0; parts && i < parts->cnt; i++) {
    int idx = add_partition(g, parts->elems[i].topic, parts->elems[i].partition);
    if (idx < 0)
      continue;
    bs_lag_partition *p = &g->partitions[idx];
    snprintf(p->member, sizeof(p->member), "%s", rd_kafka_MemberDescription_consumer_id(md));
    snprintf(p->client_id, sizeof(p->client_id), "%s", rd_kafka_MemberDescription_client_id(md));
    snprintf(p->host, sizeof(p->host), "%s", rd_kafka_MemberDescription_host(md));
  }
}

/* The group's state and members from a DescribeConsumerGroups result. */
static bs_status take_description(bs_lag_group *g, rd_kafka_event_t *ev, char *errstr,
                                  size_t errstr_size) {
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t **d = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
  if (n != 1)
    return BS_OK;
  const rd_kafka_error_t *error = rd_kafka_ConsumerGroupDescription_error(d[0]);
  if (error) {
    snprintf(errstr, errstr_size, "group %s: %s", g->group, rd_kafka_error_string(error));
    return BS_ERR_PERMANENT;
  }
  snprintf(g->state, sizeof(g->state), "%s",
           rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d[0])));
  g->members = (int)rd_kafka_ConsumerGroupDescription_member_count(d[0]);
  for (int m = 0; m < g->members; m++)
    take_member(g, rd_kafka_ConsumerGroupDescription_member(d[0], (size_t)m));
  return BS_OK;
}

/* The committed offsets of g from a ListConsumerGroupOffsets result. */
static void take_offsets(bs_lag_group *g, rd_kafka_event_t *ev) {
  size_t n = 0;
  const rd_kafka_group_result_t **res = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
  for (size_t r = 0; r < n; r++) {
    const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(res[r]);
    for (int i = 0; parts && i < parts->cnt; i++) {
      if (parts->elems[i].err || parts->elems[i].offset < 0)
        continue;
      int idx = add_partition(g, parts->elems[i].topic, parts->elems[i].partition);
      if (idx >= 0)
        g->partitions[idx].committed = parts->elems[i].offset;
    }
  }
}

static bs_status describe(rd_kafka_t *rk, rd_kafka_queue_t *q, int timeout_ms, bs_lag_group *g,
                          char *errstr, size_t errstr_size) {
  const char *groups[] = {g->group};
  rd_kafka_AdminOptions_t *o =
      admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms);
  rd_kafka_DescribeConsumerGroups(rk, groups, 1, o, q);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_event_t *ev = NULL;
  bs_status st = await_result(q, timeout_ms, "DescribeConsumerGroups", &ev, errstr, errstr_size);
  if (st == BS_OK)
    st = take_description(g, ev, errstr, errstr_size);
  rd_kafka_event_destroy(ev);
  return st;
}

static bs_status committed_offsets(rd_kafka_t *rk, rd_kafka_queue_t *q, int timeout_ms,
                                   bs_lag_group *g, char *errstr, size_t errstr_size) {
  rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(g->group, NULL);
  rd_kafka_AdminOptions_t *o =
      admin_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms);
  rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, o, q);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_ListConsumerGroupOffsets_destroy(req);
  rd_kafka_event_t *ev = NULL;
  bs_status st = await_result(q, timeout_ms, "ListConsumerGroupOffsets", &ev, errstr, errstr_size);
  if (st == BS_OK)
    take_offsets(g, ev);
  rd_kafka_event_destroy(ev);
  return st;
}

static int compare_partitions(const void *a, const void *b) {
  const bs_lag_partition *x = a, *y = b;
  int c = strcmp(x->topic, y->topic);
  return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

bs_status bs_lag_collect(const bs_bus_options *opt, const char *group, int timeout_ms,
                         bs_lag_report *report, char *errstr, size_t errstr_size) {
  memset(report, 0, sizeof(*report));
  bs_producer *prod = NULL;
  bs_status st = bs_producer_new(opt, &prod, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  rd_kafka_t *rk = bs_producer_handle(prod);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  char **names = NULL;
  size_t count = 0;
  if (group) {
    names = calloc(1, sizeof(char *));
    if (names && (names[0] = strdup(group)))
      count = 1;
  } else {
    st = list_groups(rk, q, timeout_ms, &names, &count, errstr, errstr_size);
  }
  report->groups = calloc(count ? count : 1, sizeof(*report->groups));
  for (size_t i = 0; st == BS_OK && report->groups && i < count; i++) {
    bs_lag_group *g = &report->groups[report->ngroups++];
    snprintf(g->group, sizeof(g->group), "%s", names[i]);
    st = describe(rk, q, timeout_ms, g, errstr, errstr_size);
    if (st == BS_OK)
      st = committed_offsets(rk, q, timeout_ms, g, errstr, errstr_size);
    for (size_t p = 0; st == BS_OK && p < g->npartitions; p++) {
      bs_lag_partition *lp = &g->partitions[p];
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t err =
          rd_kafka_query_watermark_offsets(rk, lp->topic, lp->partition, &lo, &hi, timeout_ms);
      if (err) {
        snprintf(errstr, errstr_size, "log-end offset of %s [%" PRId32 "]: %s", lp->topic,
                 lp->partition, rd_kafka_err2str(err));
        st = bs_bus_status(bs_bus_classify(err));
        break;
      }
      lp->log_end = hi;
      if (lp->committed >= 0) {
        lp->lag = hi - lp->committed;
        g->total_lag += lp->lag;
      }
    }
    if (g->npartitions > 1)
      qsort(g->partitions, g->npartitions, sizeof(*g->partitions), compare_partitions);
  }
  for (size_t i = 0; names && i < count; i++)
    free(names[i]);
  free(names);
  rd_kafka_queue_destroy(q);
  bs_producer_destroy(prod);
  if (st != BS_OK)
    bs_lag_report_free(report);
  return st;
}

void bs_lag_report_free(bs_lag_report *report) {
  for (size_t i = 0; report->groups && i < report->ngroups; i++)
    free(report->groups[i].partitions);
  free(report->groups);
  memset(report, 0, sizeof(*report));
}
