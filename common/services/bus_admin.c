/*
 * bus_admin.c - topic creation through the Admin API (CreateTopics), with
 * TOPIC_ALREADY_EXISTS counted as success so it can run any number of times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/log.h"
#include "bus_internal.h"

bs_status bs_bus_create_topics(const bs_bus_options *opt, const char *const *names, size_t n,
                               int partitions, int replication_factor, int timeout_ms, int *created,
                               char *errstr, size_t errstr_size) {
  bus_fatal fatal = {0};
  rd_kafka_t *rk = NULL;
  rd_kafka_NewTopic_t **topics = NULL;
  rd_kafka_AdminOptions_t *aopts = NULL;
  rd_kafka_queue_t *queue = NULL;
  rd_kafka_event_t *ev = NULL;
  bs_status st = BS_ERR_PERMANENT;
  char why[512];
  rd_kafka_conf_t *conf = bus_conf_new(opt, NULL, 0, NULL, 0, &fatal, errstr, errstr_size);
  if (!conf)
    return BS_ERR_PERMANENT;
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    snprintf(errstr, errstr_size, "kafka admin: %s", why);
    return BS_ERR_PERMANENT;
  }
  topics = calloc(n ? n : 1, sizeof(*topics));
  if (!topics) {
    snprintf(errstr, errstr_size, "kafka admin: out of memory");
    goto fail;
  }
  for (size_t i = 0; i < n; i++) {
    topics[i] = rd_kafka_NewTopic_new(names[i], partitions, replication_factor, why, sizeof(why));
    if (!topics[i]) {
      snprintf(errstr, errstr_size, "topic %s: %s", names[i], why);
      goto fail;
    }
  }
  aopts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  if (rd_kafka_AdminOptions_set_request_timeout(aopts, timeout_ms, why, sizeof(why)) ||
      rd_kafka_AdminOptions_set_operation_timeout(aopts, timeout_ms, why, sizeof(why))) {
    snprintf(errstr, errstr_size, "kafka admin: %s", why);
    goto fail;
  }
  queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, topics, n, aopts, queue);
  /* The request timeout bounds the answer; allow a margin for connecting. */
  ev = rd_kafka_queue_poll(queue, timeout_ms + 5000);
  if (!ev) {
    snprintf(errstr, errstr_size, "kafka admin: no CreateTopics answer within %d ms from %s",
             timeout_ms + 5000, opt->bootstrap ? opt->bootstrap : "?");
    st = BS_ERR_RETRIABLE;
    goto fail;
  }
  if (rd_kafka_event_error(ev)) {
    rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
    snprintf(errstr, errstr_size, "kafka CreateTopics: %s (%s)", rd_kafka_event_error_string(ev),
             rd_kafka_err2name(err));
    st = bs_bus_status(bs_bus_classify(err));
    goto fail;
  }
  const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
  size_t nres = 0;
  const rd_kafka_topic_result_t **results = rd_kafka_CreateTopics_result_topics(res, &nres);
  st = BS_OK;
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
  if (queue)
    rd_kafka_queue_destroy(queue);
  if (aopts)
    rd_kafka_AdminOptions_destroy(aopts);
  if (topics) {
    for (size_t i = 0; i < n; i++)
      if (topics[i])
        rd_kafka_NewTopic_destroy(topics[i]);
    free(topics);
  }
  rd_kafka_destroy(rk);
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
  return bs_bus_create_topics(opt, ptrs, BS_TOPIC_COUNT, partitions, replication_factor, timeout_ms,
                              created, errstr, errstr_size);
}
