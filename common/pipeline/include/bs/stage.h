/*
 * bs/stage.h - the runtime every pipeline consumer shares (DESIGN.md §1, §3):
 *
 *   poll -> decode envelope -> authorize (user owns project; the job is
 *   that user's in that project, created by the first stage when missing)
 *   -> handle
 *   (the stage's work: inputs from S3/DB, core, outputs to S3 then DB)
 *   -> emit the next event (deterministic id) and wait for its delivery
 *   -> store the input offset.
 *
 * Failures, by class (bs/error.h):
 *   RETRIABLE  broker, database or object store unreachable: the assigned
 *              partitions are paused, the same message is retried with
 *              capped exponential backoff (1 s ... 30 s) while the consumer
 *              keeps polling (group membership), the job stays RUNNING with
 *              a message saying why; the offset is kept.
 *   PERMANENT  bad JSON, schema violation, missing object, bad matrix,
 *   NOT_FOUND  forbidden: the record goes to dead-letter with its origin
 *              headers, a row in dead_letters, the job becomes FAILED with
 *              the error, and the offset is stored: the pipeline goes on.
 *              An errstr beginning with BS_FORBIDDEN_PREFIX (bs/error.h)
 *              is counted and dead-lettered as class "forbidden".
 * SIGTERM/SIGINT: stop fetching, finish the message in hand, store, close
 * the consumer (commit), flush the producer, close the database. A second
 * signal exits at once.
 *
 * Each stage is its own consumer group ("<prefix>bmdstream-<name>"), so several
 * instances share the partitions. Each instance is a static member of it
 * (bs/instance.h: setting "instance"), so one killed and restarted gets
 * its partitions back at once. Metrics and /health are served on
 * 127.0.0.1:<metrics_port> when that setting is given.
 */
#ifndef BS_STAGE_H
#define BS_STAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/bus.h"
#include "bs/config.h"
#include "bs/db.h"
#include "bs/envelope.h"
#include "bs/metrics.h"
#include "bs/objstore.h"

typedef struct bs_stage bs_stage;

/* What a handler hands back on success. */
typedef struct bs_stage_output {
  json_t *data;        /* new reference: data of the next event; NULL for none */
  char event_key[128]; /* names the result the next event announces, e.g.
                          "bmd_result=42": its id is derived from it */
  int64_t result_id;   /* recorded on the job; 0 for none */
  char message[256];   /* progress message for the job, e.g. "812 of 2977 passed" */
  int job_completed;   /* 1: this stage ends the job (COMPLETED) */
  int partial;         /* 1: the event's work goes on elsewhere (work items,
                          bs_stage_publish_work): no output; the job stays
                          RUNNING at `fraction` (0..1) of this stage's part,
                          with message */
  double fraction;
} bs_stage_output;

/* The stage's work on one event (borrowed). Returns BS_OK with out
 * filled, or an error class with errstr filled. It must be idempotent: the
 * same event may come again (at-least-once delivery). */
typedef bs_status (*bs_stage_handle_cb)(void *opaque, bs_stage *stage, const bs_envelope *in,
                                        bs_stage_output *out, char *errstr, size_t errstr_size);

/* A stage named in the stage table (bs/stages.h) takes its facts from its
 * row: progress_from/to when the def leaves both 0, its input topic when
 * ninputs is 0. A def that states them otherwise than the row, or another
 * output, is refused at start: the table and the def must not disagree. */
typedef struct bs_stage_def {
  const char *name; /* "prefilter", "bmd", "category", "tracker" */
  const bs_topic *inputs;
  size_t ninputs;
  int output;           /* a bs_topic, or -1 for none */
  double progress_from; /* the job's progress when this stage starts ... */
  double progress_to;   /* ... and when it is done (both 0: the table's) */
  int authorize;        /* 1: refuse events whose user does not own the project */
                        /* (report_jobs also refuses another's job_id) */
  int report_jobs;      /* 1: publish RUNNING/FAILED events to job-events */
  int uses_objstore;    /* 1: open the configured object store */
  bs_stage_handle_cb handle;
  void *opaque;
} bs_stage_def;

/* The settings the runtime reads, to append to a program's table. */
extern const bs_config_param bs_stage_params[];
extern const size_t bs_stage_params_count;

/* Runs the stage until SIGTERM/SIGINT; returns the process exit status. */
int bs_stage_run(const bs_stage_def *def, const bs_config *cfg);

/* A consumer program's whole main: loads the configuration (the shared
 * service settings, the runtime's, then params[0..nparams) of the
 * program), answers --help, and runs the stage. */
int bs_stage_program(int argc, char **argv, const bs_stage_def *def, const bs_config_param *params,
                     size_t nparams);

/* The whole main of a job stage of the stage table (bs/stages.h):
 * turns GSL's abort handler off, then runs bs_stage_program with handle
 * on a def that publishes the row's output, authorizes each event's user,
 * reports to job-events and opens the object store. Exit status 1 when
 * the table has no row name. */
int bs_stage_main(int argc, char **argv, const char *name, bs_stage_handle_cb handle,
                  const bs_config_param *params, size_t nparams);

/* Services for handlers (borrowed). */
bs_db *bs_stage_db(bs_stage *stage);
bs_metrics *bs_stage_metrics(bs_stage *stage);
bs_objstore *bs_stage_objstore(bs_stage *stage);
const bs_config *bs_stage_config(bs_stage *stage);

/* Publishes progress within the stage (fraction 0..1 of this stage's part
 * of the job) to job-events; throttled to one event per second. */
void bs_stage_progress(bs_stage *stage, const bs_envelope *in, double fraction,
                       const char *message);

/* The job in->job_id names must be a job of in->user_id in in->project_id:
 * BS_OK when it is. A missing job is created (QUEUED, parameters from
 * in->data) when may_create and the user owns the project -- an upstream
 * system may publish experiment-imported without making one -- and is
 * otherwise refused. Refusals are BS_ERR_PERMANENT with BS_FORBIDDEN_PREFIX
 * (bs/error.h); RETRIABLE when the database is unreachable. */
bs_status bs_stage_check_job(bs_stage *stage, const bs_envelope *in, int may_create, char *errstr,
                             size_t errstr_size) __attribute__((warn_unused_result));

/* A stage with a work topic (its row's `work`, bs/stages.h) consumes it
 * besides its input, in the same group: every instance takes a share of
 * its partitions (range assignment, so each topic's partitions are split
 * evenly). Work items are events like any other (the job's ids in data,
 * in->data's of the event that made them), handled by the same handler
 * (in->topic says which).
 *
 * bs_stage_work_partitions: the work topic's partition count (looked up
 * once); RETRIABLE when the broker cannot say.
 * bs_stage_publish_work: publishes data (stolen) as a work item for the
 * job of in, to partition index % that count, its event id derived from
 * event_key, without waiting for its delivery; bs_stage_publish_work_wait
 * waits for every work item published so (all of them: one round trip to
 * the broker, not one per item) and fails when one was not delivered.
 * Call it before the handler returns: its output follows its work items. */
bs_status bs_stage_work_partitions(bs_stage *stage, int *n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
bs_status bs_stage_publish_work(bs_stage *stage, const bs_envelope *in, const char *event_key,
                                size_t index, json_t *data, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
bs_status bs_stage_publish_work_wait(bs_stage *stage, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Non-zero once shutdown was requested (long handlers may stop early and
 * return BS_ERR_RETRIABLE: the message is then re-delivered). */
int bs_stage_stopping(const bs_stage *stage);

#endif
