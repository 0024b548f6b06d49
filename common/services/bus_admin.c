/*
 * bus_admin.c - an Admin API client (open, wait for the answer, close),
 * and topic creation through it (CreateTopics), with TOPIC_ALREADY_EXISTS
 * counted as success so it can run any number of times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/log.h"
#include "bus_internal.h"

bs_status bus_admin_open(const bs_bus_options *opt, rd_kafka_admin_op_t op, int timeout_ms,
                         bus_admin *a, char *errstr, size_t errstr_size) {
  char why[512];
  *a = (bus_admin){.timeout_ms = timeout_ms, .bootstrap = opt->bootstrap};
  rd_kafka_conf_t *conf = bus_conf_new(opt, NULL, 0, NULL, 0, &a->fatal, errstr, errstr_size);
  if (!conf)
    return BS_ERR_PERMANENT;
  a->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
  if (!a->rk) {
    rd_kafka_conf_destroy(conf);
    snprintf(errstr, errstr_size, "kafka admin: %s", why);
    return BS_ERR_PERMANENT;
  }
  a->aopts = rd_kafka_AdminOptions_new(a->rk, op);
  if (!a->aopts ||
      rd_kafka_AdminOptions_set_request_timeout(a->aopts, timeout_ms, why, sizeof(why)) ||
      (op == RD_KAFKA_ADMIN_OP_CREATETOPICS &&
       rd_kafka_AdminOptions_set_operation_timeout(a->aopts, timeout_ms, why, sizeof(why)))) {
    snprintf(errstr, errstr_size, "kafka admin: %s", a->aopts ? why : "out of memory");
    bus_admin_close(a);
    return BS_ERR_PERMANENT;
  }
  a->queue = rd_kafka_queue_new(a->rk);
  return BS_OK;
}

bs_status bus_admin_wait(bus_admin *a, const char *what, rd_kafka_event_t **ev, char *errstr,
                         size_t errstr_size) {
  /* The request timeout bounds the answer; allow a margin for connecting. */
  *ev = rd_kafka_queue_poll(a->queue, a->timeout_ms + 5000);
  if (!*ev) {
    snprintf(errstr, errstr_size, "kafka admin: no %s answer within %d ms from %s", what,
             a->timeout_ms + 5000, a->bootstrap ? a->bootstrap : "?");
    return BS_ERR_RETRIABLE;
  }
  rd_kafka_resp_err_t err = rd_kafka_event_error(*ev);
  if (err) {
    snprintf(errstr, errstr_size, "kafka %s: %s (%s)", what, rd_kafka_event_error_string(*ev),
             rd_kafka_err2name(err));
    return bs_bus_status(bs_bus_classify(err));
  }
  return BS_OK;
}

void bus_admin_close(bus_admin *a) {
  if (a->queue)
    rd_kafka_queue_destroy(a->queue);
  if (a->aopts)
    rd_kafka_AdminOptions_destroy(a->aopts);
  if (a->rk)
    rd_kafka_destroy(a->rk);
  *a = (bus_admin){0};
}

/* A name ending in "dead-letter" (any prefix). */
static int is_dead_letter(const char *name) {
  static const char suffix[] = "dead-letter";
  size_t n = strlen(name), k = sizeof(suffix) - 1;
  return n >= k && strcmp(name + n - k, suffix) == 0;
}

bs_status bs_bus_create_topics(const bs_bus_options *opt, const char *const *names, size_t n,
                               int partitions, int replication_factor, int timeout_ms, int *created,
                               char *errstr, size_t errstr_size) {
  bus_admin a;
  rd_kafka_event_t *ev = NULL;
  char why[512];
  bs_status st =
      bus_admin_open(opt, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms, &a, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  st = BS_ERR_PERMANENT;
  rd_kafka_NewTopic_t **topics = calloc(n ? n : 1, sizeof(*topics));
  if (!topics) {
    snprintf(errstr, errstr_size, "kafka admin: out of memory");
    goto fail;
  }
  for (size_t i = 0; i < n; i++) {
    topics[i] = rd_kafka_NewTopic_new(names[i], partitions, replication_factor, why, sizeof(why));
    /* The dead-letter topic holds a refused record with its dlq.* headers:
     * up to 2 MiB, where the broker's default is 1 MiB (bus_producer.c). */
    if (topics[i] && is_dead_letter(names[i]) &&
        rd_kafka_NewTopic_set_config(topics[i], "max.message.bytes", "2097152") !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
      snprintf(errstr, errstr_size, "topic %s: max.message.bytes not accepted", names[i]);
      goto fail;
    }
    if (!topics[i]) {
      snprintf(errstr, errstr_size, "topic %s: %s", names[i], why);
      goto fail;
    }
  }
  rd_kafka_CreateTopics(a.rk, topics, n, a.aopts, a.queue);
  st = bus_admin_wait(&a, "CreateTopics", &ev, errstr, errstr_size);
  if (st != BS_OK)
    goto fail;
  const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
  size_t nres = 0;
  const rd_kafka_topic_result_t **results = rd_kafka_CreateTopics_result_topics(res, &nres);
  for (size_t i = 0; i < nres; i++) {
    const char *name = rd_kafka_topic_result_name(results[i]);
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    int made = err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char *msg = rd_kafka_topic_result_error_string(results[i]);
      snprintf(errstr, errstr_size, "create topic %s: %s (%s)", name,
               msg ? msg : rd_kafka_err2str(err), rd_kafka_err2name(err));
      st = bs_bus_status(bs_bus_classify(err));
      break;
    }
    bs_info("topic %s: %s", name, made ? "created" : "already exists");
    for (size_t k = 0; created && k < n; k++)
      if (strcmp(names[k], name) == 0)
        created[k] = made;
  }
fail:
  if (ev)
    rd_kafka_event_destroy(ev);
  if (topics) {
    for (size_t i = 0; i < n; i++)
      if (topics[i])
        rd_kafka_NewTopic_destroy(topics[i]);
    free(topics);
  }
  bus_admin_close(&a);
  return st;
}

bs_status bs_bus_create_pipeline_topics(const bs_bus_options *opt, int partitions,
                                        int replication_factor, int timeout_ms,
                                        int created[BS_TOPIC_COUNT], char *errstr,
                                        size_t errstr_size) {
  char names[BS_TOPIC_COUNT][256];
  const char *ptrs[BS_TOPIC_COUNT];
  for (int t = 0; t < BS_TOPIC_COUNT; t++) {
    if (bs_topic_full_name(opt->topic_prefix, (bs_topic)t, names[t], sizeof(names[t])) != 0) {
      snprintf(errstr, errstr_size, "topic prefix too long");
      return BS_ERR_PERMANENT;
    }
    ptrs[t] = names[t];
  }
  /* The work topic last, with at least BS_WORK_TOPIC_PARTITIONS: its
   * chunks spread evenly over the workers (docs/architecture.md). */
  _Static_assert(BS_TOPIC_BMD_CHUNKS == BS_TOPIC_COUNT - 1, "the work topic is the last");
  bs_status st = bs_bus_create_topics(opt, ptrs, BS_TOPIC_COUNT - 1, partitions, replication_factor,
                                      timeout_ms, created, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  int work = partitions > BS_WORK_TOPIC_PARTITIONS ? partitions : BS_WORK_TOPIC_PARTITIONS;
  return bs_bus_create_topics(opt, ptrs + BS_TOPIC_BMD_CHUNKS, 1, work, replication_factor,
                              timeout_ms, created ? created + BS_TOPIC_BMD_CHUNKS : NULL, errstr,
                              errstr_size);
}
