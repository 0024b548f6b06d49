/*
 * stage_report.c - what a stage tells the outside world: job events,
 * dead letters (topic + table), metrics and health checks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/log.h"
#include "stage_internal.h"

/* Copies the common ids of `data` (borrowed) into a new object. */
static json_t *common_ids(const json_t *data) {
  json_t *out = json_object();
  static const char *keys[] = {
      "job_id",        "user_id",           "project_id", "experiment_id", "prefilter_result_id",
      "bmd_result_id", "category_result_id"};
  for (size_t i = 0; out && i < sizeof(keys) / sizeof(keys[0]); i++) {
    json_t *v = json_object_get(data, keys[i]);
    if (v)
      json_object_set(out, keys[i], v);
  }
  return out;
}

void bs_stage_report_job(bs_stage *s, const json_t *data, const char *status, double progress,
                         const char *message, const char *error_class, const char *error_message,
                         const rd_kafka_message_t *origin, int64_t result_id) {
  if (!s->def->report_jobs || !data || !json_is_string(json_object_get(data, "job_id")))
    return;
  json_t *ev_data = common_ids(data);
  if (!ev_data)
    return;
  json_object_set_new(ev_data, "status", json_string(status));
  json_object_set_new(ev_data, "stage", json_string(s->def->name));
  json_object_set_new(ev_data, "progress",
                      json_real(progress < 0   ? 0
                                : progress > 1 ? 1
                                               : progress));
  json_object_set_new(ev_data, "message", json_stringn(message, strnlen(message, 4000)));
  if (result_id > 0)
    json_object_set_new(ev_data, "result_id", json_integer((json_int_t)result_id));
  if (error_class) {
    json_t *err = json_object();
    json_object_set_new(err, "class", json_string(error_class));
    json_object_set_new(
        err, "message",
        json_stringn(error_message && *error_message ? error_message : "failed",
                     strnlen(error_message && *error_message ? error_message : "failed", 4000)));
    if (origin) {
      const char *topic = rd_kafka_topic_name(origin->rkt);
      json_object_set_new(err, "topic", json_string(topic + strlen(s->prefix)));
      json_object_set_new(err, "partition", json_integer(origin->partition));
      json_object_set_new(err, "offset", json_integer(origin->offset));
    }
    json_object_set_new(ev_data, "error", err);
  } else {
    json_object_set_new(ev_data, "error", json_null());
  }
  json_t *event = NULL;
  char errstr[512], topic[256], key[32];
  if (bs_envelope_new(BS_TOPIC_JOB_EVENTS, s->source, NULL, NULL, ev_data, &event, errstr,
                      sizeof(errstr)) != BS_OK) {
    bs_warn("job event not sent: %s", errstr);
    return;
  }
  char *text = bs_envelope_dumps(event);
  json_decref(event);
  if (!text)
    return;
  bs_topic_full_name(s->prefix, BS_TOPIC_JOB_EVENTS, topic, sizeof(topic));
  json_t *eid = json_object_get(data, "experiment_id");
  snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, json_integer_value(eid));
  if (bs_producer_send(s->producer, topic, key, strlen(key), text, strlen(text), NULL, 0, 30000,
                       errstr, sizeof(errstr)) != BS_OK)
    bs_warn("job event not delivered: %s", errstr);
  free(text);
}

bs_status bs_stage_dead_letter(bs_stage *s, const rd_kafka_message_t *msg, bs_status cls,
                               const char *error_class, const char *error_message) {
  char topic[256], errstr[512];
  bs_topic_full_name(s->prefix, BS_TOPIC_DEAD_LETTER, topic, sizeof(topic));
  bs_status st = bs_producer_dead_letter(s->producer, topic, msg, s->def->name, cls, error_message,
                                         30000, errstr, sizeof(errstr));
  if (st != BS_OK) {
    bs_err("dead-letter failed: %s", errstr);
    return st;
  }
  /* The job: parse leniently, since the envelope itself may be the problem. */
  json_t *root = json_loadb(msg->payload, msg->len, 0, NULL);
  json_t *data = root ? json_object_get(root, "data") : NULL;
  const char *job_id = data ? json_string_value(json_object_get(data, "job_id")) : NULL;
  if (data && json_is_object(data) && !s->unproven)
    bs_stage_report_job(s, data, "FAILED", 0, "failed", error_class, error_message, msg, 0);

  /* And the table, for operators (best effort: the topic has it too). */
  char *key = msg->key ? strndup(msg->key, msg->key_len) : NULL;
  const bs_db_param params[] = {BS_DB_TEXT(rd_kafka_topic_name(msg->rkt)),
                                BS_DB_INT64(msg->partition),
                                BS_DB_INT64(msg->offset),
                                BS_DB_TEXT(s->def->name),
                                BS_DB_TEXT(job_id),
                                BS_DB_TEXT(error_class),
                                BS_DB_TEXT(error_message),
                                BS_DB_TEXT(key)};
  if (bs_db_query(s->db,
                  "INSERT INTO dead_letters (source_topic, source_partition, source_offset, stage, "
                  "job_id, error_class, error_message, message_key) VALUES ($1, $2::int, "
                  "$3::bigint, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                  8, params, NULL, errstr, sizeof(errstr)) != BS_OK)
    bs_warn("dead_letters row not written: %s", errstr);
  free(key);
  json_decref(root);
  return BS_OK;
}

void bs_stage_metrics_declare(bs_stage *s) {
  static const struct {
    const char *name;
    bs_metric_type type;
    const char *help;
  } families[] = {
      {"bmdstream_messages_processed_total", BS_METRIC_COUNTER,
       "Messages processed to the end, per input topic"},
      {"bmdstream_messages_failed_total", BS_METRIC_COUNTER,
       "Failed attempts, per input topic and error class"},
      {"bmdstream_processing_seconds", BS_METRIC_HISTOGRAM,
       "Time to process one message (one attempt)"},
      {"bmdstream_jobs_in_flight", BS_METRIC_GAUGE, "Jobs this instance is working on"},
      {"bmdstream_partitions_paused", BS_METRIC_GAUGE,
       "Assigned partitions paused while a message waits to be retried"},
      {"bmdstream_consumer_lag", BS_METRIC_GAUGE,
       "Messages behind the log end, per assigned partition, as this client sees it"},
      {"bmdstream_last_error_info", BS_METRIC_GAUGE,
       "The last error (label) and when it happened (value, Unix time)"},
  };
  for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
    bs_metrics_declare(s->metrics, families[i].name, families[i].type, families[i].help);
  bs_metrics_set(s->metrics, "bmdstream_jobs_in_flight", NULL, NULL, NULL, NULL, 0);
  bs_metrics_set(s->metrics, "bmdstream_partitions_paused", NULL, NULL, NULL, NULL, 0);
}

/* Health: the database answers a ping (PQping needs no thread-unsafe
 * shared connection); the broker answers a metadata request. */
static int database_health(void *opaque, char *detail, size_t size) {
  bs_stage *s = opaque;
  PGPing ping = PQping(bs_config_get(s->cfg, "database_url"));
  if (ping == PQPING_OK)
    return 0;
  snprintf(detail, size, "%s", ping == PQPING_REJECT ? "rejecting connections" : "unreachable");
  return -1;
}

static int broker_health(void *opaque, char *detail, size_t size) {
  bs_stage *s = opaque;
  if (!s->producer) {
    snprintf(detail, size, "not connected");
    return -1;
  }
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t err = rd_kafka_metadata(bs_producer_handle(s->producer), 0, NULL, &md, 3000);
  if (err) {
    snprintf(detail, size, "%s", rd_kafka_err2str(err));
    return -1;
  }
  rd_kafka_metadata_destroy(md);
  return 0;
}

/* The object store answers when listing the bucket under a probe prefix
 * succeeds (a wrong key gives 403, a missing bucket 404 NoSuchBucket, a dead
 * endpoint no answer; a HEAD could not tell a missing bucket from a missing
 * key). The check runs on the HTTP server's thread, so it uses a store
 * handle of its own rather than the stage's. */
static int stop_listing(void *opaque, const char *key, uint64_t size) {
  (void)opaque;
  (void)key;
  (void)size;
  return 1;
}

static int objstore_health(void *opaque, char *detail, size_t size) {
  bs_stage *s = opaque;
  bs_objstore_options so = bs_objstore_options_from_config(s->cfg);
  bs_objstore *store = NULL;
  char errstr[512];
  bs_status st = bs_objstore_new(&so, &store, errstr, sizeof(errstr));
  if (st == BS_OK)
    st = bs_objstore_list(store, "health/", stop_listing, NULL, errstr, sizeof(errstr));
  bs_objstore_destroy(store);
  if (st == BS_OK)
    return 0;
  snprintf(detail, size, "%s", errstr);
  return -1;
}

void bs_stage_health_register(bs_stage *s) {
  bs_metrics_health(s->metrics, "broker", broker_health, s);
  bs_metrics_health(s->metrics, "database", database_health, s);
  if (s->def->uses_objstore)
    bs_metrics_health(s->metrics, "object_store", objstore_health, s);
}

/* Consumer lag as this client sees it, per assigned partition:
 *   lag = high watermark - position,
 * where position is the offset after the last message handed to the stage
 * (rd_kafka_position) and the high watermark is the log end last reported
 * by the broker in a fetch response (rd_kafka_get_watermark_offsets: cached,
 * no request). A partition the stage has not consumed from since it was
 * assigned has no position and is left out until it has. */
void bs_stage_lag_update(bs_stage *s) {
  rd_kafka_t *rk = bs_consumer_handle(s->consumer);
  rd_kafka_topic_partition_list_t *parts = NULL;
  if (!s->metrics || rd_kafka_assignment(rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts)
    return;
  if (parts->cnt > 0 && rd_kafka_position(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < parts->cnt; i++) {
      rd_kafka_topic_partition_t *tp = &parts->elems[i];
      int64_t lo = -1, hi = -1, pos = tp->offset;
      if (rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          hi < 0)
        continue;
      if (pos < 0)
        continue;
      char part[16];
      snprintf(part, sizeof(part), "%" PRId32, tp->partition);
      bs_metrics_set(s->metrics, "bmdstream_consumer_lag", "topic", tp->topic, "partition", part,
                     (double)(hi > pos ? hi - pos : 0));
    }
  }
  rd_kafka_topic_partition_list_destroy(parts);
}
