/*
 * bs/event_data.h - what the stage events carry besides the ids
 * (schemas/envelope.schema.json), read and passed on alike by every stage:
 *
 *   data.parameters  the normalized analysis settings (bs/settings.h),
 *                    passed on unchanged from stage to stage;
 *   data.annotation  the object keys of the annotation files,
 *                    {"probe_map_key": str|null, "category_map_key":
 *                    str|null, "gmt_key": str|null}, and when given the
 *                    copies of the GO and Reactome files the settings
 *                    name ("go_obo_key", "go_annotations_key",
 *                    "pathway_annotations_key"), on experiment-imported,
 *                    prefilter-done and bmd-done;
 *   data.input_parameters  on experiment-imported only, optional: the
 *                    settings of the prefilter whose passed probes the
 *                    run's prefilter takes (a BMDExpress curve fit on a
 *                    Williams or ANOVA result, inputCategory); the
 *                    prefilter stage runs it first.
 */
#ifndef BS_EVENT_DATA_H
#define BS_EVENT_DATA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bmd/dataset.h"
#include "bs/envelope.h"
#include "bs/error.h"
#include "bs/settings.h"

/* data.parameters (data borrowed) normalized into *settings (new
 * reference; what the next event carries and the natural keys hash) and
 * as core options into *s. PERMANENT with errstr naming the setting. */
bs_status bs_event_settings(const json_t *data, json_t **settings, bs_settings *s, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));

/* data.input_parameters (data borrowed) as bs_event_settings reads
 * data.parameters: into *settings (new reference) and *s; *settings NULL
 * when absent or null (the run's prefilter takes the data set). PERMANENT
 * with errstr naming data.input_parameters and the setting. */
bs_status bs_event_input_settings(const json_t *data, json_t **settings, bs_settings *s,
                                  char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* data.annotation as events carry it into *annotation (new reference:
 * the three keys, null where absent or null, an absent object all null;
 * the GO and Reactome keys only where given) and its first three keys
 * into *keys (borrowed from *annotation; NULL for null; the others:
 * bs_event_ontology_keys). PERMANENT when a key is not a string, is not a valid object key,
 * or names an object outside the event's project ("projects/<id>/..."). */
bs_status bs_event_annotation(const json_t *data, int64_t project_id, json_t **annotation,
                              bs_analysis_inputs *keys, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The object keys of the GO and Reactome files (borrowed from
 * annotation, as bs_event_annotation made it; NULL when absent): the
 * pipeline's copies of the files the settings name as category.go.obo,
 * category.go.annotations and category.pathway.annotations. */
typedef struct bs_ontology_keys {
  const char *go_obo, *go_annotations, *pathway_annotations;
} bs_ontology_keys;

void bs_event_ontology_keys(const json_t *annotation, bs_ontology_keys *keys);

/* The next event's data (new reference; NULL when out of memory): the
 * job, user, project and experiment ids of in, the settings and, unless
 * NULL, the annotation (both borrowed). The stage adds its result ids. */
json_t *bs_event_data_next(const bs_envelope *in, const json_t *settings, const json_t *annotation);

/* What a job stage reads before its step: the event's settings and
 * annotation keys, then (when the stage goes on) the experiment's matrix.
 * Zero it before use; bs_event_inputs_clear releases what it holds. */
typedef struct bs_event_inputs {
  json_t *settings;        /* new reference, as bs_event_settings gives it */
  json_t *annotation;      /* new reference, as bs_event_annotation gives it */
  bs_settings s;           /* the settings as core options */
  bs_analysis_inputs keys; /* borrowed from annotation */
  bmd_dataset *ds;         /* owned: the matrix, loaded by the stage; NULL until then */
} bs_event_inputs;

/* bs_event_settings, then bs_event_annotation, of in->data into ev. */
bs_status bs_event_inputs_read(const bs_envelope *in, bs_event_inputs *ev, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

/* Releases what ev holds and zeroes it. */
void bs_event_inputs_clear(bs_event_inputs *ev);

#endif
