/*
 * bmdstream-tracker - keeps the jobs table current (DESIGN.md §1).
 *
 * Consumes job-events and the four stage topics and merges each event into
 * its job with the monotone rules of bs/jobs.h, so duplicates, replays and
 * out-of-order events are harmless:
 *   job-events           the status, progress, message and error it carries
 *   a stage's output     the status, progress, message and result the stage
 *                        table (bs/stages.h) gives it: experiment-imported
 *                        QUEUED, prefilter-done and bmd-done RUNNING,
 *                        category-done COMPLETED
 * Every event must name a job of its own user and project (the job's
 * user_id and project_id are the event's): an event for another's job, or
 * for no job, is refused as forbidden (dead-letter) and changes nothing.
 * The one exception is experiment-imported whose job row is missing (an
 * upstream system published the event without one): the job is created,
 * QUEUED, once the event's user is found to own its project.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "bs/jobs.h"
#include "bs/log.h"
#include "bs/stage.h"
#include "bs/stages.h"

static const char *str_or(const json_t *value, const char *fallback) {
  const char *s = json_string_value(value);
  return s ? s : fallback;
}

static int64_t get_int(const json_t *data, const char *key) {
  return (int64_t)json_integer_value(json_object_get(data, key));
}

/* The job's error_message, for the person who submitted it: which stage
 * failed, why, what that means, and where the event is, e.g.
 *   the prefilter stage failed: projects/7/experiments/3/matrix.bin: not a
 *   matrix.bin object (wrong magic) (a permanent error: not retried; the
 *   event experiment-imported [0] offset 12 is in dead-letter)
 * (err: the job event's error object, borrowed). */
static void error_text(const char *stage, const json_t *err, char *error, size_t error_size) {
  const char *cls = str_or(json_object_get(err, "class"), "");
  const char *topic = json_string_value(json_object_get(err, "topic"));
  const char *meaning = strcmp(cls, "permanent") == 0   ? "a permanent error: not retried"
                        : strcmp(cls, "forbidden") == 0 ? "refused on authority: not retried"
                        : strcmp(cls, "retriable") == 0 ? "a transient error"
                                                        : "an error";
  int n = snprintf(error, error_size, "%s%s%s: %s (%s", *stage ? "the " : "",
                   *stage ? stage : "a stage", *stage ? " stage failed" : " failed",
                   str_or(json_object_get(err, "message"), ""), meaning);
  if (n < 0 || (size_t)n >= error_size)
    return;
  if (topic)
    n += snprintf(error + n, error_size - (size_t)n,
                  "; the event %s [%" JSON_INTEGER_FORMAT "] offset %" JSON_INTEGER_FORMAT
                  " is in dead-letter",
                  topic, json_integer_value(json_object_get(err, "partition")),
                  json_integer_value(json_object_get(err, "offset")));
  if (n > 0 && (size_t)n < error_size)
    snprintf(error + n, error_size - (size_t)n, ")");
}

/* The job update an event stands for. */
static bs_status update_of(const bs_envelope *in, bs_job_update *u, char *message, size_t size,
                           char *error, size_t error_size, char *errstr, size_t errstr_size) {
  const json_t *d = in->data;
  memset(u, 0, sizeof(*u));
  u->progress = -1;
  u->message = message;
  if (in->topic != BS_TOPIC_JOB_EVENTS) { /* a stage is done */
    const bs_stage_info *info = bs_stage_info_of_output(in->topic);
    if (!info) {
      snprintf(errstr, errstr_size, "the tracker does not read this topic");
      return BS_ERR_PERMANENT;
    }
    u->status = (bs_job_status)bs_job_status_parse(info->status);
    u->progress = info->progress_to;
    u->result_id = info->result_key ? get_int(d, info->result_key) : 0;
    bs_stage_info_done_message(info, d, message, size);
    return BS_OK;
  }
  int st = bs_job_status_parse(json_string_value(json_object_get(d, "status")));
  if (st < 0) {
    snprintf(errstr, errstr_size, "data.status: not a job status");
    return BS_ERR_PERMANENT;
  }
  u->status = (bs_job_status)st;
  u->progress = json_number_value(json_object_get(d, "progress"));
  /* the result of the stage that completed the job, which that stage's
   * own output (read from another topic) may bring only after this event:
   * too late for a completed job */
  json_t *result = json_object_get(d, "result_id");
  if (u->status == BS_JOB_COMPLETED && json_is_integer(result) && json_integer_value(result) > 0)
    u->result_id = (int64_t)json_integer_value(result);
  snprintf(message, size, "%s", str_or(json_object_get(d, "message"), ""));
  json_t *err = json_object_get(d, "error");
  if (json_is_object(err)) {
    error_text(str_or(json_object_get(d, "stage"), ""), err, error, error_size);
    u->error = error;
  }
  return BS_OK;
}

static bs_status track(void *opaque, bs_stage *stage, const bs_envelope *in, bs_stage_output *out,
                       char *errstr, size_t errstr_size) {
  (void)opaque;
  (void)out;
  char message[4200], error[4400];
  bs_job_update u;
  bs_status st =
      update_of(in, &u, message, sizeof(message), error, sizeof(error), errstr, errstr_size);
  if (st != BS_OK)
    return st;
  bs_db *db = bs_stage_db(stage);
  st =
      bs_stage_check_job(stage, in, in->topic == BS_TOPIC_EXPERIMENT_IMPORTED, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_job_update_apply(db, in->job_id, &u, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) /* deleted meanwhile */
    st = BS_ERR_PERMANENT;
  return st;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  /* job-events and every stage's output */
  bs_topic inputs[BS_TOPIC_COUNT] = {BS_TOPIC_JOB_EVENTS};
  size_t ninputs = 1;
  for (size_t i = 0; i < bs_stage_infos_count && ninputs < BS_TOPIC_COUNT; i++)
    inputs[ninputs++] = bs_stage_infos[i].output;
  bs_stage_def def = {.name = "tracker",
                      .inputs = inputs,
                      .ninputs = ninputs,
                      .output = -1,
                      .authorize = 0,
                      .report_jobs = 0,
                      .handle = track,
                      .opaque = NULL};
  return bs_stage_program(argc, argv, &def, NULL, 0);
}
