/*
 * rerun.c - new jobs from old ones (see bs/rerun.h); also the importer's
 * way to submit a new job.
 */
#include "bs/rerun.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "bs/envelope.h"
#include "bs/jobs.h"
#include "bs/log.h"
#include "bs/settings.h"

bs_status bs_rerun_override(json_t *data, const char *assignment, char *errstr,
                            size_t errstr_size) {
  json_t *params = json_object_get(data, "parameters"), *norm = NULL;
  char inner[1024];
  if (bs_settings_normalize(params, &norm, inner, sizeof(inner)) != BS_OK) {
    snprintf(errstr, errstr_size, "the experiment's last settings: %s", inner);
    return BS_ERR_PERMANENT;
  }
  if (bs_settings_assign(norm, assignment, inner, sizeof(inner)) != 0) {
    json_decref(norm);
    snprintf(errstr, errstr_size, "--set %s", inner);
    return BS_ERR_PERMANENT;
  }
  json_object_set_new(data, "parameters", norm);
  return BS_OK;
}

/* A comma starts the next assignment only when "path=" follows it, so
 * that "bmd.models=hill,exp5,prefilter.seed=7" is two assignments. */
bs_status bs_rerun_override_list(json_t *data, const char *list, char *errstr, size_t errstr_size) {
  char *copy = strdup(list);
  bs_status st = copy ? BS_OK : BS_ERR_RETRIABLE;
  for (char *a = copy; st == BS_OK && a && *a;) {
    char *next = a, *comma;
    while ((comma = strchr(next, ',')) != NULL) {
      const char *eq = strchr(comma + 1, '='), *more = strchr(comma + 1, ',');
      if (eq && (!more || eq < more))
        break;
      next = comma + 1;
    }
    if (comma)
      *comma = '\0';
    st = bs_rerun_override(data, a, errstr, errstr_size);
    a = comma ? comma + 1 : NULL;
  }
  if (!copy)
    snprintf(errstr, errstr_size, "out of memory");
  free(copy);
  return st;
}

bs_status bs_rerun_last_data(bs_db *db, int64_t project_id, int64_t experiment_id, json_t **data,
                             char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(project_id), BS_DB_INT64(experiment_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db,
                                 "SELECT parameters::text FROM jobs WHERE project_id = $1::bigint "
                                 "AND parameters->>'experiment_id' = $2 AND parameters ? "
                                 "'parameters' ORDER BY created_at DESC, id LIMIT 1",
                                 2, params, &res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    snprintf(errstr, errstr_size,
             "experiment %" PRId64 " of project %" PRId64 " has no job to re-run", experiment_id,
             project_id);
  if (st != BS_OK)
    return st;
  json_error_t jerr;
  *data = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
  PQclear(res);
  if (!*data) {
    snprintf(errstr, errstr_size, "the stored job parameters are not JSON: %s", jerr.text);
    return BS_ERR_PERMANENT;
  }
  return BS_OK;
}

bs_status bs_rerun_project_experiments(bs_db *db, int64_t project_id, int64_t **ids, size_t *n,
                                       char *errstr, size_t errstr_size) {
  const bs_db_param params[] = {BS_DB_INT64(project_id)};
  PGresult *res = NULL;
  *ids = NULL;
  *n = 0;
  bs_status st =
      bs_db_query(db,
                  "SELECT id FROM dose_response_experiments WHERE project_id = $1::bigint "
                  "ORDER BY id",
                  1, params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  size_t count = (size_t)PQntuples(res);
  *ids = malloc((count ? count : 1) * sizeof(**ids));
  for (size_t i = 0; *ids && i < count; i++)
    (*ids)[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
  *n = *ids ? count : 0;
  PQclear(res);
  return BS_OK;
}

bs_status bs_rerun_submit(bs_db *db, bs_producer *producer, const char *topic_prefix,
                          const char *source, const bs_signer *signer, const json_t *data,
                          const char *job_type, char job_id_out[37], char *errstr,
                          size_t errstr_size) {
  uuid_t u;
  uuid_generate_random(u);
  uuid_unparse_lower(u, job_id_out);
  json_t *stored = json_deep_copy(data);
  json_object_del(stored, "job_id");
  char *params_text = json_dumps(stored, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(stored);
  int64_t user = json_integer_value(json_object_get(data, "user_id"));
  int64_t project = json_integer_value(json_object_get(data, "project_id"));
  int64_t experiment = json_integer_value(json_object_get(data, "experiment_id"));
  bs_status st =
      bs_job_create(db, job_id_out, user, project, job_type, params_text, errstr, errstr_size);
  free(params_text);
  if (st != BS_OK)
    return st;
  json_t *ev_data = json_deep_copy(data);
  json_object_set_new(ev_data, "job_id", json_string(job_id_out));
  json_t *event = NULL;
  st = bs_envelope_new(BS_TOPIC_EXPERIMENT_IMPORTED, source, NULL, NULL, ev_data, &event, errstr,
                       errstr_size);
  if (st == BS_OK && signer)
    st = bs_signer_sign(signer, event, errstr, errstr_size);
  if (st != BS_OK) {
    json_decref(event);
    return st;
  }
  char *text = bs_envelope_dumps(event);
  json_decref(event);
  char topic[256], key[32];
  bs_topic_full_name(topic_prefix, BS_TOPIC_EXPERIMENT_IMPORTED, topic, sizeof(topic));
  snprintf(key, sizeof(key), "%" PRId64, experiment);
  st = text ? bs_producer_send(producer, topic, key, strlen(key), text, strlen(text), NULL, 0,
                               30000, errstr, errstr_size)
            : BS_ERR_RETRIABLE;
  free(text);
  if (st != BS_OK) {
    /* The job would wait forever: mark it failed with the reason. */
    char ignored[256];
    bs_job_update failed = {BS_JOB_FAILED, -1, "could not publish", 0, errstr};
    if (bs_job_update_apply(db, job_id_out, &failed, ignored, sizeof(ignored)) != BS_OK)
      bs_warn("job %s: could not mark it failed: %s", job_id_out, ignored);
  }
  return st;
}
