/*
 * test_bus_kafka.c - the Kafka bus against a real broker
 * (BMDSTREAM_KAFKA_BOOTSTRAP; skipped when unset): topics created through
 * the Admin API (twice: the second run finds them), envelopes produced with
 * the idempotent producer, consumed in a consumer group with stored and
 * committed offsets; a restarted consumer resumes right after the committed
 * offsets; committed equals the high watermark at the end (lag 0); a
 * dead-lettered message keeps its bytes and carries origin headers.
 * Topic names are unique per run and deleted afterwards. With
 * BMDSTREAM_KAFKA_CREDENTIALS (the stack's), the clients authenticate as
 * the admin principal (the topics and groups are this test's own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bs/bus.h"
#include "bs/envelope.h"
#include "test_stack.h"

#define N_EVENTS 20

static const char *bootstrap;
static char prefix[64];
static char group[96];

static char *topic(bs_topic t) {
  static char names[BS_TOPIC_COUNT][128];
  assert_int_equal(bs_topic_full_name(prefix, t, names[t], sizeof(names[t])), 0);
  return names[t];
}

/* The admin's credentials (if any), then the consumers' session timeout. */
static bs_bus_properties props;
static size_t ncredentials;

static bs_bus_options options(const char *group_id) {
  bs_bus_options o = {.bootstrap = bootstrap,
                      .client_id = "it-bus",
                      .group_id = group_id,
                      .topic_prefix = prefix,
                      .properties = props.items,
                      .nproperties = group_id ? props.n : ncredentials};
  return o;
}

static void load_credentials(void) {
  const char *where = getenv("BMDSTREAM_KAFKA_CREDENTIALS");
  char err[512];
  if (where && *where &&
      bs_bus_load_credentials(where, "bmdstream-admin", &props, err, sizeof(err)) != BS_OK) {
    fprintf(stderr, "test_bus_kafka: %s\n", err);
    exit(1);
  }
  ncredentials = props.n;
  props.items[props.n++] = (bs_bus_property){"session.timeout.ms", "10000"};
}

static void test_create_topics_twice(void **state) {
  (void)state;
  char err[512];
  int created[BS_TOPIC_COUNT];
  bs_bus_options o = options(NULL);
  bs_status st = bs_bus_create_pipeline_topics(&o, 2, 1, 30000, created, err, sizeof(err));
  if (st != BS_OK)
    fail_msg("create: %s", err);
  for (int t = 0; t < BS_TOPIC_COUNT; t++)
    assert_int_equal(created[t], 1);
  st = bs_bus_create_pipeline_topics(&o, 2, 1, 30000, created, err, sizeof(err));
  if (st != BS_OK)
    fail_msg("create again: %s", err);
  for (int t = 0; t < BS_TOPIC_COUNT; t++)
    assert_int_equal(created[t], 0);
}

static void produce_events(void) {
  char err[512];
  bs_bus_options o = options(NULL);
  bs_producer *p = NULL;
  assert_int_equal(bs_producer_new(&o, &p, err, sizeof(err)), BS_OK);
  for (int i = 0; i < N_EVENTS; i++) {
    json_t *data =
        json_pack("{s:s, s:i, s:i, s:i, s:i}", "job_id", "6f1c2b1e-7d1a-4c2e-9a3b-1e2f3a4b5c6d",
                  "user_id", 1, "project_id", 2, "experiment_id", 100 + i % 4, "seq", i);
    json_t *ev = NULL;
    assert_int_equal(bs_envelope_new(BS_TOPIC_EXPERIMENT_IMPORTED, "/it", NULL, NULL, data, &ev,
                                     err, sizeof(err)),
                     BS_OK);
    char *text = bs_envelope_dumps(ev);
    char key[16];
    snprintf(key, sizeof(key), "%d", 100 + i % 4);
    bs_status st = bs_producer_send(p, topic(BS_TOPIC_EXPERIMENT_IMPORTED), key, strlen(key), text,
                                    strlen(text), NULL, 0, 30000, err, sizeof(err));
    if (st != BS_OK)
      fail_msg("send %d: %s", i, err);
    free(text);
    json_decref(ev);
  }
  bs_producer_destroy(p);
}

static rd_kafka_message_t *next(bs_consumer *c, int timeout_s) {
  char err[512];
  for (int i = 0; i < timeout_s * 10; i++) {
    rd_kafka_message_t *msg = NULL;
    if (bs_consumer_poll(c, 100, &msg, err, sizeof(err)) != BS_OK)
      fail_msg("poll: %s", err);
    if (msg)
      return msg;
  }
  return NULL;
}

/* Consumes up to n events, storing each after "processing" (decoding). */
static int consume(bs_consumer *c, int n, int seen[N_EVENTS]) {
  char err[512];
  int got = 0;
  while (got < n) {
    rd_kafka_message_t *msg = next(c, got == 0 ? 60 : 20);
    if (!msg)
      break;
    bs_envelope env;
    if (bs_envelope_decode(msg->payload, msg->len, BS_TOPIC_EXPERIMENT_IMPORTED, &env, err,
                           sizeof(err)) != BS_OK)
      fail_msg("decode: %s", err);
    int seq = (int)json_integer_value(json_object_get(env.data, "seq"));
    assert_true(seq >= 0 && seq < N_EVENTS);
    char key[16];
    snprintf(key, sizeof(key), "%lld", (long long)env.experiment_id);
    assert_int_equal(msg->key_len, strlen(key));
    assert_memory_equal(msg->key, key, msg->key_len);
    seen[seq]++;
    bs_envelope_clear(&env);
    assert_int_equal(bs_consumer_store(c, msg, err, sizeof(err)), BS_OK);
    rd_kafka_message_destroy(msg);
    got++;
  }
  return got;
}

static long long committed_offset(bs_consumer *c, const char *t, int partition) {
  rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(one, t, partition);
  assert_int_equal(rd_kafka_committed(bs_consumer_handle(c), one, 10000), 0);
  long long off = (long long)one->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(one);
  return off;
}

static void test_group_consume_commit_resume(void **state) {
  (void)state;
  char err[512];
  int seen[N_EVENTS] = {0};
  produce_events();
  bs_bus_options o = options(group);
  const char *topics[] = {topic(BS_TOPIC_EXPERIMENT_IMPORTED)};
  bs_consumer *c = NULL;
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  assert_int_equal(consume(c, N_EVENTS / 2, seen), N_EVENTS / 2);
  /* one more is read but "crashes" before its outputs are durable: its
   * offset is never stored, so the restarted group must re-deliver it */
  rd_kafka_message_t *lost = next(c, 20);
  assert_non_null(lost);
  int lost_partition = (int)lost->partition;
  long long lost_offset = (long long)lost->offset;
  rd_kafka_message_destroy(lost);
  assert_int_equal(bs_consumer_commit(c, err, sizeof(err)), BS_OK);
  /* committed stops at the unstored message (nothing committed at all
   * when it was the partition's first) */
  long long first_commit = committed_offset(c, topics[0], lost_partition);
  if (!(first_commit == lost_offset ||
        (lost_offset == 0 && first_commit == RD_KAFKA_OFFSET_INVALID)))
    fail_msg("committed %lld on partition %d, unstored message at %lld", first_commit,
             lost_partition, lost_offset);
  assert_string_equal(rd_kafka_rebalance_protocol(bs_consumer_handle(c)), "COOPERATIVE");
  bs_consumer_destroy(c);

  /* restart: the group resumes after the committed offsets */
  c = NULL;
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(c, topics, 1, err, sizeof(err)), BS_OK);
  assert_int_equal(consume(c, N_EVENTS - N_EVENTS / 2, seen), N_EVENTS - N_EVENTS / 2);
  rd_kafka_message_t *extra = next(c, 3); /* nothing stored is delivered twice */
  if (extra)
    fail_msg("re-delivered partition %d offset %lld", (int)extra->partition,
             (long long)extra->offset);
  for (int i = 0; i < N_EVENTS; i++)
    if (seen[i] != 1)
      fail_msg("event %d processed %d times", i, seen[i]);
  assert_int_equal(bs_consumer_commit(c, err, sizeof(err)), BS_OK);
  /* the unstored message was re-delivered: committed now lies past it */
  assert_true(committed_offset(c, topics[0], lost_partition) > lost_offset);

  /* committed == high watermark on every partition: lag 0 */
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
  rd_kafka_topic_partition_list_add(l, topics[0], 0);
  rd_kafka_topic_partition_list_add(l, topics[0], 1);
  assert_int_equal(rd_kafka_committed(bs_consumer_handle(c), l, 10000), 0);
  int64_t total = 0;
  for (int i = 0; i < l->cnt; i++) {
    int64_t lo, hi;
    assert_int_equal(
        rd_kafka_query_watermark_offsets(bs_consumer_handle(c), topics[0], i, &lo, &hi, 10000), 0);
    assert_int_equal(l->elems[i].offset, hi);
    total += hi;
  }
  assert_int_equal(total, N_EVENTS);
  rd_kafka_topic_partition_list_destroy(l);
  bs_consumer_destroy(c);
}

static void test_dead_letter(void **state) {
  (void)state;
  char err[512], g[128];
  snprintf(g, sizeof(g), "%s-dlq", group);
  bs_bus_options o = options(g);
  bs_producer *p = NULL;
  bs_consumer *c = NULL;
  assert_int_equal(bs_producer_new(&o, &p, err, sizeof(err)), BS_OK);
  const char *bad = "{\"specversion\": \"1.0\"";
  bs_bus_header h = {"trace-id", "t-1", 3};
  assert_int_equal(bs_producer_send(p, topic(BS_TOPIC_PREFILTER_DONE), "7", 1, bad, strlen(bad), &h,
                                    1, 30000, err, sizeof(err)),
                   BS_OK);
  const char *src[] = {topic(BS_TOPIC_PREFILTER_DONE)};
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(c, src, 1, err, sizeof(err)), BS_OK);
  rd_kafka_message_t *msg = next(c, 60);
  assert_non_null(msg);
  bs_envelope env;
  bs_status st =
      bs_envelope_decode(msg->payload, msg->len, BS_TOPIC_PREFILTER_DONE, &env, err, sizeof(err));
  assert_int_equal(st, BS_ERR_PERMANENT);
  assert_int_equal(bs_producer_dead_letter(p, topic(BS_TOPIC_DEAD_LETTER), msg, "bmd", st, err,
                                           30000, err, sizeof(err)),
                   BS_OK);
  char offset[32];
  snprintf(offset, sizeof(offset), "%lld", (long long)msg->offset);
  assert_int_equal(bs_consumer_store(c, msg, err, sizeof(err)), BS_OK);
  rd_kafka_message_destroy(msg);
  bs_consumer_destroy(c);

  snprintf(g, sizeof(g), "%s-dlq-reader", group);
  o.group_id = g;
  c = NULL;
  const char *dl[] = {topic(BS_TOPIC_DEAD_LETTER)};
  assert_int_equal(bs_consumer_new(&o, &c, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(c, dl, 1, err, sizeof(err)), BS_OK);
  msg = next(c, 60);
  assert_non_null(msg);
  assert_int_equal(msg->len, strlen(bad));
  assert_memory_equal(msg->payload, bad, msg->len);
  assert_memory_equal(msg->key, "7", 1);
  rd_kafka_headers_t *hdrs = NULL;
  assert_int_equal(rd_kafka_message_headers(msg, &hdrs), 0);
  const struct {
    const char *name, *value;
  } want[] = {{"trace-id", "t-1"},
              {"dlq.topic", src[0]},
              {"dlq.offset", offset},
              {"dlq.stage", "bmd"},
              {"dlq.error.class", "permanent"}};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const void *v;
    size_t sz;
    assert_int_equal(rd_kafka_header_get_last(hdrs, want[i].name, &v, &sz), 0);
    assert_int_equal(sz, strlen(want[i].value));
    assert_memory_equal(v, want[i].value, sz);
  }
  const void *v;
  size_t sz;
  assert_int_equal(rd_kafka_header_get_last(hdrs, "dlq.error.msg", &v, &sz), 0);
  char emsg[1100];
  snprintf(emsg, sizeof(emsg), "%.*s", (int)sz, (const char *)v);
  assert_non_null(strstr(emsg, "invalid JSON"));
  rd_kafka_message_destroy(msg);
  bs_consumer_destroy(c);
  bs_producer_destroy(p);
}

/* Polls one message from c (100 ms), stores it and marks it seen. */
static int take(bs_consumer *c, int *seen, int n) {
  char err[512];
  rd_kafka_message_t *msg = NULL;
  if (bs_consumer_poll(c, 100, &msg, err, sizeof(err)) != BS_OK)
    fail_msg("poll: %s", err);
  if (!msg)
    return 0;
  int seq = atoi((const char *)msg->payload); /* "seq <n>" payloads are NUL-free digits */
  assert_true(seq >= 0 && seq < n);
  seen[seq]++;
  bs_status st = bs_consumer_store(c, msg, err, sizeof(err));
  if (st != BS_OK)
    fail_msg("store: %s", err);
  rd_kafka_message_destroy(msg);
  return 1;
}

/* A second member joins: the cooperative protocol moves one partition
 * (incremental revoke + assign, stored offsets committed on revoke) and
 * every message is processed exactly once across the two members. */
static void test_cooperative_second_member(void **state) {
  (void)state;
  enum { N = 40 };
  char err[512], g[128], val[16], key[16];
  int seen[N] = {0};
  snprintf(g, sizeof(g), "%s-coop", group);
  bs_bus_options po = options(NULL), o = options(g);
  bs_producer *p = NULL;
  bs_consumer *a = NULL, *b = NULL;
  const char *t = topic(BS_TOPIC_JOB_EVENTS);
  assert_int_equal(bs_producer_new(&po, &p, err, sizeof(err)), BS_OK);
  for (int i = 0; i < N; i++) {
    snprintf(val, sizeof(val), "%d", i);
    snprintf(key, sizeof(key), "%d", i % 8);
    assert_int_equal(bs_producer_send(p, t, key, strlen(key), val, strlen(val) + 1, NULL, 0, 30000,
                                      err, sizeof(err)),
                     BS_OK);
  }
  assert_int_equal(bs_consumer_new(&o, &a, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(a, &t, 1, err, sizeof(err)), BS_OK);
  int got = 0;
  for (int i = 0; i < 600 && got < N / 4; i++)
    got += take(a, seen, N);
  assert_int_equal(got, N / 4);
  assert_int_equal(bs_consumer_assigned(a), 2);
  int rebalances_a = bs_consumer_rebalances(a);
  assert_int_equal(bs_consumer_new(&o, &b, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_consumer_subscribe(b, &t, 1, err, sizeof(err)), BS_OK);
  for (int i = 0; i < 600 && (got < N || bs_consumer_assigned(b) != 1); i++) {
    got += take(a, seen, N);
    got += take(b, seen, N);
  }
  assert_int_equal(got, N);
  assert_int_equal(bs_consumer_assigned(a), 1);
  assert_int_equal(bs_consumer_assigned(b), 1);
  assert_true(bs_consumer_rebalances(a) > rebalances_a); /* incremental revoke */
  for (int i = 0; i < N; i++)
    if (seen[i] != 1)
      fail_msg("message %d processed %d times", i, seen[i]);
  bs_consumer_destroy(b);
  bs_consumer_destroy(a);
  bs_producer_destroy(p);
}

/* Deletes this run's topics (no consumer is alive any more). */
static int delete_topics(void **state) {
  (void)state;
  char why[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, why, sizeof(why));
  for (size_t i = 0; i < ncredentials; i++)
    rd_kafka_conf_set(conf, props.items[i].key, props.items[i].value, why, sizeof(why));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
  if (!rk)
    return 0;
  rd_kafka_DeleteTopic_t *del[BS_TOPIC_COUNT];
  for (int t = 0; t < BS_TOPIC_COUNT; t++)
    del[t] = rd_kafka_DeleteTopic_new(topic((bs_topic)t));
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, del, BS_TOPIC_COUNT, NULL, q);
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
  if (ev)
    rd_kafka_event_destroy(ev);
  rd_kafka_DeleteTopic_destroy_array(del, BS_TOPIC_COUNT);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return 0;
}

int main(void) {
  bootstrap = bs_test_env_or_exit("BMDSTREAM_KAFKA_BOOTSTRAP");
  load_credentials();
  snprintf(prefix, sizeof(prefix), "it%d-%ld.", (int)getpid(), (long)time(NULL));
  snprintf(group, sizeof(group), "%sgroup", prefix);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_topics_twice),
      cmocka_unit_test(test_group_consume_commit_resume),
      cmocka_unit_test(test_dead_letter),
      cmocka_unit_test(test_cooperative_second_member),
  };
  return cmocka_run_group_tests(tests, NULL, delete_topics);
}
