/*
 * stage_internal.h - the stage runtime's state, shared by its files
 * (stage.c: the loop; stage_report.c: job events, dead letters, metrics).
 */
#ifndef BS_STAGE_INTERNAL_H
#define BS_STAGE_INTERNAL_H

#include <signal.h>

#include "bs/instance.h"
#include "bs/stage.h"
#include "bs/stages.h"

struct bs_stage {
  const bs_stage_def *def;
  const bs_stage_info *info; /* def's row of the stage table; NULL: none */
  double progress_from;      /* def's, or else the row's */
  double progress_to;
  const bs_topic *inputs; /* def's, or else the row's input and work topic: */
  size_t ninputs;
  bs_topic input[2];
  int work_partitions; /* of the work topic; 0 until looked up */
  const bs_config *cfg;
  bs_db *db;
  bs_producer *producer;
  bs_consumer *consumer;
  bs_metrics *metrics;
  bs_objstore *store;
  char prefix[64];
  char group[128];            /* the consumer group */
  char client[64];            /* client.id, "bmdstream-<name>" */
  bs_instance *instance;      /* the static membership's number and id */
  char source[64];            /* CloudEvents source, "/bmdstream/<name>" */
  long long last_progress_ms; /* throttle for bs_stage_progress */
  int jobs_in_flight;
  int unproven; /* the message in hand failed its signature check
                   (bs/signature.h): its data names no job to report */
};

extern volatile sig_atomic_t bs_stage_stop_requested;

/* Publishes a job event (RUNNING/FAILED/...) for the job of `in` (or of
 * the leniently parsed `data` when `in` could not be decoded). result_id:
 * the job's result, for the COMPLETED event of the stage that ends the
 * job (data.result_id; 0: none). */
void bs_stage_report_job(bs_stage *s, const json_t *data, const char *status, double progress,
                         const char *message, const char *error_class, const char *error_message,
                         const rd_kafka_message_t *origin, int64_t result_id);

/* Dead-letters msg (original bytes + origin headers), records it in
 * dead_letters, and reports the job FAILED (not when s->unproven: an
 * unsigned or forged event must not fail anyone's job). Returns BS_OK when the record
 * is safely on the dead-letter topic, so its offset may be stored. */
bs_status bs_stage_dead_letter(bs_stage *s, const rd_kafka_message_t *msg, bs_status cls,
                               const char *error_class, const char *error_message);

/* Declares the stage's metric families. */
void bs_stage_metrics_declare(bs_stage *s);

/* Registers /health checks for the broker, the database and (for stages
 * that use it) the object store. */
void bs_stage_health_register(bs_stage *s);

/* Sets bmdstream_consumer_lag for each assigned partition. */
void bs_stage_lag_update(bs_stage *s);

long long bs_stage_now_ms(void);

#endif
