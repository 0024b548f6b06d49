/*
 * event_data.c - the settings and annotation keys of stage events (see
 * bs/event_data.h).
 */
#include "bs/event_data.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bs/objstore.h"

/* params (borrowed, data.<field>), an object of settings, normalized
 * into *settings (new reference) and as core options into *s; a bad
 * setting's message after `context` ("" for the run's own settings, which
 * name themselves as they always have). */
static bs_status settings_of(const json_t *params, const char *field, const char *context,
                             json_t **settings, bs_settings *s, char *errstr, size_t errstr_size) {
  *settings = NULL;
  if (!json_is_object(params)) {
    snprintf(errstr, errstr_size, "data.%s: %s", field, params ? "not an object" : "missing");
    return BS_ERR_PERMANENT;
  }
  json_t *norm = NULL;
  char inner[1024];
  bs_status st = bs_settings_normalize(params, &norm, inner, sizeof(inner));
  if (st == BS_OK)
    st = bs_settings_options(norm, s, inner, sizeof(inner));
  if (st != BS_OK) {
    json_decref(norm);
    snprintf(errstr, errstr_size, "%s%s", context, inner);
    return st;
  }
  *settings = norm;
  return BS_OK;
}

bs_status bs_event_settings(const json_t *data, json_t **settings, bs_settings *s, char *errstr,
                            size_t errstr_size) {
  return settings_of(json_object_get(data, "parameters"), "parameters", "", settings, s, errstr,
                     errstr_size);
}

bs_status bs_event_input_settings(const json_t *data, json_t **settings, bs_settings *s,
                                  char *errstr, size_t errstr_size) {
  const json_t *params = json_object_get(data, "input_parameters");
  *settings = NULL;
  if (!params || json_is_null(params))
    return BS_OK;
  return settings_of(params, "input_parameters", "data.input_parameters: ", settings, s, errstr,
                     errstr_size);
}

/* One key of the annotation object: NULL, or a key of the project. */
static bs_status annotation_key(const json_t *v, const char *name, int64_t project_id,
                                const char **out, char *errstr, size_t errstr_size) {
  *out = NULL;
  if (!v || json_is_null(v))
    return BS_OK;
  const char *key = json_string_value(v);
  char field[64];
  snprintf(field, sizeof(field), "data.annotation.%s", name);
  if (!key) {
    snprintf(errstr, errstr_size, "%s: not a string or null", field);
    return BS_ERR_PERMANENT;
  }
  if (bs_objstore_check_project_key(key, project_id, field, errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  *out = key;
  return BS_OK;
}

bs_status bs_event_annotation(const json_t *data, int64_t project_id, json_t **annotation,
                              bs_analysis_inputs *keys, char *errstr, size_t errstr_size) {
  /* the GO and Reactome keys (the last three) are written on only when
   * given, so that an annotation without them hashes as it always has */
  static const char *names[] = {"probe_map_key", "category_map_key",   "gmt_key",
                                "go_obo_key",    "go_annotations_key", "pathway_annotations_key"};
  const char **slots[] = {&keys->probe_map, &keys->category_map, &keys->gmt, NULL, NULL, NULL};
  *annotation = NULL;
  memset(keys, 0, sizeof(*keys));
  const json_t *in = json_object_get(data, "annotation");
  if (in && !json_is_object(in) && !json_is_null(in)) {
    snprintf(errstr, errstr_size, "data.annotation: not an object");
    return BS_ERR_PERMANENT;
  }
  json_t *out = json_object();
  if (!out) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  for (size_t i = 0; i < 6; i++) {
    const char *key = NULL;
    bs_status st = annotation_key(json_object_get(in, names[i]), names[i], project_id, &key, errstr,
                                  errstr_size);
    if (st == BS_OK && (slots[i] || key) &&
        json_object_set_new(out, names[i], key ? json_string(key) : json_null()) != 0) {
      snprintf(errstr, errstr_size, "out of memory");
      st = BS_ERR_RETRIABLE;
    }
    if (st != BS_OK) {
      json_decref(out);
      memset(keys, 0, sizeof(*keys));
      return st;
    }
    if (slots[i])
      *slots[i] = json_string_value(json_object_get(out, names[i]));
  }
  *annotation = out;
  return BS_OK;
}

void bs_event_ontology_keys(const json_t *annotation, bs_ontology_keys *keys) {
  keys->go_obo = json_string_value(json_object_get(annotation, "go_obo_key"));
  keys->go_annotations = json_string_value(json_object_get(annotation, "go_annotations_key"));
  keys->pathway_annotations =
      json_string_value(json_object_get(annotation, "pathway_annotations_key"));
}

json_t *bs_event_data_next(const bs_envelope *in, const json_t *settings,
                           const json_t *annotation) {
  json_t *d = json_pack("{s:s, s:I, s:I, s:I, s:O}", "job_id", in->job_id, "user_id",
                        (json_int_t)in->user_id, "project_id", (json_int_t)in->project_id,
                        "experiment_id", (json_int_t)in->experiment_id, "parameters", settings);
  if (d && annotation && json_object_set(d, "annotation", (json_t *)annotation) != 0) {
    json_decref(d);
    d = NULL;
  }
  return d;
}

bs_status bs_event_inputs_read(const bs_envelope *in, bs_event_inputs *ev, char *errstr,
                               size_t errstr_size) {
  bs_status st = bs_event_settings(in->data, &ev->settings, &ev->s, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_event_annotation(in->data, in->project_id, &ev->annotation, &ev->keys, errstr,
                             errstr_size);
  return st;
}

void bs_event_inputs_clear(bs_event_inputs *ev) {
  bmd_dataset_destroy(ev->ds);
  json_decref(ev->annotation);
  json_decref(ev->settings);
  memset(ev, 0, sizeof(*ev));
}
