/*
 * replay.c - consumer-group offset resets and time-window re-publishing
 * (see bs/replay.h), over librdkafka's Admin and consumer APIs.
 */
#include "bs/replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/lag.h"
#include "bs/log.h"

#define ADMIN_TIMEOUT_MS 15000

/* Partitions of topic (from metadata), as a new list; NULL on error. */
static rd_kafka_topic_partition_list_t *topic_partitions(rd_kafka_t *rk, const char *topic,
                                                         char *errstr, size_t errstr_size,
                                                         bs_status *st) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, ADMIN_TIMEOUT_MS);
  rd_kafka_topic_destroy(rkt);
  if (err || md->topic_cnt != 1 || md->topics[0].err) {
    rd_kafka_resp_err_t e = err ? err : md->topic_cnt == 1 ? md->topics[0].err : err;
    snprintf(errstr, errstr_size, "topic %s: %s", topic, e ? rd_kafka_err2str(e) : "not found");
    *st = e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ? BS_ERR_PERMANENT : BS_ERR_RETRIABLE;
    if (md)
      rd_kafka_metadata_destroy(md);
    return NULL;
  }
  rd_kafka_topic_partition_list_t *list =
      rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
  for (int i = 0; i < md->topics[0].partition_cnt; i++)
    rd_kafka_topic_partition_list_add(list, topic, md->topics[0].partitions[i].id);
  rd_kafka_metadata_destroy(md);
  return list;
}

static bs_status make_consumer(const bs_bus_options *opt, const char *group, rd_kafka_t **out,
                               char *errstr, size_t errstr_size) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char err[512];
  const char *pairs[][2] = {{"bootstrap.servers", opt->bootstrap},
                            {"group.id", group},
                            {"enable.auto.commit", "false"},
                            {"client.id", "bmdstream-replay"}};
  for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
    rd_kafka_conf_set(conf, pairs[i][0], pairs[i][1], err, sizeof(err));
  for (size_t i = 0; i < opt->nproperties; i++)
    if (rd_kafka_conf_set(conf, opt->properties[i].key, opt->properties[i].value, err,
                          sizeof(err)) != RD_KAFKA_CONF_OK) {
      snprintf(errstr, errstr_size, "kafka.%s: %s", opt->properties[i].key, err);
      rd_kafka_conf_destroy(conf);
      return BS_ERR_PERMANENT;
    }
  *out = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!*out) {
    snprintf(errstr, errstr_size, "kafka client: %s", err);
    return BS_ERR_PERMANENT;
  }
  return BS_OK;
}

bs_status bs_replay_reset_group(const bs_bus_options *opt, const char *group, const char *topic,
                                const bs_reset_target *target, int force, int dry_run,
                                bs_reset_row **rows, size_t *nrows, char *errstr,
                                size_t errstr_size) {
  *rows = NULL;
  *nrows = 0;
  /* 1. The group must be idle: a live member would overwrite the reset. */
  bs_lag_report report;
  bs_status st = bs_lag_collect(opt, group, ADMIN_TIMEOUT_MS, &report, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  int members = report.ngroups ? report.groups[0].members : 0;
  if (members > 0 && !force) {
    snprintf(errstr, errstr_size,
             "group %s has %d active member(s); stop its consumers first (or pass --force)", group,
             members);
    bs_lag_report_free(&report);
    return BS_ERR_PERMANENT;
  }
  rd_kafka_t *rk = NULL;
  st = make_consumer(opt, group, &rk, errstr, errstr_size);
  if (st != BS_OK) {
    bs_lag_report_free(&report);
    return st;
  }
  rd_kafka_topic_partition_list_t *parts = topic_partitions(rk, topic, errstr, errstr_size, &st);
  if (!parts)
    goto done;
  *rows = calloc((size_t)parts->cnt ? (size_t)parts->cnt : 1, sizeof(**rows));
  if (!*rows) {
    st = BS_ERR_RETRIABLE;
    snprintf(errstr, errstr_size, "out of memory");
    goto done;
  }
  /* 2. Targets per partition. */
  if (target->kind == BS_RESET_TIME) {
    for (int i = 0; i < parts->cnt; i++)
      parts->elems[i].offset = target->time_ms;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, parts, ADMIN_TIMEOUT_MS);
    if (err) {
      snprintf(errstr, errstr_size, "offsets for time: %s", rd_kafka_err2str(err));
      st = BS_ERR_RETRIABLE;
      goto done;
    }
  }
  for (int i = 0; i < parts->cnt; i++) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic, parts->elems[i].partition,
                                                               &lo, &hi, ADMIN_TIMEOUT_MS);
    if (err) {
      snprintf(errstr, errstr_size, "watermarks of %s [%" PRId32 "]: %s", topic,
               parts->elems[i].partition, rd_kafka_err2str(err));
      st = BS_ERR_RETRIABLE;
      goto done;
    }
    int64_t t;
    if (target->kind == BS_RESET_EARLIEST)
      t = lo;
    else if (target->kind == BS_RESET_OFFSET)
      t = target->offset < lo ? lo : target->offset > hi ? hi : target->offset;
    else /* a time after the last message: the end */
      t = parts->elems[i].offset < 0 ? hi : parts->elems[i].offset;
    parts->elems[i].offset = t;
    bs_reset_row *row = &(*rows)[(*nrows)++];
    row->partition = parts->elems[i].partition;
    row->target = t;
    row->current = -1;
    for (size_t g = 0; g < report.ngroups; g++)
      for (size_t p = 0; p < report.groups[g].npartitions; p++)
        if (!strcmp(report.groups[g].partitions[p].topic, topic) &&
            report.groups[g].partitions[p].partition == row->partition)
          row->current = report.groups[g].partitions[p].committed;
  }
  /* 3. Commit the new offsets as the group (no subscription: a simple
   * commit, accepted by the broker for an empty group). */
  if (!dry_run) {
    rd_kafka_resp_err_t err = rd_kafka_commit(rk, parts, 0);
    for (int i = 0; !err && i < parts->cnt; i++)
      err = parts->elems[i].err;
    if (err) {
      snprintf(errstr, errstr_size, "committing the new offsets of group %s: %s", group,
               rd_kafka_err2str(err));
      st = bs_bus_status(bs_bus_classify(err));
      if (err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
          err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
        st = BS_ERR_PERMANENT;
    }
  }
done:
  if (parts)
    rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_destroy(rk);
  bs_lag_report_free(&report);
  if (st != BS_OK) {
    free(*rows);
    *rows = NULL;
    *nrows = 0;
  }
  return st;
}

bs_status bs_replay_window(const bs_bus_options *opt, const char *topic, int64_t from_ms,
                           int64_t to_ms, const char *to_topic, int dry_run, size_t *count,
                           char *errstr, size_t errstr_size) {
  *count = 0;
  rd_kafka_t *rk = NULL;
  bs_producer *prod = NULL;
  bs_status st = make_consumer(opt, "bmdstream-replay-window", &rk, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  rd_kafka_topic_partition_list_t *parts = topic_partitions(rk, topic, errstr, errstr_size, &st);
  if (!parts)
    goto done;
  if (!dry_run && (st = bs_producer_new(opt, &prod, errstr, errstr_size)) != BS_OK)
    goto done;
  /* Where the window starts, and where each partition ends now. */
  int64_t *end = calloc((size_t)parts->cnt, sizeof(*end));
  for (int i = 0; i < parts->cnt; i++)
    parts->elems[i].offset = from_ms;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, parts, ADMIN_TIMEOUT_MS);
  for (int i = 0; !err && end && i < parts->cnt; i++) {
    int64_t lo = 0, hi = 0;
    err = rd_kafka_query_watermark_offsets(rk, topic, parts->elems[i].partition, &lo, &hi,
                                           ADMIN_TIMEOUT_MS);
    end[i] = hi;
    if (parts->elems[i].offset < 0)
      parts->elems[i].offset = hi; /* nothing at or after from_ms */
  }
  if (err || !end) {
    snprintf(errstr, errstr_size, "locating the window: %s",
             err ? rd_kafka_err2str(err) : "out of memory");
    st = BS_ERR_RETRIABLE;
    free(end);
    goto done;
  }
  rd_kafka_assign(rk, parts);
  const char *dest = to_topic ? to_topic : topic;
  int remaining = 0;
  for (int i = 0; i < parts->cnt; i++)
    remaining += parts->elems[i].offset < end[i];
  while (remaining > 0 && st == BS_OK) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 10000);
    if (!m) {
      snprintf(errstr, errstr_size, "reading %s: no message within 10 s", topic);
      st = BS_ERR_RETRIABLE;
      break;
    }
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        snprintf(errstr, errstr_size, "reading %s: %s", topic, rd_kafka_message_errstr(m));
        st = BS_ERR_RETRIABLE;
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    int idx = -1;
    for (int i = 0; i < parts->cnt; i++)
      if (parts->elems[i].partition == m->partition)
        idx = i;
    if (idx < 0 || m->offset >= end[idx]) {
      rd_kafka_message_destroy(m);
      continue;
    }
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    if (ts >= from_ms && ts < to_ms) {
      (*count)++;
      if (!dry_run) {
        /* Original headers first, then where the copy came from. */
        bs_bus_header hdrs[64];
        size_t nh = 0;
        rd_kafka_headers_t *orig = NULL;
        if (rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char *name;
          const void *val;
          size_t size;
          for (size_t h = 0; nh < 60 && !rd_kafka_header_get_all(orig, h, &name, &val, &size); h++)
            hdrs[nh++] = (bs_bus_header){name, val, size};
        }
        char part[16], off[32];
        snprintf(part, sizeof(part), "%" PRId32, m->partition);
        snprintf(off, sizeof(off), "%" PRId64, m->offset);
        hdrs[nh++] = (bs_bus_header){"replay.topic", topic, strlen(topic)};
        hdrs[nh++] = (bs_bus_header){"replay.partition", part, strlen(part)};
        hdrs[nh++] = (bs_bus_header){"replay.offset", off, strlen(off)};
        st = bs_producer_send(prod, dest, m->key, m->key_len, m->payload, m->len, hdrs, nh, 30000,
                              errstr, errstr_size);
      }
    }
    if (m->offset + 1 >= end[idx])
      remaining--;
    rd_kafka_message_destroy(m);
  }
  free(end);
done:
  if (parts)
    rd_kafka_topic_partition_list_destroy(parts);
  bs_producer_destroy(prod);
  if (rk) {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
  return st;
}
