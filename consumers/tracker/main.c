/*
 * bmdstream-tracker - keeps the jobs table current (DESIGN.md §1).
 *
 * Consumes job-events and the four stage topics and merges each event into
 * its job with the monotone rules of bs/jobs.h, so duplicates, replays and
 * out-of-order events are harmless:
 *   experiment-imported  QUEUED (the job row is created if an upstream
 *                        system published the event without one)
 *   job-events           the status, progress, message and error it carries
 *   prefilter-done       RUNNING, with the prefilter's count of passed probes
 *   bmd-done             RUNNING, result_id = the BMD result
 *   category-done        COMPLETED, progress 1
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "bs/jobs.h"
#include "bs/log.h"
#include "bs/stage.h"

static const char *str_or(const json_t *value, const char *fallback) {
  const char *s = json_string_value(value);
  return s ? s : fallback;
}

static int64_t get_int(const json_t *data, const char *key) {
  return (int64_t)json_integer_value(json_object_get(data, key));
}

/* The job update an event stands for. */
static bs_status update_of(const bs_envelope *in, bs_job_update *u, char *message, size_t size,
                           char *error, size_t error_size, char *errstr, size_t errstr_size) {
  const json_t *d = in->data;
  memset(u, 0, sizeof(*u));
  u->progress = -1;
  switch (in->topic) {
  case BS_TOPIC_EXPERIMENT_IMPORTED:
    u->status = BS_JOB_QUEUED;
    u->progress = 0;
    snprintf(message, size, "imported %" JSON_INTEGER_FORMAT " probes; waiting for the prefilter",
             json_integer_value(json_object_get(d, "num_probes")));
    break;
  case BS_TOPIC_PREFILTER_DONE:
    u->status = BS_JOB_RUNNING;
    u->progress = 0.15;
    snprintf(message, size, "prefilter done: %" JSON_INTEGER_FORMAT " probes passed",
             json_integer_value(json_object_get(d, "num_passed")));
    break;
  case BS_TOPIC_BMD_DONE:
    u->status = BS_JOB_RUNNING;
    u->progress = 0.85;
    u->result_id = get_int(d, "bmd_result_id");
    snprintf(message, size, "BMD analysis done: %" JSON_INTEGER_FORMAT " probes fitted",
             json_integer_value(json_object_get(d, "num_results")));
    break;
  case BS_TOPIC_CATEGORY_DONE:
    u->status = BS_JOB_COMPLETED;
    u->progress = 1.0;
    u->result_id = get_int(d, "bmd_result_id");
    snprintf(message, size, "completed: %" JSON_INTEGER_FORMAT " categories",
             json_integer_value(json_object_get(d, "num_categories")));
    break;
  case BS_TOPIC_JOB_EVENTS: {
    int st = bs_job_status_parse(json_string_value(json_object_get(d, "status")));
    if (st < 0) {
      snprintf(errstr, errstr_size, "data.status: not a job status");
      return BS_ERR_PERMANENT;
    }
    u->status = (bs_job_status)st;
    u->progress = json_number_value(json_object_get(d, "progress"));
    snprintf(message, size, "%s", str_or(json_object_get(d, "message"), ""));
    json_t *err = json_object_get(d, "error");
    if (json_is_object(err)) {
      const char *topic = json_string_value(json_object_get(err, "topic"));
      int n = snprintf(error, error_size, "%s: %s", str_or(json_object_get(err, "class"), "error"),
                       str_or(json_object_get(err, "message"), ""));
      if (topic && n > 0 && (size_t)n < error_size)
        snprintf(error + n, error_size - (size_t)n,
                 " (at %s [%" JSON_INTEGER_FORMAT "] offset %" JSON_INTEGER_FORMAT ")", topic,
                 json_integer_value(json_object_get(err, "partition")),
                 json_integer_value(json_object_get(err, "offset")));
      u->error = error;
    }
    break;
  }
  default:
    snprintf(errstr, errstr_size, "the tracker does not read this topic");
    return BS_ERR_PERMANENT;
  }
  u->message = message;
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
  st = bs_job_update_apply(db, in->job_id, &u, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    /* An upstream system announced work without creating its job. */
    char *params = json_dumps(json_object_get(in->data, "parameters"), JSON_COMPACT);
    st = bs_job_create(db, in->job_id, in->user_id, in->project_id, "analysis", params, errstr,
                       errstr_size);
    free(params);
    if (st == BS_OK)
      st = bs_job_update_apply(db, in->job_id, &u, errstr, errstr_size);
  }
  /* A job whose user or project does not exist can never be recorded. */
  if (st == BS_ERR_PERMANENT && strstr(errstr, "foreign key"))
    return BS_ERR_PERMANENT;
  return st;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  static const bs_topic inputs[] = {BS_TOPIC_JOB_EVENTS, BS_TOPIC_EXPERIMENT_IMPORTED,
                                    BS_TOPIC_PREFILTER_DONE, BS_TOPIC_BMD_DONE,
                                    BS_TOPIC_CATEGORY_DONE};
  bs_stage_def def = {.name = "tracker",
                      .inputs = inputs,
                      .ninputs = sizeof(inputs) / sizeof(inputs[0]),
                      .output = -1,
                      .progress_from = 0,
                      .progress_to = 1,
                      .authorize = 0,
                      .report_jobs = 0,
                      .handle = track,
                      .opaque = NULL};
  return bs_stage_program(argc, argv, &def, NULL, 0);
}
