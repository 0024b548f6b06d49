/*
 * bs/envelope.h - the CloudEvents 1.0 envelope of every Kafka value
 * (structured JSON mode, DESIGN.md §2; contract in schemas/README.md).
 *
 *   {"specversion": "1.0",
 *    "id": "<UUID>",
 *    "type": "bmdstream.<topic>.v1",
 *    "source": "<URI-reference of the emitting program>",
 *    "time": "2026-01-02T03:04:05.678Z",          (RFC 3339, UTC on output)
 *    "subject": "projects/<projectId>/experiments/<experimentId>",
 *    "datacontenttype": "application/json",
 *    "data": {"job_id": "<UUID>", "user_id": 1, "project_id": 2,
 *             "experiment_id": 3, ...}}
 *
 * Decoding is strict: every error names the offending field. CloudEvents
 * extension attributes (lower-case a-z0-9 names, at most 20 characters) are
 * accepted and ignored; any other unknown attribute is an error.
 *
 * Ownership (jansson terms): bs_envelope_new steals `data` (the reference
 * passes to the envelope even when the call fails); a decoded bs_envelope
 * owns its root and lends `data` until bs_envelope_clear.
 */
#ifndef BS_ENVELOPE_H
#define BS_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/error.h"
#include "bs/topics.h"

/* Largest encoded envelope accepted, in bytes (librdkafka's default
 * message.max.bytes is 1000000; larger results go to the object store). */
#define BS_ENVELOPE_MAX_BYTES 1000000

/* Namespace of the deterministic event ids (a fixed random UUID). */
#define BS_EVENT_ID_NAMESPACE "5b0c3c1e-8f0e-4d6a-9a52-3f1d2e7c9b40"

/* Any event topic, for bs_envelope_decode's `expected`. */
#define BS_TOPIC_ANY (-1)

typedef struct bs_envelope {
  json_t *root;   /* owned: the whole event */
  json_t *data;   /* borrowed from root: the "data" object */
  bs_topic topic; /* from "type" */
  const char *id; /* borrowed strings from root */
  const char *source;
  const char *time;
  const char *job_id; /* data.job_id */
  int64_t user_id, project_id, experiment_id;
} bs_envelope;

/* Builds the envelope of an event on `topic` (not the dead-letter topic).
 * data: stolen; it must hold job_id, user_id, project_id, experiment_id,
 * from which the subject is made. id: NULL for a random UUID (v4), or e.g.
 * one from bs_event_id. time: NULL for now, else an RFC 3339 string.
 * On success *out is a new reference. */
bs_status bs_envelope_new(bs_topic topic, const char *source, const char *id, const char *time,
                          json_t *data, json_t **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The compact, key-sorted JSON text of an envelope; malloc'd (free()). */
char *bs_envelope_dumps(const json_t *envelope);

/* Parses and validates one Kafka value. expected: a bs_topic, or
 * BS_TOPIC_ANY. On success fills *env (release with bs_envelope_clear);
 * on failure *env is cleared and errstr names the field. Every failure is
 * BS_ERR_PERMANENT: the same bytes never become valid. */
bs_status bs_envelope_decode(const void *buf, size_t len, int expected, bs_envelope *env,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Validates an already parsed envelope (borrowed) the same way. Ids
 * written as integral reals (12.0, an integer to JSON Schema) are accepted
 * and rewritten in place as JSON integers. */
bs_status bs_envelope_validate(json_t *root, int expected, bs_envelope *env, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

/* Releases a decoded envelope; safe on a zeroed or cleared one. */
void bs_envelope_clear(bs_envelope *env);

/* Name-based UUID, version 5 (RFC 4122 §4.3: SHA-1 of the namespace's 16
 * bytes followed by the name, version and variant bits set). out receives
 * 36 characters + NUL. -1 when namespace_uuid is not a UUID. */
int bs_uuid_v5(const char *namespace_uuid, const void *name, size_t len, char out[37])
    __attribute__((warn_unused_result));

/* The deterministic id of an event of `topic` announcing `key` (e.g.
 * "bmd_result=42"): UUIDv5(BS_EVENT_ID_NAMESPACE, "<type>\n<key>").
 * Re-emitting the same result gives the same id (DESIGN.md §3). */
void bs_event_id(bs_topic topic, const char *key, char out[37]);

/* The CloudEvents type of a topic's events, "bmdstream.<topic>.v1". */
int bs_event_type(bs_topic topic, char *buf, size_t size);

/* Formats a CLOCK_REALTIME time as RFC 3339 UTC with milliseconds. */
void bs_rfc3339_format(int64_t unix_ms, char buf[32]);

/* Parses an RFC 3339 date-time ("T" or "t", optional fraction, "Z" or
 * +hh:mm); -1 when malformed or out of range. */
int bs_rfc3339_parse(const char *s, int64_t *unix_ms);

#endif
