/*
 * envelope.c - CloudEvents 1.0 structured-mode JSON envelope: build,
 * serialize, parse and strictly validate; deterministic (UUIDv5) event ids;
 * RFC 3339 time stamps. The contract is schemas/envelope.schema.json.
 */
#include "bs/envelope.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#define SPECVERSION "1.0"
#define CONTENT_TYPE "application/json"

static const char *const known_attrs[] = {"specversion",     "id",   "type",
                                          "source",          "time", "subject",
                                          "datacontenttype", "data", "dataschema"};

/* ---- time ---------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): shift the year to start in March so the leap day is
 * last, then
 *   era = floor(y / 400), yoe = y - 400 era            (0..399)
 *   doy = (153 (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1  (0..365)
 *   doe = 365 yoe + yoe/4 - yoe/100 + doy              (0..146096)
 *   days = 146097 era + doe - 719468. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

int bs_rfc3339_parse(const char *s, int64_t *unix_ms) {
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, mo, d, h, mi, se, ms = 0;
  if (!s || strlen(s) < 20)
    return -1;
  if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
      digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
      s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
    return -1;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 ||
      se > 60)
    return -1;
  const char *p = s + 19;
  if (*p == '.') {
    int n = 0;
    for (p++; isdigit((unsigned char)*p); p++, n++)
      if (n < 3)
        ms = ms * 10 + (*p - '0');
    if (n == 0)
      return -1;
    for (; n < 3; n++)
      ms *= 10;
  }
  int offset_min = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int oh, om;
    if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
      return -1;
    offset_min = (*p == '-' ? -1 : 1) * (oh * 60 + om);
    p += 6;
  } else {
    return -1;
  }
  if (*p != '\0')
    return -1;
  /* local time = UTC + offset, so UTC = local - offset; a leap second
   * (:60) counts as the next second. */
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
  *unix_ms = secs * 1000 + ms;
  return 0;
}

void bs_rfc3339_format(int64_t unix_ms, char buf[32]) {
  time_t secs = (time_t)(unix_ms / 1000);
  int ms = (int)(unix_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    secs--;
  }
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, 32 - n, ".%03dZ", ms % 1000);
}

/* ---- ids ----------------------------------------------------------------- */

int bs_uuid_v5(const char *namespace_uuid, const void *name, size_t len, char out[37]) {
  uuid_t ns, u;
  if (!namespace_uuid || uuid_parse(namespace_uuid, ns) != 0)
    return -1;
  uuid_generate_sha1(u, ns, (const char *)name, len);
  uuid_unparse_lower(u, out);
  return 0;
}

int bs_event_type(bs_topic topic, char *buf, size_t size) {
  if (topic == BS_TOPIC_DEAD_LETTER || !bs_topic_name(topic))
    return -1;
  int n = snprintf(buf, size, "bmdstream.%s.v1", bs_topic_name(topic));
  return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

void bs_event_id(bs_topic topic, const char *key, char out[37]) {
  char type[64], name[1024];
  if (bs_event_type(topic, type, sizeof(type)) != 0)
    snprintf(type, sizeof(type), "bmdstream.unknown.v1");
  int n = snprintf(name, sizeof(name), "%s\n%s", type, key ? key : "");
  size_t len = n < 0 ? 0 : (size_t)n >= sizeof(name) ? sizeof(name) - 1 : (size_t)n;
  if (bs_uuid_v5(BS_EVENT_ID_NAMESPACE, name, len, out) != 0)
    out[0] = '\0'; /* unreachable: the namespace is a constant UUID */
}

/* A canonical 8-4-4-4-12 hexadecimal UUID. */
static int is_uuid(const char *s) {
  uuid_t u;
  return s && strlen(s) == 36 && uuid_parse(s, u) == 0;
}

/* ---- validation ---------------------------------------------------------- */

static bs_status fail(char *errstr, size_t errstr_size, const char *fmt, const char *field,
                      const char *detail) {
  char msg[512];
  snprintf(msg, sizeof(msg), fmt, field, detail ? detail : "");
  snprintf(errstr, errstr_size, "envelope: %s", msg);
  return BS_ERR_PERMANENT;
}

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
    return "an integer";
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  case JSON_NULL:
    return "null";
  }
  return "unknown";
}

/* Looks up a required non-empty string member; names the field on error. */
static bs_status get_string(const json_t *obj, const char *key, const char *field, const char **out,
                            char *errstr, size_t errstr_size) {
  const json_t *v = json_object_get(obj, key);
  if (!v)
    return fail(errstr, errstr_size, "field '%s' is missing%s", field, NULL);
  if (!json_is_string(v))
    return fail(errstr, errstr_size, "field '%s' must be a string, not %s", field, type_name(v));
  if (json_string_length(v) == 0)
    return fail(errstr, errstr_size, "field '%s' must not be empty%s", field, NULL);
  if (strlen(json_string_value(v)) != json_string_length(v))
    return fail(errstr, errstr_size, "field '%s' contains a NUL character%s", field, NULL);
  *out = json_string_value(v);
  return BS_OK;
}

/* Looks up a required positive integer id in data. */
static bs_status get_id(json_t *data, const char *key, int64_t *out, char *errstr,
                        size_t errstr_size) {
  char field[64];
  snprintf(field, sizeof(field), "data.%s", key);
  const json_t *v = json_object_get(data, key);
  if (!v)
    return fail(errstr, errstr_size, "field '%s' is missing%s", field, NULL);
  int64_t id;
  /* JSON Schema counts 12.0 as an integer; so do we, for exactly
   * representable values (|x| <= 2^53). */
  if (json_is_real(v) && fabs(json_real_value(v)) <= 9007199254740992.0 &&
      json_real_value(v) == (double)(int64_t)json_real_value(v)) { /* (the cast only in range) */
    id = (int64_t)json_real_value(v);
    /* normalized, so code reading data sees an integer */
    if (id > 0 && json_object_set_new(data, key, json_integer(id)) != 0)
      return fail(errstr, errstr_size, "field '%s': out of memory%s", field, NULL);
  } else if (json_is_integer(v))
    id = (int64_t)json_integer_value(v);
  else
    return fail(errstr, errstr_size, "field '%s' must be an integer, not %s", field, type_name(v));
  /* at most 18 digits, as in the subject */
  if (id <= 0 || id > INT64_C(999999999999999999))
    return fail(errstr, errstr_size, "field '%s' must be a positive id below 10^18%s", field, NULL);
  *out = id;
  return BS_OK;
}

/* Parses "projects/<p>/experiments/<e>" with p, e decimal without sign or
 * leading zero. */
static int parse_subject(const char *s, int64_t *p, int64_t *e) {
  static const char *const parts[2] = {"projects/", "/experiments/"};
  int64_t *vals[2] = {p, e};
  for (int k = 0; k < 2; k++) {
    size_t n = strlen(parts[k]);
    if (strncmp(s, parts[k], n) != 0)
      return -1;
    s += n;
    if (!isdigit((unsigned char)*s) || *s == '0')
      return -1;
    int64_t v = 0;
    int nd = 0;
    for (; isdigit((unsigned char)*s); s++, nd++) {
      if (nd >= 18)
        return -1;
      v = v * 10 + (*s - '0');
    }
    *vals[k] = v;
  }
  return *s == '\0' ? 0 : -1;
}

static int is_extension_name(const char *k) {
  size_t n = strlen(k);
  if (n == 0 || n > 20)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9')))
      return 0;
  return 1;
}

bs_status bs_envelope_validate(json_t *root, int expected, bs_envelope *env, char *errstr,
                               size_t errstr_size) {
  bs_envelope e = {0};
  const char *specversion, *type, *subject, *ctype;
  bs_status st;
  memset(env, 0, sizeof(*env));
  if (!json_is_object(root))
    return fail(errstr, errstr_size, "the event must be a JSON object, not %s", type_name(root),
                NULL);
  const char *key;
  json_t *value;
  json_object_foreach(root, key, value) {
    int known = 0;
    for (size_t i = 0; i < sizeof(known_attrs) / sizeof(known_attrs[0]); i++)
      known |= strcmp(key, known_attrs[i]) == 0;
    if (!known && strcmp(key, "data_base64") == 0)
      return fail(errstr, errstr_size, "field '%s' is not accepted: data must be JSON%s", key,
                  NULL);
    if (!known && !is_extension_name(key))
      return fail(errstr, errstr_size,
                  "field '%s' is unknown (extension attributes are [a-z0-9]{1,20})%s", key, NULL);
  }
  if ((st = get_string(root, "specversion", "specversion", &specversion, errstr, errstr_size)))
    return st;
  if (strcmp(specversion, SPECVERSION) != 0)
    return fail(errstr, errstr_size, "field '%s' must be \"1.0\", not \"%s\"", "specversion",
                specversion);
  if ((st = get_string(root, "id", "id", &e.id, errstr, errstr_size)))
    return st;
  if (!is_uuid(e.id))
    return fail(errstr, errstr_size, "field '%s' must be a UUID, not \"%s\"", "id", e.id);
  if ((st = get_string(root, "type", "type", &type, errstr, errstr_size)))
    return st;
  int topic = -1;
  for (int t = 0; t < BS_TOPIC_COUNT; t++) {
    char want[64];
    if (bs_event_type((bs_topic)t, want, sizeof(want)) == 0 && strcmp(type, want) == 0)
      topic = t;
  }
  if (topic < 0)
    return fail(errstr, errstr_size, "field '%s' names an unknown event type \"%s\"", "type", type);
  if (expected != BS_TOPIC_ANY && topic != expected) {
    char want[64];
    if (bs_event_type((bs_topic)expected, want, sizeof(want)) != 0)
      snprintf(want, sizeof(want), "?");
    char detail[200];
    snprintf(detail, sizeof(detail), "\"%s\" but this topic carries \"%s\"", type, want);
    return fail(errstr, errstr_size, "field '%s' is %s", "type", detail);
  }
  e.topic = (bs_topic)topic;
  if ((st = get_string(root, "source", "source", &e.source, errstr, errstr_size)))
    return st;
  if ((st = get_string(root, "time", "time", &e.time, errstr, errstr_size)))
    return st;
  int64_t ms;
  if (bs_rfc3339_parse(e.time, &ms) != 0)
    return fail(errstr, errstr_size, "field '%s' is not an RFC 3339 date-time: \"%s\"", "time",
                e.time);
  if ((st = get_string(root, "datacontenttype", "datacontenttype", &ctype, errstr, errstr_size)))
    return st;
  if (strcmp(ctype, CONTENT_TYPE) != 0)
    return fail(errstr, errstr_size, "field '%s' must be \"application/json\", not \"%s\"",
                "datacontenttype", ctype);
  const json_t *schema = json_object_get(root, "dataschema");
  if (schema && (!json_is_string(schema) || json_string_length(schema) == 0))
    return fail(errstr, errstr_size, "field '%s' must be a non-empty URI string%s", "dataschema",
                NULL);
  e.data = json_object_get(root, "data");
  if (!e.data)
    return fail(errstr, errstr_size, "field '%s' is missing%s", "data", NULL);
  if (!json_is_object(e.data))
    return fail(errstr, errstr_size, "field '%s' must be an object, not %s", "data",
                type_name(e.data));
  if ((st = get_string(e.data, "job_id", "data.job_id", &e.job_id, errstr, errstr_size)))
    return st;
  if (!is_uuid(e.job_id))
    return fail(errstr, errstr_size, "field '%s' must be a UUID, not \"%s\"", "data.job_id",
                e.job_id);
  if ((st = get_id(e.data, "user_id", &e.user_id, errstr, errstr_size)) ||
      (st = get_id(e.data, "project_id", &e.project_id, errstr, errstr_size)) ||
      (st = get_id(e.data, "experiment_id", &e.experiment_id, errstr, errstr_size)))
    return st;
  if ((st = get_string(root, "subject", "subject", &subject, errstr, errstr_size)))
    return st;
  int64_t sp, se;
  if (parse_subject(subject, &sp, &se) != 0)
    return fail(errstr, errstr_size,
                "field '%s' must be \"projects/{projectId}/experiments/{experimentId}\", not "
                "\"%s\"",
                "subject", subject);
  if (sp != e.project_id || se != e.experiment_id) {
    char detail[256];
    snprintf(detail, sizeof(detail),
             "\"%s\" does not match data.project_id=%" PRId64 ", data.experiment_id=%" PRId64,
             subject, e.project_id, e.experiment_id);
    return fail(errstr, errstr_size, "field '%s' %s", "subject", detail);
  }
  *env = e;
  return BS_OK;
}

/* ---- decode / encode ----------------------------------------------------- */

bs_status bs_envelope_decode(const void *buf, size_t len, int expected, bs_envelope *env,
                             char *errstr, size_t errstr_size) {
  memset(env, 0, sizeof(*env));
  if (len > BS_ENVELOPE_MAX_BYTES) {
    snprintf(errstr, errstr_size, "envelope: event of %zu bytes exceeds the limit of %d bytes", len,
             BS_ENVELOPE_MAX_BYTES);
    return BS_ERR_PERMANENT;
  }
  json_error_t jerr;
  /* JSON_REJECT_DUPLICATES: an attribute given twice is ambiguous. */
  json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    snprintf(errstr, errstr_size, "envelope: invalid JSON at line %d, column %d: %s", jerr.line,
             jerr.column, jerr.text);
    return BS_ERR_PERMANENT;
  }
  bs_status st = bs_envelope_validate(root, expected, env, errstr, errstr_size);
  if (st != BS_OK) {
    json_decref(root);
    return st;
  }
  env->root = root;
  return BS_OK;
}

void bs_envelope_clear(bs_envelope *env) {
  if (!env)
    return;
  json_decref(env->root);
  memset(env, 0, sizeof(*env));
}

char *bs_envelope_dumps(const json_t *envelope) {
  return json_dumps(envelope, JSON_COMPACT | JSON_SORT_KEYS);
}

bs_status bs_envelope_new(bs_topic topic, const char *source, const char *id, const char *time,
                          json_t *data, json_t **out, char *errstr, size_t errstr_size) {
  json_t *root = NULL;
  char type[64], uuid[37], now[32], subject[96];
  int64_t p = 0, e = 0;
  bs_envelope check;
  *out = NULL;
  if (bs_event_type(topic, type, sizeof(type)) != 0) {
    snprintf(errstr, errstr_size, "envelope: no event type for topic %d", (int)topic);
    goto fail;
  }
  if (!json_is_object(data)) {
    snprintf(errstr, errstr_size, "envelope: field 'data' must be an object");
    goto fail;
  }
  if (get_id(data, "project_id", &p, errstr, errstr_size) ||
      get_id(data, "experiment_id", &e, errstr, errstr_size))
    goto fail;
  if (!id) {
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, uuid);
    id = uuid;
  }
  if (!time) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    bs_rfc3339_format((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, now);
    time = now;
  }
  snprintf(subject, sizeof(subject), "projects/%" PRId64 "/experiments/%" PRId64, p, e);
  root = json_object();
  if (!root || json_object_set_new(root, "specversion", json_string(SPECVERSION)) ||
      json_object_set_new(root, "id", json_string(id ? id : "")) ||
      json_object_set_new(root, "type", json_string(type)) ||
      json_object_set_new(root, "source", json_string(source ? source : "")) ||
      json_object_set_new(root, "time", json_string(time)) ||
      json_object_set_new(root, "subject", json_string(subject)) ||
      json_object_set_new(root, "datacontenttype", json_string(CONTENT_TYPE))) {
    snprintf(errstr, errstr_size, "envelope: out of memory or a string not valid UTF-8");
    goto fail;
  }
  if (json_object_set_new(root, "data", data) != 0) {
    data = NULL; /* set_new consumed it even on failure */
    snprintf(errstr, errstr_size, "envelope: out of memory");
    goto fail;
  }
  data = NULL;
  /* Never emit what we would refuse to read. */
  if (bs_envelope_validate(root, (int)topic, &check, errstr, errstr_size) != BS_OK)
    goto fail;
  size_t size = json_dumpb(root, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
  if (size > BS_ENVELOPE_MAX_BYTES) {
    snprintf(errstr, errstr_size, "envelope: event of %zu bytes exceeds the limit of %d bytes",
             size, BS_ENVELOPE_MAX_BYTES);
    goto fail;
  }
  *out = root;
  return BS_OK;
fail:
  json_decref(data);
  json_decref(root);
  return BS_ERR_PERMANENT;
}
