/*
 * stage.c - the consumer loop of every pipeline stage (see bs/stage.h).
 */
#include "bs/stage.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bs/accounts.h"
#include "bs/instance.h"
#include "bs/job_results.h"
#include "bs/jobs.h"
#include "bs/log.h"
#include "bs/signature.h"
#include "bs/stages.h"
#include "stage_internal.h"

volatile sig_atomic_t bs_stage_stop_requested = 0;

const bs_config_param bs_stage_params[] = {
    {"metrics_port", BS_CFG_INT, "-1", "serve /metrics and /health on 127.0.0.1:PORT (-1: off)", 0},
    {"group_id", BS_CFG_STRING, NULL, "consumer group (default bmdstream-<stage>)", 0},
    {"retry_max_seconds", BS_CFG_INT, "30", "longest backoff between retries of a message", 0},
    {"instance", BS_CFG_STRING, "auto",
     "this instance's number in its group on this host: auto (the lowest free), 0-9999, or "
     "none (no static membership); see bs/instance.h",
     0},
    {"lock_dir", BS_CFG_STRING, "/tmp", "directory of the lock files that hold instance numbers",
     0},
};
const size_t bs_stage_params_count = sizeof(bs_stage_params) / sizeof(bs_stage_params[0]);

static void on_signal(int sig) {
  if (bs_stage_stop_requested)
    _exit(128 + sig); /* a second signal: exit now */
  bs_stage_stop_requested = 1;
}

long long bs_stage_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bs_db *bs_stage_db(bs_stage *stage) {
  return stage->db;
}

bs_metrics *bs_stage_metrics(bs_stage *stage) {
  return stage->metrics;
}

bs_objstore *bs_stage_objstore(bs_stage *stage) {
  return stage->store;
}

const bs_config *bs_stage_config(bs_stage *stage) {
  return stage->cfg;
}

int bs_stage_stopping(const bs_stage *stage) {
  (void)stage;
  return bs_stage_stop_requested != 0;
}

void bs_stage_progress(bs_stage *stage, const bs_envelope *in, double fraction,
                       const char *message) {
  long long now = bs_stage_now_ms();
  if (!stage->def->report_jobs || now - stage->last_progress_ms < 1000)
    return;
  stage->last_progress_ms = now;
  double f = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
  double p = stage->progress_from + (stage->progress_to - stage->progress_from) * f;
  bs_stage_report_job(stage, in->data, "RUNNING", p, message, NULL, NULL, NULL, 0);
  /* A long message blocks the loop: keep the client's lag current (the
   * librdkafka calls and the metrics are thread-safe). */
  bs_stage_lag_update(stage);
}

/* The class a failure is counted and dead-lettered as: "retriable",
 * "forbidden" (a refusal on authority, bs/error.h) or "permanent". */
static const char *error_class_of(bs_status st, const char *errstr) {
  if (st == BS_ERR_RETRIABLE)
    return "retriable";
  return bs_err_is_forbidden(errstr) ? "forbidden" : "permanent";
}

/* Sends data (stolen) as an event of topic t for `in`, keyed by its
 * experiment, to partition (-1: the key's), and waits for its delivery;
 * batched (a partition given): only produces it, in the producer's batch
 * (bs_producer_wait_batch). */
static bs_status send_event(bs_stage *s, const bs_envelope *in, bs_topic t, const char *event_key,
                            int32_t partition, int batched, json_t *data, char *errstr,
                            size_t errstr_size) {
  char id[37], topic[256], key[32];
  bs_event_id(t, event_key, id);
  json_t *event = NULL;
  bs_status st = bs_envelope_new(t, s->source, id, NULL, data, &event, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  char *text = bs_envelope_dumps(event);
  json_decref(event);
  if (!text) {
    snprintf(errstr, errstr_size, "out of memory encoding the next event");
    return BS_ERR_RETRIABLE;
  }
  bs_topic_full_name(s->prefix, t, topic, sizeof(topic));
  snprintf(key, sizeof(key), "%" PRId64, in->experiment_id);
  if (partition >= 0 && batched)
    st = bs_producer_send_batched(s->producer, topic, partition, key, strlen(key), text,
                                  strlen(text), errstr, errstr_size);
  else if (partition < 0)
    st = bs_producer_send(s->producer, topic, key, strlen(key), text, strlen(text), NULL, 0, -1,
                          errstr, errstr_size);
  else /* no headers either */
    st = bs_producer_send_to(s->producer, topic, partition, key, strlen(key), text, strlen(text),
                             -1, errstr, errstr_size);
  free(text);
  return st;
}

/* Sends the next event for `in` and waits for its delivery. */
static bs_status emit_next(bs_stage *s, const bs_envelope *in, bs_stage_output *out, char *errstr,
                           size_t errstr_size) {
  if (s->def->output < 0 || !out->data)
    return BS_OK;
  json_t *data = out->data;
  out->data = NULL; /* stolen by send_event */
  return send_event(s, in, (bs_topic)s->def->output, out->event_key, -1, 0, data, errstr,
                    errstr_size);
}

bs_status bs_stage_work_partitions(bs_stage *stage, int *n, char *errstr, size_t errstr_size) {
  *n = 0;
  if (!stage->info || stage->info->work < 0) {
    snprintf(errstr, errstr_size, "stage %s has no work topic", stage->def->name);
    return BS_ERR_PERMANENT;
  }
  if (stage->work_partitions <= 0) {
    char topic[256];
    bs_topic_full_name(stage->prefix, (bs_topic)stage->info->work, topic, sizeof(topic));
    rd_kafka_t *rk = bs_producer_handle(stage->producer);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err =
        rkt ? rd_kafka_metadata(rk, 0, rkt, &md, 10000) : RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && !md->topics[0].err)
      stage->work_partitions = md->topics[0].partition_cnt;
    else if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1)
      err = md->topics[0].err;
    if (md)
      rd_kafka_metadata_destroy(md);
    if (rkt)
      rd_kafka_topic_destroy(rkt);
    if (stage->work_partitions <= 0) {
      snprintf(errstr, errstr_size, "work topic %s: no partitions known (%s)", topic,
               rd_kafka_err2str(err));
      return BS_ERR_RETRIABLE;
    }
  }
  *n = stage->work_partitions;
  return BS_OK;
}

bs_status bs_stage_publish_work(bs_stage *stage, const bs_envelope *in, const char *event_key,
                                size_t index, json_t *data, char *errstr, size_t errstr_size) {
  int n = 0;
  bs_status st = bs_stage_work_partitions(stage, &n, errstr, errstr_size);
  if (st != BS_OK) {
    json_decref(data);
    return st;
  }
  return send_event(stage, in, (bs_topic)stage->info->work, event_key, (int32_t)(index % (size_t)n),
                    1, data, errstr, errstr_size);
}

bs_status bs_stage_publish_work_wait(bs_stage *stage, char *errstr, size_t errstr_size) {
  return bs_producer_wait_batch(stage->producer, -1, errstr, errstr_size);
}

/* The job's message once the handler is done: its own, else the stage
 * table's for the next event's data, else the stage's name. */
static void done_message(const bs_stage *s, const bs_stage_output *out, char *buf, size_t size) {
  if (out->message[0])
    snprintf(buf, size, "%s", out->message);
  else if (s->info && out->data)
    bs_stage_info_done_message(s->info, out->data, buf, size);
  else
    snprintf(buf, size, "%s", s->def->name);
}

bs_status bs_stage_check_job(bs_stage *stage, const bs_envelope *in, int may_create, char *errstr,
                             size_t errstr_size) {
  bs_db *db = stage->db;
  bs_status st =
      bs_job_check_owner(db, in->job_id, in->user_id, in->project_id, errstr, errstr_size);
  if (st != BS_ERR_NOT_FOUND)
    return st;
  if (!may_create) {
    snprintf(errstr, errstr_size, BS_FORBIDDEN_PREFIX "data.job_id %.40s: no such job", in->job_id);
    return BS_ERR_PERMANENT;
  }
  st = bs_project_authorize(db, in->user_id, in->project_id, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    st = BS_ERR_PERMANENT;
  if (st != BS_OK)
    return st;
  char *params = json_dumps(json_object_get(in->data, "parameters"), JSON_COMPACT);
  st = bs_job_create(db, in->job_id, in->user_id, in->project_id, "analysis", params, errstr,
                     errstr_size);
  free(params);
  if (st == BS_OK) /* a concurrent creator may have made it another's */
    st = bs_job_check_owner(db, in->job_id, in->user_id, in->project_id, errstr, errstr_size);
  return st;
}

/* Records the result whose exports the stage wrote (the stage table's
 * export_key in its output) as the job's, before the output event is out:
 * so a job is COMPLETED only once every stage's result is recorded. */
static bs_status record_export(bs_stage *s, const bs_envelope *in, const bs_stage_output *out,
                               char *errstr, size_t errstr_size) {
  if (!s->info || !s->info->export_key || !out->data || !in->job_id || !in->job_id[0])
    return BS_OK;
  int64_t id = (int64_t)json_integer_value(json_object_get(out->data, s->info->export_key));
  char prefix[128];
  if (id <= 0 || bs_stage_export_prefix(s->info, in->project_id, id, prefix, sizeof(prefix)) != 0)
    return BS_OK;
  return bs_job_results_add(s->db, in->job_id, s->info->name, id, prefix, errstr, errstr_size);
}

/* Decodes, authorizes and handles one message. */
static bs_status process(bs_stage *s, const rd_kafka_message_t *msg, const char **error_class,
                         char *errstr, size_t errstr_size) {
  bs_envelope env;
  const char *topic = rd_kafka_topic_name(msg->rkt);
  const char *base = topic + strlen(s->prefix);
  *error_class = "permanent";
  bs_status st = bs_envelope_decode(msg->payload, msg->len, bs_topic_from_name(base), &env, errstr,
                                    errstr_size);
  s->unproven = 0;
  if (st != BS_OK)
    return st;
  /* An experiment-imported event is a user's word: it must carry a valid
   * signature of one of that user's keys (docs/security.md). Later events
   * are the pipeline's own. */
  if (env.topic == BS_TOPIC_EXPERIMENT_IMPORTED) {
    st = bs_signature_check_event(s->db, &env, errstr, errstr_size);
    s->unproven = st != BS_OK;
  }
  if (st == BS_OK && s->def->authorize)
    st = bs_project_authorize(s->db, env.user_id, env.project_id, errstr, errstr_size);
  if (st == BS_OK && s->def->report_jobs) /* the first stage may create the job */
    st =
        bs_stage_check_job(s, &env, s->ninputs == 1 && s->inputs[0] == BS_TOPIC_EXPERIMENT_IMPORTED,
                           errstr, errstr_size);
  if (st != BS_OK) {
    *error_class = error_class_of(st, errstr);
    bs_envelope_clear(&env);
    return st;
  }
  /* A work item is part of a run that has started already. */
  int work_item = s->info && s->info->work >= 0 && (int)env.topic == s->info->work;
  if (s->def->report_jobs && !work_item)
    bs_stage_report_job(s, env.data, "RUNNING", s->progress_from,
                        s->info ? s->info->started : s->def->name, NULL, NULL, NULL, 0);
  bs_stage_output out;
  memset(&out, 0, sizeof(out));
  s->jobs_in_flight++;
  if (s->metrics)
    bs_metrics_set(s->metrics, "bmdstream_jobs_in_flight", NULL, NULL, NULL, NULL,
                   s->jobs_in_flight);
  st = s->def->handle(s->def->opaque, s, &env, &out, errstr, errstr_size);
  char message[sizeof(out.message)] = "";
  int64_t result_id = 0;
  if (st == BS_OK) {
    done_message(s, &out, message, sizeof(message)); /* before emit_next takes out.data */
    /* the job's result, told again in the COMPLETED job event: the tracker
     * reads that event and this stage's output from two topics, in either
     * order, and a completed job takes no later update */
    if (s->info && s->info->result_key)
      result_id = (int64_t)json_integer_value(json_object_get(out.data, s->info->result_key));
    st = record_export(s, &env, &out, errstr, errstr_size);
  }
  if (st == BS_OK) {
    st = emit_next(s, &env, &out, errstr, errstr_size);
  }
  if (st == BS_OK && s->def->report_jobs && out.partial) {
    double f = out.fraction < 0 ? 0 : out.fraction > 1 ? 1 : out.fraction;
    bs_stage_report_job(s, env.data, "RUNNING",
                        s->progress_from + (s->progress_to - s->progress_from) * f, message, NULL,
                        NULL, NULL, 0);
  } else if (st == BS_OK && s->def->report_jobs) {
    const char *status = out.job_completed ? "COMPLETED" : s->info ? s->info->status : "RUNNING";
    int completed = strcmp(status, "COMPLETED") == 0;
    bs_stage_report_job(s, env.data, status, completed ? 1.0 : s->progress_to, message, NULL, NULL,
                        NULL, completed ? result_id : 0);
  }
  s->jobs_in_flight--;
  if (s->metrics)
    bs_metrics_set(s->metrics, "bmdstream_jobs_in_flight", NULL, NULL, NULL, NULL,
                   s->jobs_in_flight);
  json_decref(out.data);
  bs_envelope_clear(&env);
  *error_class = error_class_of(st, errstr);
  return st;
}

/* Pauses or resumes every assigned partition; returns how many. The
 * gauge bmdstream_partitions_paused says how many wait for a retry. */
static int pause_all(bs_stage *s, int pause) {
  rd_kafka_t *rk = bs_consumer_handle(s->consumer);
  rd_kafka_topic_partition_list_t *parts = NULL;
  int n = 0;
  if (rd_kafka_assignment(rk, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts) {
    if (pause)
      rd_kafka_pause_partitions(rk, parts);
    else
      rd_kafka_resume_partitions(rk, parts);
    n = parts->cnt;
  }
  if (parts)
    rd_kafka_topic_partition_list_destroy(parts);
  if (s->metrics)
    bs_metrics_set(s->metrics, "bmdstream_partitions_paused", NULL, NULL, NULL, NULL,
                   pause ? n : 0);
  return n;
}

/* Sleeps ms while keeping the consumer's group membership alive. */
static void wait_polling(bs_stage *s, long long ms) {
  long long until = bs_stage_now_ms() + ms;
  while (!bs_stage_stop_requested && bs_stage_now_ms() < until) {
    rd_kafka_message_t *stray = NULL;
    char err[256];
    if (bs_consumer_poll(s->consumer, 200, &stray, err, sizeof(err)) == BS_OK && stray) {
      /* Partitions are paused; a stray message from a newly assigned
       * partition is simply not stored: it is fetched again later. */
      rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(one, rd_kafka_topic_name(stray->rkt), stray->partition)
          ->offset = stray->offset;
      rd_kafka_seek_partitions(bs_consumer_handle(s->consumer), one, 0);
      rd_kafka_topic_partition_list_destroy(one);
      rd_kafka_message_destroy(stray);
    }
    (void)pause_all(s, 1); /* partitions assigned meanwhile wait too */
  }
}

/* Handles one message to its end: done, dead-lettered, or (on shutdown)
 * left for re-delivery. */
static void handle_message(bs_stage *s, rd_kafka_message_t *msg) {
  const char *topic = rd_kafka_topic_name(msg->rkt);
  char errstr[2048];
  long long backoff = 1000, max_backoff = bs_config_get_int(s->cfg, "retry_max_seconds") * 1000;
  int paused = 0;
  bs_info("processing");
  for (;;) {
    long long t0 = bs_stage_now_ms();
    const char *error_class = "permanent";
    errstr[0] = '\0';
    bs_status st = process(s, msg, &error_class, errstr, sizeof(errstr));
    if (s->metrics)
      bs_metrics_observe(s->metrics, "bmdstream_processing_seconds", "topic", topic,
                         (double)(bs_stage_now_ms() - t0) / 1000.0);
    if (st == BS_OK) {
      if (s->metrics)
        bs_metrics_add(s->metrics, "bmdstream_messages_processed_total", "topic", topic, NULL, NULL,
                       1);
      break;
    }
    if (s->metrics) {
      bs_metrics_add(s->metrics, "bmdstream_messages_failed_total", "topic", topic, "class",
                     error_class, 1);
      bs_metrics_set(s->metrics, "bmdstream_last_error_info", "message", errstr, NULL, NULL,
                     (double)time(NULL));
    }
    if (st != BS_ERR_RETRIABLE) {
      bs_err("%s: %s", error_class, errstr);
      if (bs_stage_dead_letter(s, msg, st, error_class, errstr) != BS_OK) {
        /* The dead-letter topic is unreachable: retry like any transient
         * failure rather than lose the record. */
        st = BS_ERR_RETRIABLE;
      } else {
        break;
      }
    }
    if (bs_stage_stop_requested) {
      bs_notice("shutting down with a message in retry; it will be re-delivered");
      if (paused)
        (void)pause_all(s, 0);
      return;
    }
    bs_warn("transient failure, retrying in %lld s: %s", backoff / 1000, errstr);
    if (s->def->report_jobs && !s->unproven) {
      char msgtext[2300];
      snprintf(msgtext, sizeof(msgtext), "waiting to retry in %lld s: %s", backoff / 1000, errstr);
      bs_envelope env;
      char ignored[256];
      if (bs_envelope_decode(msg->payload, msg->len, BS_TOPIC_ANY, &env, ignored,
                             sizeof(ignored)) == BS_OK) {
        bs_stage_report_job(s, env.data, "RUNNING", s->progress_from, msgtext, NULL, NULL, NULL, 0);
        bs_envelope_clear(&env);
      }
    }
    if (!paused) {
      bs_notice("paused %d partition(s) until the message succeeds", pause_all(s, 1));
      paused = 1;
    }
    wait_polling(s, backoff);
    backoff = backoff * 2 > max_backoff ? max_backoff : backoff * 2;
  }
  if (paused)
    bs_notice("resumed %d partition(s)", pause_all(s, 0));
  bs_status st = bs_consumer_store(s->consumer, msg, errstr, sizeof(errstr));
  if (st != BS_OK)
    bs_warn("offset not stored: %s", errstr);
}

/* The topics the stage publishes to, known to its producer from the
 * start (bs_producer_warm): its output, its work items, job events. */
static void warm_producer(bs_stage *s) {
  char full[3][256];
  const char *names[3];
  size_t n = 0;
  if (s->info)
    bs_topic_full_name(s->prefix, s->info->output, full[n++], sizeof(full[0]));
  if (s->info && s->info->work >= 0)
    bs_topic_full_name(s->prefix, (bs_topic)s->info->work, full[n++], sizeof(full[0]));
  if (s->def->report_jobs)
    bs_topic_full_name(s->prefix, BS_TOPIC_JOB_EVENTS, full[n++], sizeof(full[0]));
  for (size_t i = 0; i < n; i++)
    names[i] = full[i];
  bs_producer_warm(s->producer, names, n);
}

static bs_status open_services(bs_stage *s, char *errstr, size_t errstr_size) {
  const bs_config *cfg = s->cfg;
  bs_status st = BS_OK;
  if (s->def->uses_objstore && !s->store) {
    bs_objstore_options so = bs_objstore_options_from_config(cfg);
    st = bs_objstore_new(&so, &s->store, errstr, errstr_size);
  }
  if (st != BS_OK)
    return st;
  st = bs_db_connect_from_config(cfg, s->client, &s->db, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  bs_bus_properties props;
  bs_bus_options opt;
  st = bs_bus_options_from_config(cfg, s->client, s->group, &props, &opt, errstr, errstr_size);
  opt.group_instance_id = bs_instance_id(s->instance);
  if (st == BS_OK)
    st = bs_producer_new(&opt, &s->producer, errstr, errstr_size);
  /* With a work topic, range assignment: each topic's partitions split
   * evenly over the instances, so each takes an equal share of the work
   * (cooperative-sticky balances the count over both topics together).
   * A kafka.* setting of the property, applied after, still wins. */
  bs_bus_property consumer_props[BS_BUS_MAX_PROPERTIES + 1];
  bs_bus_options copt = opt;
  if (st == BS_OK && s->info && s->info->work >= 0) {
    consumer_props[0] = (bs_bus_property){"partition.assignment.strategy", "range"};
    for (size_t i = 0; i < opt.nproperties; i++)
      consumer_props[i + 1] = opt.properties[i];
    copt.properties = consumer_props;
    copt.nproperties = opt.nproperties + 1;
  }
  if (st == BS_OK)
    st = bs_consumer_new(&copt, &s->consumer, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  warm_producer(s);
  const char *names[BS_TOPIC_COUNT];
  char full[BS_TOPIC_COUNT][256];
  for (size_t i = 0; i < s->ninputs; i++) {
    bs_topic_full_name(s->prefix, s->inputs[i], full[i], sizeof(full[i]));
    names[i] = full[i];
  }
  return bs_consumer_subscribe(s->consumer, names, s->ninputs, errstr, errstr_size);
}

static const char *topic_or_none(int topic) {
  const char *name = topic >= 0 ? bs_topic_name((bs_topic)topic) : NULL;
  return name ? name : "none";
}

/* The def's facts, completed from its row of the stage table (see
 * bs_stage_def); -1 with errstr filled when the two disagree. */
static int resolve_def(bs_stage *s, char *errstr, size_t errstr_size) {
  const bs_stage_def *def = s->def;
  const bs_stage_info *info = bs_stage_info_find(def->name);
  s->info = info;
  s->progress_from = def->progress_from;
  s->progress_to = def->progress_to;
  s->inputs = def->inputs;
  s->ninputs = def->ninputs;
  if (info && def->progress_from == 0 && def->progress_to == 0) {
    s->progress_from = info->progress_from;
    s->progress_to = info->progress_to;
  }
  if (info && def->ninputs == 0 && info->input >= 0) {
    s->input[0] = (bs_topic)info->input;
    s->ninputs = 1;
    if (info->work >= 0)
      s->input[s->ninputs++] = (bs_topic)info->work;
    s->inputs = s->input;
  }
  size_t row_inputs = info ? 1 + (info->work >= 0) : 0;
  if (info &&
      (s->progress_from != info->progress_from || s->progress_to != info->progress_to ||
       s->ninputs != row_inputs || (int)s->inputs[0] != info->input ||
       (row_inputs == 2 && (int)s->inputs[1] != info->work) || def->output != (int)info->output)) {
    bs_set_err(errstr, errstr_size,
               "stage %s: its definition (progress %g-%g, input %s, output %s) disagrees with the "
               "stage table, common/pipeline/stages.c (%g-%g, %s, %s)",
               def->name, s->progress_from, s->progress_to,
               s->ninputs ? topic_or_none((int)s->inputs[0]) : "none", topic_or_none(def->output),
               info->progress_from, info->progress_to, topic_or_none(info->input),
               topic_or_none((int)info->output));
    return -1;
  }
  if (s->ninputs == 0 || s->ninputs > BS_TOPIC_COUNT) {
    bs_set_err(errstr, errstr_size, "stage %s: %zu input topics", def->name, s->ninputs);
    return -1;
  }
  return 0;
}

int bs_stage_run(const bs_stage_def *def, const bs_config *cfg) {
  bs_stage s;
  memset(&s, 0, sizeof(s));
  s.def = def;
  s.cfg = cfg;
  const char *prefix = bs_config_get(cfg, "topic_prefix");
  snprintf(s.prefix, sizeof(s.prefix), "%s", prefix ? prefix : "");
  snprintf(s.source, sizeof(s.source), "/bmdstream/%s", def->name);
  char errstr[2048];
  int rc = 1;
  if (resolve_def(&s, errstr, sizeof(errstr)) != 0) {
    bs_err("cannot start: %s", errstr);
    return rc;
  }
  const char *g = bs_config_get(cfg, "group_id");
  if (g && *g)
    snprintf(s.group, sizeof(s.group), "%s", g);
  else /* one group per stage and deployment (topic prefix) */
    snprintf(s.group, sizeof(s.group), "%sbmdstream-%s", s.prefix, def->name);
  snprintf(s.client, sizeof(s.client), "bmdstream-%s", def->name);
  if (bs_instance_claim(bs_config_get(cfg, "instance"), s.client, s.group,
                        bs_config_get(cfg, "kafka_bootstrap"), bs_config_get(cfg, "lock_dir"),
                        &s.instance, errstr, sizeof(errstr)) != BS_OK) {
    bs_err("cannot start: %s", errstr);
    return rc;
  }
  if (bs_instance_id(s.instance))
    bs_notice("consumer group %s, static group member %s", s.group, bs_instance_id(s.instance));
  else
    bs_notice("consumer group %s, dynamic member (instance none)", s.group);

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  long port = bs_config_get_int(cfg, "metrics_port");
  s.metrics = bs_metrics_new();
  if (!s.metrics)
    goto done;
  bs_stage_metrics_declare(&s);
  bs_stage_health_register(&s);
  if (port >= 0) {
    int bound = 0;
    if (bs_metrics_serve(s.metrics, (int)port, &bound, errstr, sizeof(errstr)) != 0) {
      bs_err("%s", errstr);
      goto done;
    }
    bs_notice("metrics on http://127.0.0.1:%d/metrics", bound);
  }
  /* Services may be down at start: wait for them like any transient
   * failure, unless the settings themselves are wrong. */
  for (long long backoff = 1000;;) {
    bs_status st = open_services(&s, errstr, sizeof(errstr));
    if (st == BS_OK)
      break;
    if (st != BS_ERR_RETRIABLE || bs_stage_stop_requested) {
      bs_err("cannot start: %s", errstr);
      goto done;
    }
    bs_warn("waiting for services (%s); retrying in %lld s", errstr, backoff / 1000);
    bs_db_destroy(s.db);
    s.db = NULL;
    bs_consumer_destroy(s.consumer);
    s.consumer = NULL;
    bs_producer_destroy(s.producer);
    s.producer = NULL;
    struct timespec ts = {backoff / 1000, 0};
    nanosleep(&ts, NULL);
    backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
  }
  bs_notice("stage %s running", def->name);

  long long lag_at = 0;
  while (!bs_stage_stop_requested) {
    rd_kafka_message_t *msg = NULL;
    if (bs_stage_now_ms() >= lag_at) { /* the client's lag, every 2 s at most */
      bs_stage_lag_update(&s);
      lag_at = bs_stage_now_ms() + 2000;
    }
    bs_status st = bs_consumer_poll(s.consumer, 500, &msg, errstr, sizeof(errstr));
    if (bs_consumer_fatal(s.consumer, errstr, sizeof(errstr)) ||
        bs_producer_fatal(s.producer, errstr, sizeof(errstr))) {
      bs_err("fatal Kafka client error, exiting for a restart: %s", errstr);
      goto done;
    }
    if (st != BS_OK || !msg)
      continue;
    handle_message(&s, msg);
    rd_kafka_message_destroy(msg);
    bs_log_context(NULL);
  }
  bs_notice("shutting down: closing the consumer and committing stored offsets");
  rc = 0;
done:
  bs_consumer_destroy(s.consumer); /* commits stored offsets, leaves the group */
  bs_producer_destroy(s.producer); /* flushes */
  bs_metrics_destroy(s.metrics);
  bs_objstore_destroy(s.store);
  bs_db_destroy(s.db);
  bs_instance_destroy(s.instance); /* after the consumer: the number is free again */
  return rc;
}

int bs_stage_program(int argc, char **argv, const bs_stage_def *def, const bs_config_param *params,
                     size_t nparams) {
  char program[64], errstr[1024];
  snprintf(program, sizeof(program), "bmdstream-%s", def->name);
  bs_log_init(program, -1);
  const bs_config_param *tables[] = {bs_config_service_params, bs_stage_params, params};
  size_t counts[] = {bs_config_service_params_count, bs_stage_params_count, nparams};
  bs_config *cfg = bs_config_new(tables, counts, params ? 3 : 2);
  if (!cfg)
    return 1;
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: %s [options]\n\nThe %s stage of the bmdstream pipeline.\n\noptions:\n",
             program, def->name);
      bs_config_usage(cfg, stdout);
      bs_config_destroy(cfg);
      return 0;
    }
  extern char **environ;
  if (bs_config_load_env(cfg, environ, errstr, sizeof(errstr)) != 0 ||
      bs_config_load_args(cfg, &argc, argv, errstr, sizeof(errstr)) != 0 || argc > 1) {
    fprintf(stderr, "%s: %s\n", program, argc > 1 ? "unexpected argument" : errstr);
    bs_config_destroy(cfg);
    return 2;
  }
  /* The name must outlive the logger; program[] lives until return. */
  bs_log_init(program, bs_log_level_parse(bs_config_get(cfg, "log_level")));
  int rc = bs_stage_run(def, cfg);
  bs_log_init("bmdstream", -1);
  bs_config_destroy(cfg);
  return rc;
}

int bs_stage_main(int argc, char **argv, const char *name, bs_stage_handle_cb handle,
                  const bs_config_param *params, size_t nparams) {
  gsl_set_error_handler_off();
  const bs_stage_info *info = bs_stage_info_find(name);
  if (!info) {
    fprintf(stderr, "bmdstream-%s: not a stage of the stage table\n", name);
    return 1;
  }
  bs_stage_def def = {.name = info->name,
                      .output = info->output,
                      .authorize = 1,
                      .report_jobs = 1,
                      .uses_objstore = 1,
                      .handle = handle,
                      .opaque = NULL};
  return bs_stage_program(argc, argv, &def, params, nparams);
}
