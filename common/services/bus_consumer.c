/*
 * bus_consumer.c - the at-least-once group consumer: one rebalance
 * callback for the EAGER and COOPERATIVE protocols, offsets stored only on
 * the caller's word, and the staged close that avoids librdkafka 2.0.2's
 * close bugs (bs/bus.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs/log.h"
#include "bus_internal.h"

struct bs_consumer {
  bus_fatal fatal; /* first: the conf opaque is &fatal == the consumer */
  rd_kafka_t *rk;
  int subscribed;
  int rebalances; /* rebalance callbacks run so far */
  int assigned;   /* partitions in the current assignment */
};

static int is_cooperative(rd_kafka_t *rk) {
  const char *proto = rd_kafka_rebalance_protocol(rk);
  return proto && strcmp(proto, "COOPERATIVE") == 0;
}

static int count_assignment(rd_kafka_t *rk) {
  rd_kafka_topic_partition_list_t *parts = NULL;
  int n = 0;
  if (rd_kafka_assignment(rk, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts)
    n = parts->cnt;
  if (parts)
    rd_kafka_topic_partition_list_destroy(parts);
  return n;
}

/* Commits what has been stored, synchronously; "nothing stored" is fine. */
static rd_kafka_resp_err_t commit_stored(rd_kafka_t *rk) {
  rd_kafka_resp_err_t err = rd_kafka_commit(rk, NULL, 0);
  return err == RD_KAFKA_RESP_ERR__NO_OFFSET ? RD_KAFKA_RESP_ERR_NO_ERROR : err;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
  bs_consumer *c = opaque;
  int coop = is_cooperative(rk);
  rd_kafka_error_t *error = NULL;
  rd_kafka_resp_err_t ret = RD_KAFKA_RESP_ERR_NO_ERROR;
  c->rebalances++;
  switch (err) {
  case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
    bs_info("rebalance (%s): assigned %d partition(s)", coop ? "cooperative" : "eager", parts->cnt);
    if (coop)
      error = rd_kafka_incremental_assign(rk, parts);
    else
      ret = rd_kafka_assign(rk, parts);
    /* librdkafka keeps a partition's pause across a revoke and a new
     * assignment: a partition paused for a retry (bs/stage.h), lost while
     * paused and assigned again after the retry's resume would never be
     * fetched. Assigned partitions start resumed; a stage still waiting to
     * retry pauses them again on its next poll. */
    if (!error && ret == RD_KAFKA_RESP_ERR_NO_ERROR)
      rd_kafka_resume_partitions(rk, parts);
    break;
  case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
    bs_info("rebalance (%s): revoked %d partition(s)%s", coop ? "cooperative" : "eager", parts->cnt,
            rd_kafka_assignment_lost(rk) ? " (lost)" : "");
    /* Stored offsets belong to work already durable: commit them before
     * the partitions move, unless they were lost (another member may own
     * them already). */
    if (!rd_kafka_assignment_lost(rk)) {
      rd_kafka_resp_err_t cerr = commit_stored(rk);
      if (cerr)
        bs_warn("commit on revoke: %s", rd_kafka_err2str(cerr));
    }
    if (coop)
      error = rd_kafka_incremental_unassign(rk, parts);
    else
      ret = rd_kafka_assign(rk, NULL);
    break;
  default:
    bs_err("rebalance error: %s", rd_kafka_err2str(err));
    ret = rd_kafka_assign(rk, NULL);
    break;
  }
  if (error) {
    bs_err("rebalance: %s", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else if (ret) {
    bs_err("rebalance: %s", rd_kafka_err2str(ret));
  }
  c->assigned = count_assignment(rk);
}

bs_status bs_consumer_new(const bs_bus_options *opt, bs_consumer **out, char *errstr,
                          size_t errstr_size) {
  static const bus_kv defaults[] = {
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"auto.offset.reset", "earliest"},
      {"allow.auto.create.topics", "false"},
      {"enable.partition.eof", "false"},
      /* A member that stops heartbeating is out after 10 s (librdkafka's
       * default is 45 s); heartbeats come from librdkafka's own thread,
       * so a long handler does not miss them. */
      {"session.timeout.ms", "10000"},
      {"heartbeat.interval.ms", "2000"},
  };
  /* The delivery contract: commit only what the program stored. */
  static const bus_kv enforced[] = {
      {"enable.auto.commit", "true"},
      {"enable.auto.offset.store", "false"},
  };
  bs_consumer *c = calloc(1, sizeof(*c));
  rd_kafka_conf_t *conf = NULL;
  char why[512];
  *out = NULL;
  if (!c) {
    snprintf(errstr, errstr_size, "kafka consumer: out of memory");
    return BS_ERR_RETRIABLE;
  }
  if (!opt->group_id || !*opt->group_id) {
    snprintf(errstr, errstr_size, "kafka consumer: a group id is required");
    goto fail;
  }
  conf = bus_conf_new(opt, defaults, sizeof(defaults) / sizeof(defaults[0]), enforced,
                      sizeof(enforced) / sizeof(enforced[0]), &c->fatal, errstr, errstr_size);
  if (!conf)
    goto fail;
  if (rd_kafka_conf_set(conf, "group.id", opt->group_id, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
    snprintf(errstr, errstr_size, "kafka consumer: group.id: %s", why);
    goto fail;
  }
  if (opt->group_instance_id && *opt->group_instance_id &&
      rd_kafka_conf_set(conf, "group.instance.id", opt->group_instance_id, why, sizeof(why)) !=
          RD_KAFKA_CONF_OK) {
    snprintf(errstr, errstr_size, "kafka consumer: group.instance.id: %s", why);
    goto fail;
  }
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
  if (!c->rk) {
    snprintf(errstr, errstr_size, "kafka consumer: %s", why);
    goto fail;
  }
  conf = NULL;                       /* owned by c->rk */
  rd_kafka_poll_set_consumer(c->rk); /* logs, errors, rebalances: one queue */
  *out = c;
  return BS_OK;
fail:
  if (conf)
    rd_kafka_conf_destroy(conf);
  free(c);
  return BS_ERR_PERMANENT;
}

bs_status bs_consumer_subscribe(bs_consumer *c, const char *const *topics, size_t ntopics,
                                char *errstr, size_t errstr_size) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)ntopics);
  for (size_t i = 0; i < ntopics; i++)
    rd_kafka_topic_partition_list_add(list, topics[i], RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    bus_errstr(errstr, errstr_size, "kafka subscribe", err);
    return bs_bus_status(bs_bus_classify(err));
  }
  c->subscribed = 1;
  return BS_OK;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bs_status bs_consumer_poll(bs_consumer *c, int timeout_ms, rd_kafka_message_t **msg, char *errstr,
                           size_t errstr_size) {
  *msg = NULL;
  rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
  if (!m)
    return BS_OK;
  if (m->err) {
    rd_kafka_resp_err_t err = m->err;
    bus_check_fatal(c->rk, err, &c->fatal);
    char what[300];
    snprintf(what, sizeof(what), "kafka consume%s%s", m->rkt ? " from " : "",
             m->rkt ? rd_kafka_topic_name(m->rkt) : "");
    bus_errstr(errstr, errstr_size, what, err);
    rd_kafka_message_destroy(m);
    bs_bus_class cls = bs_bus_classify(err);
    BS_LOG(cls == BS_BUS_RETRIABLE ? BS_LOG_WARNING : BS_LOG_ERR, "%s", errstr);
    return bs_bus_status(cls);
  }
  char ctx[300];
  snprintf(ctx, sizeof(ctx), "topic=%s partition=%" PRId32 " offset=%" PRId64,
           rd_kafka_topic_name(m->rkt), m->partition, m->offset);
  bs_log_context(ctx);
  *msg = m;
  return BS_OK;
}

bs_status bs_consumer_store(bs_consumer *c, const rd_kafka_message_t *msg, char *errstr,
                            size_t errstr_size) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_t *tp =
      rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(msg->rkt), msg->partition);
  tp->offset = msg->offset + 1; /* the next offset to read */
  rd_kafka_resp_err_t err = rd_kafka_offsets_store(c->rk, list);
  if (!err)
    err = tp->err;
  rd_kafka_topic_partition_list_destroy(list);
  if (err == RD_KAFKA_RESP_ERR__STATE) {
    snprintf(errstr, errstr_size,
             "kafka offset store: partition %" PRId32 " is no longer assigned; its new owner "
             "will re-deliver",
             msg->partition);
    return BS_ERR_NOT_FOUND;
  }
  if (err) {
    bus_errstr(errstr, errstr_size, "kafka offset store", err);
    return bs_bus_status(bs_bus_classify(err));
  }
  return BS_OK;
}

bs_status bs_consumer_commit(bs_consumer *c, char *errstr, size_t errstr_size) {
  rd_kafka_resp_err_t err = commit_stored(c->rk);
  if (err) {
    bus_check_fatal(c->rk, err, &c->fatal);
    bus_errstr(errstr, errstr_size, "kafka commit", err);
    return bs_bus_status(bs_bus_classify(err));
  }
  return BS_OK;
}

static bs_status pause_resume(bs_consumer *c, const rd_kafka_message_t *msg, int pause,
                              char *errstr, size_t errstr_size) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_t *tp =
      rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(msg->rkt), msg->partition);
  rd_kafka_resp_err_t err =
      pause ? rd_kafka_pause_partitions(c->rk, list) : rd_kafka_resume_partitions(c->rk, list);
  if (!err)
    err = tp->err;
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    bus_errstr(errstr, errstr_size, pause ? "kafka pause" : "kafka resume", err);
    return bs_bus_status(bs_bus_classify(err));
  }
  return BS_OK;
}

bs_status bs_consumer_pause(bs_consumer *c, const rd_kafka_message_t *msg, char *errstr,
                            size_t errstr_size) {
  return pause_resume(c, msg, 1, errstr, errstr_size);
}

bs_status bs_consumer_resume(bs_consumer *c, const rd_kafka_message_t *msg, char *errstr,
                             size_t errstr_size) {
  return pause_resume(c, msg, 0, errstr, errstr_size);
}

int bs_consumer_assigned(bs_consumer *c) {
  return c->assigned;
}
int bs_consumer_rebalances(bs_consumer *c) {
  return c->rebalances;
}
rd_kafka_t *bs_consumer_handle(bs_consumer *c) {
  return c->rk;
}

int bs_consumer_fatal(bs_consumer *c, char *errstr, size_t errstr_size) {
  if (!c->fatal.fatal)
    return 0;
  snprintf(errstr, errstr_size, "%s", c->fatal.reason);
  return 1;
}

/* Serves the queue (rebalance callbacks included) until cond holds or the
 * time is up; messages that arrive meanwhile are dropped unprocessed (not
 * stored, so they will be re-delivered). */
static int poll_until(bs_consumer *c, int (*cond)(bs_consumer *), int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  while (!cond(c)) {
    if (now_ms() >= deadline)
      return -1;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
    if (m)
      rd_kafka_message_destroy(m);
  }
  return 0;
}

static int first_rebalance_done(bs_consumer *c) {
  return c->rebalances > 0;
}
static int assignment_empty(bs_consumer *c) {
  return count_assignment(c->rk) == 0;
}

/* Handles given up on by bs_consumer_destroy. 2.0.2 asserts in the sticky
 * assignor (rd_kafka_sticky_assignor_state_destroy: `assignor_state`) when
 * a consumer that joined its group but never completed a first assignment
 * is destroyed, with or without close: such a handle is left running until
 * the process exits instead of aborting it. Kept here, not just dropped, so
 * that it stays reachable (no leak report) and is counted. */
enum { ABANDONED_MAX = 16 };
static rd_kafka_t *abandoned[ABANDONED_MAX];
static int abandoned_count;

static void abandon(rd_kafka_t *rk) {
  if (abandoned_count < ABANDONED_MAX)
    abandoned[abandoned_count++] = rk;
  bs_warn("kafka consumer: no group assignment came; the consumer is left to the "
          "process's exit (librdkafka 2.0.2 cannot destroy it before one)");
}

void bs_consumer_destroy(bs_consumer *c) {
  if (!c)
    return;
  if (c->rk) {
    int close_ok = 1;
    if (c->subscribed && !c->fatal.fatal) {
      /* 2.0.2: closing a cooperative consumer before its first assignment
       * can crash (#4312); an incremental assignment arriving during close
       * can hang (#4527). Wait for the first rebalance, unsubscribe, wait
       * for the revoke to empty the assignment, then close. */
      if (poll_until(c, first_rebalance_done, 15000) != 0) {
        close_ok = 0;
      } else {
        rd_kafka_unsubscribe(c->rk);
        if (poll_until(c, assignment_empty, 15000) != 0)
          bs_warn("kafka consumer: assignment not empty after unsubscribe");
      }
    }
    if (close_ok) {
      rd_kafka_resp_err_t err = rd_kafka_consumer_close(c->rk);
      if (err)
        bs_warn("kafka consumer close: %s", rd_kafka_err2str(err));
      rd_kafka_destroy(c->rk);
    } else {
      abandon(c->rk);
    }
  }
  free(c);
}
