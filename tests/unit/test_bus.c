/*
 * test_bus.c - the Kafka bus on librdkafka's built-in mock cluster (no
 * broker needed): synchronous idempotent produce, group consume with
 * stored + committed offsets (checked with rd_kafka_committed), resume
 * after the committed offset with a second consumer, both rebalance
 * protocols, the dead-letter headers, and error classes. The mock has no
 * CreateTopics: topics are made with rd_kafka_mock_topic_create.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bus.h"
/* after rdkafka.h (from bs/bus.h), as it demands */
#include <librdkafka/rdkafka_mock.h>

typedef struct mock {
  rd_kafka_t *rk; /* owner of the mock cluster */
  rd_kafka_mock_cluster_t *mc;
  char bootstrap[256];
} mock;

/* With the default 45 s session time-out the mock's group coordinator did
 * not hand a restarted group its partition within 30 s (the real broker
 * does it at once after LeaveGroup): keep it at the broker's minimum, 6 s,
 * for consumers. */
static const bs_bus_property fast_props[] = {
    {"kafka.topic.metadata.refresh.interval.ms", "500"},
    {"kafka.session.timeout.ms", "6000"},
    {"kafka.heartbeat.interval.ms", "500"},
};

static int setup(void **state) {
  mock *m = calloc(1, sizeof(*m));
  char why[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", why, sizeof(why));
  m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
  assert_non_null(m->rk);
  m->mc = rd_kafka_mock_cluster_new(m->rk, 1);
  assert_non_null(m->mc);
  snprintf(m->bootstrap, sizeof(m->bootstrap), "%s", rd_kafka_mock_cluster_bootstraps(m->mc));
  const char *topics[][2] = {{"in", "2"},          {"resume", "1"}, {"eager", "1"},
                             {"dead-letter", "1"}, {"fatal", "1"},  {"batch", "2"}};
  for (size_t i = 0; i < 6; i++)
    assert_int_equal(rd_kafka_mock_topic_create(m->mc, topics[i][0], atoi(topics[i][1]), 1),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
  *state = m;
  return 0;
}

static int teardown(void **state) {
  mock *m = *state;
  rd_kafka_mock_cluster_destroy(m->mc);
  rd_kafka_destroy(m->rk);
  free(m);
  return 0;
}

static bs_bus_options options(mock *m, const char *group) {
  /* producers get only the first (common) property */
  size_t n = group ? sizeof(fast_props) / sizeof(fast_props[0]) : 1;
  bs_bus_options o = {.bootstrap = m->bootstrap,
                      .client_id = "test-bus",
                      .group_id = group,
                      .topic_prefix = "",
                      .properties = fast_props,
                      .nproperties = n};
  return o;
}

/* Polls until a message arrives (30 s bound). */
static rd_kafka_message_t *next(bs_consumer *c) {
  char err[512];
  for (int i = 0; i < 300; i++) {
    rd_kafka_message_t *msg = NULL;
    bs_status st = bs_consumer_poll(c, 100, &msg, err, sizeof(err));
    if (st != BS_OK)
      fail_msg("poll: %s", err);
    if (msg)
      return msg;
  }
  fail_msg("no message within 30 s");
  return NULL;
}

static int64_t committed(bs_consumer *c, const char *topic, int32_t partition) {
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic, partition);
  assert_int_equal(rd_kafka_committed(bs_consumer_handle(c), l, 10000), 0);
  int64_t off = l->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(l);
  return off;
}

static void produce(bs_producer *p, const char *topic, int n, const char *tag) {
  char err[512], key[32], val[64];
  for (int i = 0; i < n; i++) {
    snprintf(key, sizeof(key), "%d", 100 + i % 3);
    snprintf(val, sizeof(val), "{\"%s\":%d}", tag, i);
    bs_bus_header h = {"trace-id", tag, strlen(tag)};
    bs_status st = bs_producer_send(p, topic, key, strlen(key), val, strlen(val), &h, 1, 10000, err,
                                    sizeof(err));
    if (st != BS_OK)
      fail_msg("send: %s", err);
  }
}

static void test_produce_consume_commit(void **state) {
  mock *m = *state;
  char err[512];
  bs_bus_options po = options(m, NULL), o = options(m, "g-in");
  bs_producer *p = NULL;
  bs_consumer *c = NULL;
  assert_int_equal(bs_producer_new(&po, &p, err, sizeof(err)), BS_OK);
  produce(p, "in", 10, "t1");
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  const char *topics[] = {"in"};
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  int64_t last[2] = {-1, -1};
  int count[2] = {0, 0};
  for (int i = 0; i < 10; i++) {
    rd_kafka_message_t *msg = next(c);
    assert_true(msg->partition == 0 || msg->partition == 1);
    /* per partition, offsets come in order */
    assert_true(msg->offset > last[msg->partition]);
    last[msg->partition] = msg->offset;
    count[msg->partition]++;
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t sz;
    assert_int_equal(rd_kafka_message_headers(msg, &h), 0);
    assert_int_equal(rd_kafka_header_get_last(h, "trace-id", &v, &sz), 0);
    assert_memory_equal(v, "t1", 2);
    assert_int_equal(bs_consumer_store(c, msg, err, sizeof(err)), BS_OK);
    rd_kafka_message_destroy(msg);
  }
  assert_int_equal(count[0] + count[1], 10);
  assert_string_equal(rd_kafka_rebalance_protocol(bs_consumer_handle(c)), "COOPERATIVE");
  assert_int_equal(bs_consumer_assigned(c), 2);
  assert_int_equal(bs_consumer_commit(c, err, sizeof(err)), BS_OK);
  /* committed = last processed + 1 on each partition that had messages */
  for (int32_t part = 0; part < 2; part++)
    if (count[part])
      assert_int_equal(committed(c, "in", part), last[part] + 1);
  bs_consumer_destroy(c);
  bs_producer_destroy(p);
}

/* A batch: six messages produced without waiting, to partitions 0 and 1
 * in turn, delivered once waited for; a message to a partition the topic
 * does not have fails the wait. */
static void test_batched_send(void **state) {
  mock *m = *state;
  char err[512], val[32];
  bs_bus_options po = options(m, NULL), o = options(m, "g-batch");
  bs_producer *p = NULL;
  bs_consumer *c = NULL;
  assert_int_equal(bs_producer_new(&po, &p, err, sizeof(err)), BS_OK);
  bs_producer_warm(p, (const char *const[]){"batch"}, 1);
  for (int i = 0; i < 6; i++) {
    snprintf(val, sizeof(val), "{\"i\":%d}", i);
    assert_int_equal(
        bs_producer_send_batched(p, "batch", i % 2, "k", 1, val, strlen(val), err, sizeof(err)),
        BS_OK);
  }
  if (bs_producer_wait_batch(p, 10000, err, sizeof(err)) != BS_OK)
    fail_msg("wait: %s", err);
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  const char *topics[] = {"batch"};
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  int count[2] = {0, 0};
  for (int i = 0; i < 6; i++) {
    rd_kafka_message_t *msg = next(c);
    assert_true(msg->partition == 0 || msg->partition == 1);
    count[msg->partition]++;
    rd_kafka_message_destroy(msg);
  }
  assert_int_equal(count[0], 3);
  assert_int_equal(count[1], 3);
  bs_consumer_destroy(c);
  /* partition 7 of 2 */
  bs_status st = bs_producer_send_batched(p, "batch", 7, "k", 1, "{}", 2, err, sizeof(err));
  if (st == BS_OK)
    st = bs_producer_wait_batch(p, 10000, err, sizeof(err));
  assert_int_not_equal(st, BS_OK);
  /* the failure is answered once: the next batch starts clean */
  assert_int_equal(bs_producer_send_batched(p, "batch", 0, "k", 1, "{}", 2, err, sizeof(err)),
                   BS_OK);
  assert_int_equal(bs_producer_wait_batch(p, 10000, err, sizeof(err)), BS_OK);
  bs_producer_destroy(p);
}

/* Offsets stored only for what was "done": a new consumer of the same
 * group resumes right after the last stored message. */
static void test_resume_after_committed_offset(void **state) {
  mock *m = *state;
  char err[512];
  bs_bus_options po = options(m, NULL), o = options(m, "g-resume");
  bs_producer *p = NULL;
  bs_consumer *c = NULL;
  assert_int_equal(bs_producer_new(&po, &p, err, sizeof(err)), BS_OK);
  produce(p, "resume", 6, "r");
  const char *topics[] = {"resume"};
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  for (int i = 0; i < 4; i++) {
    rd_kafka_message_t *msg = next(c);
    assert_int_equal(msg->offset, i);
    if (i < 3) /* the 4th is read but its outputs never became durable */
      assert_int_equal(bs_consumer_store(c, msg, err, sizeof(err)), BS_OK);
    rd_kafka_message_destroy(msg);
  }
  bs_consumer_destroy(c); /* commits stored offsets on revoke/close */
  c = NULL;
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  rd_kafka_message_t *msg = next(c);
  assert_int_equal(msg->offset, 3);
  rd_kafka_message_destroy(msg);
  assert_int_equal(committed(c, "resume", 0), 3);
  bs_consumer_destroy(c);
  bs_producer_destroy(p);
}

/* The same rebalance callback with the EAGER protocol (range assignor). */
static void test_eager_protocol(void **state) {
  mock *m = *state;
  char err[512];
  bs_bus_property props[] = {{"kafka.partition.assignment.strategy", "range"},
                             {"kafka.session.timeout.ms", "6000"}};
  bs_bus_options o = {.bootstrap = m->bootstrap,
                      .client_id = "test-eager",
                      .group_id = "g-eager",
                      .topic_prefix = "",
                      .properties = props,
                      .nproperties = 2};
  bs_producer *p = NULL;
  bs_consumer *c = NULL;
  assert_int_equal(bs_producer_new(&o, &p, err, sizeof(err)), BS_OK);
  produce(p, "eager", 2, "e");
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  const char *topics[] = {"eager"};
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  for (int i = 0; i < 2; i++) {
    rd_kafka_message_t *msg = next(c);
    assert_int_equal(bs_consumer_store(c, msg, err, sizeof(err)), BS_OK);
    rd_kafka_message_destroy(msg);
  }
  assert_string_equal(rd_kafka_rebalance_protocol(bs_consumer_handle(c)), "EAGER");
  assert_int_equal(bs_consumer_assigned(c), 1);
  assert_int_equal(bs_consumer_commit(c, err, sizeof(err)), BS_OK);
  assert_int_equal(committed(c, "eager", 0), 2);
  /* transient failure: pause the partition of the message in hand; new
   * messages wait until resume */
  produce(p, "eager", 1, "e");
  rd_kafka_message_t *held = next(c);
  assert_int_equal(held->offset, 2);
  assert_int_equal(bs_consumer_pause(c, held, err, sizeof(err)), BS_OK);
  produce(p, "eager", 1, "e");
  for (int i = 0; i < 20; i++) {
    rd_kafka_message_t *msg = NULL;
    assert_int_equal(bs_consumer_poll(c, 100, &msg, err, sizeof(err)), BS_OK);
    if (msg)
      fail_msg("paused partition delivered offset %lld", (long long)msg->offset);
  }
  assert_int_equal(bs_consumer_store(c, held, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_resume(c, held, err, sizeof(err)), BS_OK);
  rd_kafka_message_destroy(held);
  held = next(c);
  assert_int_equal(held->offset, 3);
  rd_kafka_message_destroy(held);
  bs_consumer_destroy(c);
  bs_producer_destroy(p);
}

static void expect_header(rd_kafka_headers_t *h, const char *name, const char *want) {
  const void *v = NULL;
  size_t sz = 0;
  if (rd_kafka_header_get_last(h, name, &v, &sz) != 0)
    fail_msg("header %s missing", name);
  if (want && (sz != strlen(want) || memcmp(v, want, sz) != 0))
    fail_msg("header %s = '%.*s', want '%s'", name, (int)sz, (const char *)v, want);
}

static void test_dead_letter_headers(void **state) {
  mock *m = *state;
  char err[512];
  bs_bus_options po = options(m, NULL), o = options(m, "g-dlq-src");
  bs_producer *p = NULL;
  bs_consumer *c = NULL, *d = NULL;
  assert_int_equal(bs_producer_new(&po, &p, err, sizeof(err)), BS_OK);
  const char *value = "{not json";
  bs_bus_header hs[] = {{"trace-id", "abc", 3}, {"empty", NULL, 0}};
  assert_int_equal(
      bs_producer_send(p, "resume", "42", 2, value, strlen(value), hs, 2, 10000, err, sizeof(err)),
      BS_OK);
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  const char *src[] = {"resume"};
  assert_int_equal(bs_consumer_subscribe(c, src, 1, err, sizeof(err)), BS_OK);
  rd_kafka_message_t *msg = NULL;
  do {
    if (msg)
      rd_kafka_message_destroy(msg);
    msg = next(c);
  } while (msg->len != strlen(value) || memcmp(msg->payload, value, msg->len) != 0);
  int64_t src_offset = msg->offset;
  char long_msg[3000];
  memset(long_msg, 'x', sizeof(long_msg) - 1);
  long_msg[sizeof(long_msg) - 1] = '\0';
  memcpy(long_msg, "bad JSON", 8);
  assert_int_equal(bs_producer_dead_letter(p, "dead-letter", msg, "prefilter", BS_ERR_PERMANENT,
                                           long_msg, 10000, err, sizeof(err)),
                   BS_OK);
  assert_int_equal(bs_consumer_store(c, msg, err, sizeof(err)), BS_OK);
  rd_kafka_message_destroy(msg);

  o.group_id = "g-dlq";
  assert_int_equal(bs_consumer_new(&o, &d, err, sizeof(err)), BS_OK);
  const char *dl[] = {"dead-letter"};
  assert_int_equal(bs_consumer_subscribe(d, dl, 1, err, sizeof(err)), BS_OK);
  msg = next(d);
  assert_int_equal(msg->key_len, 2);
  assert_memory_equal(msg->key, "42", 2);
  assert_int_equal(msg->len, strlen(value));
  assert_memory_equal(msg->payload, value, msg->len);
  rd_kafka_headers_t *h = NULL;
  assert_int_equal(rd_kafka_message_headers(msg, &h), 0);
  expect_header(h, "trace-id", "abc");
  const void *v = (const void *)1;
  size_t sz = 1;
  assert_int_equal(rd_kafka_header_get_last(h, "empty", &v, &sz), 0);
  assert_null(v);
  char off[32];
  snprintf(off, sizeof(off), "%lld", (long long)src_offset);
  expect_header(h, "dlq.topic", "resume");
  expect_header(h, "dlq.partition", "0");
  expect_header(h, "dlq.offset", off);
  expect_header(h, "dlq.stage", "prefilter");
  expect_header(h, "dlq.error.class", "permanent");
  expect_header(h, "dlq.ts", NULL);
  assert_int_equal(rd_kafka_header_get_last(h, "dlq.error.msg", &v, &sz), 0);
  assert_int_equal(sz, 1024); /* truncated */
  assert_memory_equal(v, "bad JSON", 8);
  rd_kafka_message_destroy(msg);
  bs_consumer_destroy(d);
  bs_consumer_destroy(c);
  bs_producer_destroy(p);
}

static void test_errors(void **state) {
  mock *m = *state;
  char err[512];
  bs_producer *p = NULL;
  bs_consumer *c = NULL;
  bs_bus_property bad[] = {{"kafka.no.such.property", "1"}};
  bs_bus_options o = {.bootstrap = m->bootstrap, .properties = bad, .nproperties = 1};
  assert_int_equal(bs_producer_new(&o, &p, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_null(p);
  assert_non_null(strstr(err, "no.such.property"));
  /* idempotence is not negotiable: acks=1 conflicts with it */
  bs_bus_property acks[] = {{"acks", "1"}};
  o.properties = acks;
  assert_int_equal(bs_producer_new(&o, &p, err, sizeof(err)), BS_ERR_PERMANENT);
  o.nproperties = 0;
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "group id"));
  bs_consumer_destroy(NULL);
  bs_producer_destroy(NULL);
  assert_int_equal(bs_bus_classify(RD_KAFKA_RESP_ERR_NO_ERROR), BS_BUS_OK);
  assert_int_equal(bs_bus_classify(RD_KAFKA_RESP_ERR__TRANSPORT), BS_BUS_RETRIABLE);
  assert_int_equal(bs_bus_classify(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), BS_BUS_RETRIABLE);
  assert_int_equal(bs_bus_classify(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION), BS_BUS_RETRIABLE);
  assert_int_equal(bs_bus_classify(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), BS_BUS_PERMANENT);
  assert_int_equal(bs_bus_classify(RD_KAFKA_RESP_ERR__FATAL), BS_BUS_FATAL);
  assert_int_equal(bs_bus_classify(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER), BS_BUS_FATAL);
  assert_int_equal(bs_bus_status(BS_BUS_FATAL), BS_ERR_RETRIABLE);
  assert_int_equal(bs_bus_status(BS_BUS_PERMANENT), BS_ERR_PERMANENT);
  /* a message larger than message.max.bytes is refused as permanent */
  bs_bus_property small[] = {{"message.max.bytes", "1000"}};
  o.properties = small;
  o.nproperties = 1;
  assert_int_equal(bs_producer_new(&o, &p, err, sizeof(err)), BS_OK);
  char big[5000] = {0};
  assert_int_equal(
      bs_producer_send(p, "in", NULL, 0, big, sizeof(big), NULL, 0, 5000, err, sizeof(err)),
      BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "MSG_SIZE_TOO_LARGE"));
  bs_producer_destroy(p);
}

/* A fatal idempotence error (as 2.0.2 can raise after a time-out, #4438)
 * makes the producer refuse further sends and say so. */
static void test_fatal_producer(void **state) {
  mock *m = *state;
  char err[512];
  bs_bus_options o = options(m, NULL);
  bs_producer *p = NULL;
  assert_int_equal(bs_producer_new(&o, &p, err, sizeof(err)), BS_OK);
  produce(p, "fatal", 1, "f");
  assert_int_equal(bs_producer_fatal(p, err, sizeof(err)), 0);
  assert_int_equal(rd_kafka_test_fatal_error(bs_producer_handle(p),
                                             RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                             "injected by test_bus"),
                   RD_KAFKA_RESP_ERR_NO_ERROR);
  bs_status st = bs_producer_send(p, "fatal", "k", 1, "v", 1, NULL, 0, 5000, err, sizeof(err));
  assert_int_equal(st, BS_ERR_RETRIABLE);
  assert_int_equal(bs_producer_fatal(p, err, sizeof(err)), 1);
  assert_non_null(strstr(err, "OUT_OF_ORDER_SEQUENCE_NUMBER"));
  bs_producer_destroy(p);
}

/* 2.0.2 can crash closing a cooperative consumer before its first
 * assignment (#4312): destroy right after subscribe must be safe (it waits
 * for the first rebalance, then unsubscribes and closes). */
static void test_destroy_before_first_assignment(void **state) {
  mock *m = *state;
  char err[512];
  bs_bus_options o = options(m, "g-early");
  bs_consumer *c = NULL;
  const char *topics[] = {"in"};
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_rebalances(c), 0);
  bs_consumer_destroy(c);
  /* and a consumer that never subscribed */
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  bs_consumer_destroy(c);
}

/* The options of the shared settings, and the property limit. */
static void test_options_from_config(void **state) {
  (void)state;
  char err[256];
  const bs_config_param *tables[] = {bs_config_service_params};
  size_t counts[] = {bs_config_service_params_count};
  bs_config *cfg = bs_config_new(tables, counts, 1);
  assert_non_null(cfg);
  assert_int_equal(bs_config_set(cfg, "kafka_bootstrap", "h:1", "flag", err, sizeof(err)), 0);
  assert_int_equal(bs_config_set(cfg, "topic_prefix", "lab1.", "flag", err, sizeof(err)), 0);
  assert_int_equal(bs_config_set(cfg, "kafka.linger.ms", "5", "flag", err, sizeof(err)), 0);
  bs_bus_properties props;
  bs_bus_options o;
  assert_int_equal(bs_bus_options_from_config(cfg, "cid", "gid", &props, &o, err, sizeof(err)),
                   BS_OK);
  assert_string_equal(o.bootstrap, "h:1");
  assert_string_equal(o.client_id, "cid");
  assert_string_equal(o.group_id, "gid");
  assert_string_equal(o.topic_prefix, "lab1.");
  assert_ptr_equal(o.properties, props.items);
  assert_int_equal(o.nproperties, 1);
  assert_string_equal(o.properties[0].key, "linger.ms");
  assert_string_equal(o.properties[0].value, "5");
  for (int i = 0; i < BS_BUS_MAX_PROPERTIES; i++) {
    char key[64];
    snprintf(key, sizeof(key), "kafka.x.%d", i);
    assert_int_equal(bs_config_set(cfg, key, "1", "flag", err, sizeof(err)), 0);
  }
  assert_int_equal(bs_bus_options_from_config(cfg, NULL, NULL, &props, &o, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "at most"));
  bs_config_destroy(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_options_from_config),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_fatal_producer),
      cmocka_unit_test(test_destroy_before_first_assignment),
      cmocka_unit_test(test_produce_consume_commit),
      cmocka_unit_test(test_batched_send),
      cmocka_unit_test(test_resume_after_committed_offset),
      cmocka_unit_test(test_eager_protocol),
      cmocka_unit_test(test_dead_letter_headers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
