/*
 * bus_producer.c - the idempotent producer: synchronous "produce and wait
 * for the delivery report", and the dead-letter republisher.
 *
 * Each message carries a heap-allocated delivery slot as its opaque. The
 * delivery-report callback runs inside rd_kafka_poll on the caller's
 * thread, fills the slot, and frees it when the waiter gave up (time-out),
 * so a late report never writes to freed memory. Messages of a batch
 * (bs_producer_send_batched) carry a slot that points at the producer's
 * batch counter instead: the callback counts them down, keeps the first
 * failure and frees the slot; bs_producer_wait_batch waits for the count
 * to reach 0.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs/envelope.h"
#include "bs/log.h"
#include "bus_internal.h"

typedef struct batch {
  size_t pending;          /* batched messages without a delivery report yet */
  rd_kafka_resp_err_t err; /* the first failure among them */
  char topic[256];         /* its topic */
} batch;

struct bs_producer {
  rd_kafka_t *rk;
  bus_fatal fatal;
  batch batch;
  rd_kafka_topic_t *warm[BS_PRODUCER_MAX_WARM]; /* bs_producer_warm's topics, kept known */
  size_t nwarm;
};

typedef struct delivery {
  int done;
  int abandoned;
  rd_kafka_resp_err_t err;
  int32_t partition;
  int64_t offset;
  batch *batch; /* a batched message's: counted down there, the slot freed */
} delivery;

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
  delivery *d = msg->_private;
  if (!d)
    return;
  if (d->batch) {
    batch *b = d->batch;
    b->pending--;
    if (msg->err && !b->err) {
      b->err = msg->err;
      snprintf(b->topic, sizeof(b->topic), "%s", rd_kafka_topic_name(msg->rkt));
    }
    free(d);
    return;
  }
  if (d->abandoned) {
    if (msg->err)
      bs_warn("late delivery failure on %s: %s", rd_kafka_topic_name(msg->rkt),
              rd_kafka_err2str(msg->err));
    free(d);
    return;
  }
  d->done = 1;
  d->err = msg->err;
  d->partition = msg->partition;
  d->offset = msg->offset;
}

bs_status bs_producer_new(const bs_bus_options *opt, bs_producer **out, char *errstr,
                          size_t errstr_size) {
  static const bus_kv defaults[] = {
      {"partitioner", "murmur2_random"}, /* the Java client's, for the same key->partition */
      /* every send waits for its delivery report (send_wait): there is
       * never a second message to batch with, and a linger is only delay
       * on each event of the pipeline's path */
      {"linger.ms", "0"},
      {"compression.type", "lz4"},
      /* a dead letter is the refused record's bytes plus dlq.* headers, so
       * it can exceed the 1,000,000 bytes a record may have on the way in;
       * the dead-letter topic takes up to 2 MiB (bs_bus_create_topics) */
      {"message.max.bytes", "2097152"},
  };
  static const bus_kv enforced[] = {{"enable.idempotence", "true"}};
  bs_producer *p = calloc(1, sizeof(*p));
  rd_kafka_conf_t *conf = NULL;
  char why[512];
  *out = NULL;
  if (!p) {
    snprintf(errstr, errstr_size, "kafka producer: out of memory");
    return BS_ERR_RETRIABLE;
  }
  conf = bus_conf_new(opt, defaults, sizeof(defaults) / sizeof(defaults[0]), enforced, 1, &p->fatal,
                      errstr, errstr_size);
  if (!conf)
    goto fail;
  rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
  p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
  if (!p->rk) {
    snprintf(errstr, errstr_size, "kafka producer: %s", why);
    goto fail; /* conf still ours */
  }
  *out = p;
  return BS_OK;
fail:
  if (conf && !p->rk)
    rd_kafka_conf_destroy(conf);
  free(p);
  return BS_ERR_PERMANENT;
}

void bs_producer_destroy(bs_producer *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->nwarm; i++)
    rd_kafka_topic_destroy(p->warm[i]);
  if (p->rk) {
    rd_kafka_resp_err_t err = rd_kafka_flush(p->rk, 10000);
    if (err)
      bs_warn("kafka producer: %d message(s) not delivered at shutdown: %s",
              rd_kafka_outq_len(p->rk), rd_kafka_err2str(err));
    rd_kafka_destroy(p->rk);
  }
  free(p);
}

int bs_producer_fatal(bs_producer *p, char *errstr, size_t errstr_size) {
  if (!p->fatal.fatal)
    return 0;
  snprintf(errstr, errstr_size, "%s", p->fatal.reason);
  return 1;
}

void bs_producer_warm(bs_producer *p, const char *const *topics, size_t n) {
  /* a new topic handle has librdkafka query the topic's leader at once */
  for (size_t i = 0; i < n && p->nwarm < BS_PRODUCER_MAX_WARM; i++) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(p->rk, topics[i], NULL);
    if (rkt)
      p->warm[p->nwarm++] = rkt;
  }
}

rd_kafka_t *bs_producer_handle(bs_producer *p) {
  return p->rk;
}

static void headers_destroy(rd_kafka_headers_t *hdrs) {
  if (hdrs)
    rd_kafka_headers_destroy(hdrs);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The status of err, a failure to produce to or deliver to topic
 * (`doing`: "produce" or "delivery"): a fatal error is noted for
 * bs_producer_fatal, errstr says "kafka <doing> to <topic>: ...". */
static bs_status send_failed(bs_producer *p, rd_kafka_resp_err_t err, const char *doing,
                             const char *topic, char *errstr, size_t errstr_size) {
  bus_check_fatal(p->rk, err, &p->fatal);
  char what[300];
  snprintf(what, sizeof(what), "kafka %s to %s", doing, topic);
  bus_errstr(errstr, errstr_size, what, err);
  return bs_bus_status(bs_bus_classify(err));
}

/* Produces with hdrs (stolen: freed here on failure, owned by librdkafka
 * on success) and waits for the delivery report. */
static bs_status send_wait(bs_producer *p, const char *topic, int32_t partition, const void *key,
                           size_t key_len, const void *value, size_t value_len,
                           rd_kafka_headers_t *hdrs, int timeout_ms, char *errstr,
                           size_t errstr_size) {
  if (bs_producer_fatal(p, errstr, errstr_size)) {
    headers_destroy(hdrs);
    return BS_ERR_RETRIABLE;
  }
  delivery *d = calloc(1, sizeof(*d));
  if (!d) {
    headers_destroy(hdrs);
    snprintf(errstr, errstr_size, "kafka produce: out of memory");
    return BS_ERR_RETRIABLE;
  }
  rd_kafka_resp_err_t err = rd_kafka_producev(
      p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_KEY(key, key_len),
      RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
  if (err) {
    headers_destroy(hdrs); /* not taken over on failure */
    free(d);
    return send_failed(p, err, "produce", topic, errstr, errstr_size);
  }
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
  while (!d->done && now_ms() < deadline)
    rd_kafka_poll(p->rk, 50);
  if (!d->done) {
    d->abandoned = 1; /* dr_msg_cb frees it */
    snprintf(errstr, errstr_size, "kafka produce to %s: no delivery report within %d ms", topic,
             timeout_ms);
    return BS_ERR_RETRIABLE;
  }
  err = d->err;
  bs_debug("delivered to %s [%" PRId32 "] at offset %" PRId64, topic, d->partition, d->offset);
  free(d);
  if (err) {
    return send_failed(p, err, "delivery", topic, errstr, errstr_size);
  }
  return BS_OK;
}

bs_status bs_producer_send_batched(bs_producer *p, const char *topic, int32_t partition,
                                   const void *key, size_t key_len, const void *value,
                                   size_t value_len, char *errstr, size_t errstr_size) {
  if (bs_producer_fatal(p, errstr, errstr_size))
    return BS_ERR_RETRIABLE;
  delivery *d = calloc(1, sizeof(*d));
  if (!d) {
    snprintf(errstr, errstr_size, "kafka produce: out of memory");
    return BS_ERR_RETRIABLE;
  }
  d->batch = &p->batch;
  rd_kafka_resp_err_t err = rd_kafka_producev(
      p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_KEY(key, key_len),
      RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
  if (err) {
    free(d);
    return send_failed(p, err, "produce", topic, errstr, errstr_size);
  }
  p->batch.pending++;
  return BS_OK;
}

bs_status bs_producer_wait_batch(bs_producer *p, int timeout_ms, char *errstr, size_t errstr_size) {
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
  while (p->batch.pending > 0 && now_ms() < deadline)
    rd_kafka_poll(p->rk, 50);
  if (p->batch.pending > 0) {
    snprintf(errstr, errstr_size,
             "kafka produce: %zu message(s) without a delivery report "
             "within %d ms",
             p->batch.pending, timeout_ms);
    return BS_ERR_RETRIABLE; /* their reports still count down the batch */
  }
  rd_kafka_resp_err_t err = p->batch.err;
  p->batch.err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (err) {
    return send_failed(p, err, "delivery", p->batch.topic, errstr, errstr_size);
  }
  return BS_OK;
}

bs_status bs_producer_send(bs_producer *p, const char *topic, const void *key, size_t key_len,
                           const void *value, size_t value_len, const bs_bus_header *headers,
                           size_t nheaders, int timeout_ms, char *errstr, size_t errstr_size) {
  rd_kafka_headers_t *hdrs = NULL;
  if (nheaders > 0) {
    hdrs = rd_kafka_headers_new(nheaders);
    for (size_t i = 0; i < nheaders; i++)
      rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value,
                          headers[i].value ? (ssize_t)headers[i].size : 0);
  }
  return send_wait(p, topic, RD_KAFKA_PARTITION_UA, key, key_len, value, value_len, hdrs,
                   timeout_ms, errstr, errstr_size);
}

bs_status bs_producer_send_to(bs_producer *p, const char *topic, int32_t partition, const void *key,
                              size_t key_len, const void *value, size_t value_len, int timeout_ms,
                              char *errstr, size_t errstr_size) {
  return send_wait(p, topic, partition, key, key_len, value, value_len, NULL, timeout_ms, errstr,
                   errstr_size);
}

bs_status bs_producer_dead_letter(bs_producer *p, const char *dlq_topic,
                                  const rd_kafka_message_t *msg, const char *stage,
                                  bs_status error_class, const char *error_message, int timeout_ms,
                                  char *errstr, size_t errstr_size) {
  rd_kafka_headers_t *orig = NULL, *hdrs;
  char partition[16], offset[32], ts[32];
  struct timespec now;
  if (rd_kafka_message_headers(msg, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR && orig)
    hdrs = rd_kafka_headers_copy(orig);
  else
    hdrs = rd_kafka_headers_new(7);
  snprintf(partition, sizeof(partition), "%" PRId32, msg->partition);
  snprintf(offset, sizeof(offset), "%" PRId64, msg->offset);
  clock_gettime(CLOCK_REALTIME, &now);
  bs_rfc3339_format((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, ts);
  const char *emsg = error_message ? error_message : "";
  /* A refusal on authority is its own class (bs/error.h). */
  const char *cls = bs_err_is_forbidden(emsg) ? "forbidden" : bs_status_name(error_class);
  size_t elen = strlen(emsg);
  if (elen > 1024)
    elen = 1024;
  rd_kafka_header_add(hdrs, "dlq.topic", -1, msg->rkt ? rd_kafka_topic_name(msg->rkt) : "", -1);
  rd_kafka_header_add(hdrs, "dlq.partition", -1, partition, -1);
  rd_kafka_header_add(hdrs, "dlq.offset", -1, offset, -1);
  rd_kafka_header_add(hdrs, "dlq.stage", -1, stage ? stage : "", -1);
  rd_kafka_header_add(hdrs, "dlq.error.class", -1, cls, -1);
  rd_kafka_header_add(hdrs, "dlq.error.msg", -1, emsg, (ssize_t)elen);
  rd_kafka_header_add(hdrs, "dlq.ts", -1, ts, -1);
  bs_status st = send_wait(p, dlq_topic, RD_KAFKA_PARTITION_UA, msg->key, msg->key_len,
                           msg->payload, msg->len, hdrs, timeout_ms, errstr, errstr_size);
  if (st == BS_OK)
    bs_notice("dead-lettered %s [%" PRId32 "] offset %" PRId64 " to %s: %s: %.*s",
              msg->rkt ? rd_kafka_topic_name(msg->rkt) : "?", msg->partition, msg->offset,
              dlq_topic, cls, (int)(elen > 200 ? 200 : elen), emsg);
  return st;
}
