/*
 * test_envelope.c - the CloudEvents envelope codec: round trip, rejection
 * of each kind of malformed envelope (with the field named in the error),
 * RFC 3339 times checked against glibc's timegm, and UUIDv5 ids checked
 * against the published value of Python's uuid documentation.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs/envelope.h"

static const char *valid_event =
    "{\"specversion\":\"1.0\",\"id\":\"0b6f1a52-3c1e-4a7e-9d2b-6c1f0e9a8b7c\","
    "\"type\":\"bmdstream.bmd-done.v1\",\"source\":\"/bmdstream/bmd\","
    "\"time\":\"2026-01-02T03:04:05.678Z\",\"subject\":\"projects/12/experiments/345\","
    "\"datacontenttype\":\"application/json\","
    "\"data\":{\"job_id\":\"6f1c2b1e-0000-4000-8000-000000000001\",\"user_id\":7,"
    "\"project_id\":12,\"experiment_id\":345,\"prefilter_result_id\":9}}";

static json_t *sample_data(void) {
  return json_pack("{s:s, s:I, s:I, s:I, s:I, s:{s:s, s:f}}", "job_id",
                   "6f1c2b1e-0000-4000-8000-000000000001", "user_id", (json_int_t)7, "project_id",
                   (json_int_t)12, "experiment_id", (json_int_t)345, "bmd_result_id",
                   (json_int_t)99, "bmd", "variance", "constant", "bmr", 1.0);
}

static void test_round_trip(void **state) {
  (void)state;
  char err[512];
  json_t *data = sample_data();
  json_t *want = json_deep_copy(data);
  json_t *ev = NULL;
  assert_int_equal(
      bs_envelope_new(BS_TOPIC_BMD_DONE, "/bmdstream/bmd", NULL, NULL, data, &ev, err, sizeof(err)),
      BS_OK);
  char *text = bs_envelope_dumps(ev);
  assert_non_null(text);
  bs_envelope env;
  bs_status st = bs_envelope_decode(text, strlen(text), BS_TOPIC_BMD_DONE, &env, err, sizeof(err));
  if (st != BS_OK)
    fail_msg("%s", err);
  assert_int_equal(env.topic, BS_TOPIC_BMD_DONE);
  assert_string_equal(env.source, "/bmdstream/bmd");
  assert_string_equal(env.job_id, "6f1c2b1e-0000-4000-8000-000000000001");
  assert_int_equal(env.user_id, 7);
  assert_int_equal(env.project_id, 12);
  assert_int_equal(env.experiment_id, 345);
  assert_true(json_equal(env.data, want));
  assert_string_equal(json_string_value(json_object_get(env.root, "subject")),
                      "projects/12/experiments/345");
  assert_string_equal(json_string_value(json_object_get(env.root, "type")),
                      "bmdstream.bmd-done.v1");
  /* a fresh random id is a version-4 UUID; the time is now, in UTC */
  assert_int_equal(strlen(env.id), 36);
  assert_int_equal(env.id[14], '4');
  int64_t ms;
  assert_int_equal(bs_rfc3339_parse(env.time, &ms), 0);
  assert_true(llabs(ms - (int64_t)time(NULL) * 1000) < 5000);
  assert_int_equal(env.time[strlen(env.time) - 1], 'Z');
  bs_envelope_clear(&env);
  bs_envelope_clear(&env); /* idempotent */
  free(text);
  json_decref(ev);
  json_decref(want);
}

static void test_encoder_refuses_bad_data(void **state) {
  (void)state;
  char err[512];
  json_t *ev = NULL;
  /* data stolen even on failure: ASan's leak check would catch a leak */
  json_t *data = json_pack("{s:s, s:I, s:I}", "job_id", "6f1c2b1e-0000-4000-8000-000000000001",
                           "user_id", (json_int_t)1, "project_id", (json_int_t)2);
  assert_int_equal(
      bs_envelope_new(BS_TOPIC_PREFILTER_DONE, "/x", NULL, NULL, data, &ev, err, sizeof(err)),
      BS_ERR_PERMANENT);
  assert_null(ev);
  assert_non_null(strstr(err, "data.experiment_id"));
  data = sample_data();
  assert_int_equal(
      bs_envelope_new(BS_TOPIC_DEAD_LETTER, "/x", NULL, NULL, data, &ev, err, sizeof(err)),
      BS_ERR_PERMANENT);
  data = sample_data();
  assert_int_equal(
      bs_envelope_new(BS_TOPIC_BMD_DONE, "/x", "not-a-uuid", NULL, data, &ev, err, sizeof(err)),
      BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "'id'"));
  data = sample_data();
  assert_int_equal(
      bs_envelope_new(BS_TOPIC_BMD_DONE, "/x", NULL, "yesterday", data, &ev, err, sizeof(err)),
      BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "'time'"));
  /* oversize: a 1 MB string in data */
  char *big = malloc(BS_ENVELOPE_MAX_BYTES + 1);
  memset(big, 'a', BS_ENVELOPE_MAX_BYTES);
  big[BS_ENVELOPE_MAX_BYTES] = '\0';
  data = sample_data();
  json_object_set_new(data, "blob", json_string(big));
  assert_int_equal(
      bs_envelope_new(BS_TOPIC_BMD_DONE, "/x", NULL, NULL, data, &ev, err, sizeof(err)),
      BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "exceeds"));
  free(big);
}

typedef struct mutation {
  const char *path;  /* "key" or "data.key" */
  const char *value; /* JSON text; NULL deletes */
  const char *error; /* expected substring of the error */
} mutation;

static const mutation mutations[] = {
    {"specversion", NULL, "'specversion' is missing"},
    {"specversion", "\"0.3\"", "'specversion' must be \"1.0\""},
    {"specversion", "1.0", "'specversion' must be a string, not a number"},
    {"id", NULL, "'id' is missing"},
    {"id", "5", "'id' must be a string, not an integer"},
    {"id", "\"\"", "'id' must not be empty"},
    {"id", "\"abc\"", "'id' must be a UUID"},
    {"type", NULL, "'type' is missing"},
    {"type", "\"bmdstream.unknown.v1\"", "'type' names an unknown event type"},
    {"type", "\"bmdstream.bmd-done.v2\"", "'type' names an unknown event type"},
    {"type", "\"bmdstream.dead-letter.v1\"", "'type' names an unknown event type"},
    {"type", "\"bmdstream.prefilter-done.v1\"", "'type' is \"bmdstream.prefilter-done.v1\" but"},
    {"source", NULL, "'source' is missing"},
    {"source", "[]", "'source' must be a string, not an array"},
    {"time", NULL, "'time' is missing"},
    {"time", "123", "'time' must be a string"},
    {"time", "\"2026-13-01T00:00:00Z\"", "'time' is not an RFC 3339"},
    {"time", "\"2026-02-29T00:00:00Z\"", "'time' is not an RFC 3339"},
    {"time", "\"2026-01-01 00:00:00Z\"", "'time' is not an RFC 3339"},
    {"time", "\"2026-01-01T00:00:00\"", "'time' is not an RFC 3339"},
    {"time", "\"2026-01-01T24:00:00Z\"", "'time' is not an RFC 3339"},
    {"time", "\"2026-01-01T00:00:00.Z\"", "'time' is not an RFC 3339"},
    {"time", "\"2026-01-01T00:00:00+0100\"", "'time' is not an RFC 3339"},
    {"subject", NULL, "'subject' is missing"},
    {"subject", "\"projects/12\"", "'subject' must be \"projects/{projectId}"},
    {"subject", "\"projects/012/experiments/345\"", "'subject' must be"},
    {"subject", "\"projects/12/experiments/345/x\"", "'subject' must be"},
    {"subject", "\"projects/12/experiments/346\"",
     "'subject' \"projects/12/experiments/346\" does "
     "not match"},
    {"subject", "\"projects/13/experiments/345\"", "does not match data.project_id=12"},
    {"datacontenttype", NULL, "'datacontenttype' is missing"},
    {"datacontenttype", "\"text/plain\"", "'datacontenttype' must be \"application/json\""},
    {"dataschema", "7", "'dataschema' must be a non-empty URI"},
    {"data", NULL, "'data' is missing"},
    {"data", "\"x\"", "'data' must be an object, not a string"},
    {"data", "null", "'data' must be an object, not null"},
    {"data.job_id", NULL, "'data.job_id' is missing"},
    {"data.job_id", "\"job-1\"", "'data.job_id' must be a UUID"},
    {"data.user_id", NULL, "'data.user_id' is missing"},
    {"data.user_id", "\"7\"", "'data.user_id' must be an integer, not a string"},
    {"data.project_id", "0", "'data.project_id' must be a positive id"},
    {"data.project_id", "1000000000000000000", "'data.project_id' must be a positive id below"},
    {"data.user_id", "1e300", "'data.user_id' must be an integer, not a number"},
    {"data.experiment_id", "3.5", "'data.experiment_id' must be an integer, not a number"},
    {"data_base64", "\"AA==\"", "'data_base64' is not accepted"},
    {"Foo_Bar", "1", "'Foo_Bar' is unknown"},
    {"averyveryverylongextension", "1", "is unknown"},
};

static void test_rejects_each_malformed_field(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
    const mutation *m = &mutations[i];
    json_t *root = json_loads(valid_event, 0, NULL);
    assert_non_null(root);
    json_t *obj = root;
    const char *key = m->path;
    if (strncmp(key, "data.", 5) == 0) {
      obj = json_object_get(root, "data");
      key += 5;
    }
    if (m->value)
      json_object_set_new(obj, key, json_loads(m->value, JSON_DECODE_ANY, NULL));
    else
      json_object_del(obj, key);
    char *text = json_dumps(root, JSON_COMPACT);
    char err[512] = "";
    bs_envelope env;
    bs_status st =
        bs_envelope_decode(text, strlen(text), BS_TOPIC_BMD_DONE, &env, err, sizeof(err));
    if (st != BS_ERR_PERMANENT || !strstr(err, m->error))
      fail_msg("mutation %zu (%s=%s): status %d, error \"%s\", wanted \"%s\"", i, m->path,
               m->value ? m->value : "<deleted>", (int)st, err, m->error);
    assert_null(env.root);
    free(text);
    json_decref(root);
  }
}

static void test_rejects_bad_documents(void **state) {
  (void)state;
  char err[512];
  bs_envelope env;
  const char *cases[][2] = {
      {"", "invalid JSON at line"},
      {"{\"specversion\": \"1.0\",\n  \"id\": }", "invalid JSON at line 2, column"},
      {"[1,2]", "must be a JSON object, not an array"},
      {"\"x\"", "invalid JSON"}, /* jansson refuses a bare string at top level */
      {"{\"specversion\":\"1.0\",\"specversion\":\"1.0\"}", "duplicate"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    bs_status st =
        bs_envelope_decode(cases[i][0], strlen(cases[i][0]), BS_TOPIC_ANY, &env, err, sizeof(err));
    if (st != BS_ERR_PERMANENT || !strstr(err, cases[i][1]))
      fail_msg("case %zu: status %d, error \"%s\", wanted \"%s\"", i, (int)st, err, cases[i][1]);
  }
  /* oversize is refused before parsing */
  size_t n = BS_ENVELOPE_MAX_BYTES + 1;
  char *big = malloc(n);
  memset(big, ' ', n);
  assert_int_equal(bs_envelope_decode(big, n, BS_TOPIC_ANY, &env, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "exceeds the limit"));
  free(big);
  /* 12.0 is an integer to JSON Schema, and to us */
  const char *real_ids =
      "{\"specversion\":\"1.0\",\"id\":\"0b6f1a52-3c1e-4a7e-9d2b-6c1f0e9a8b7c\","
      "\"type\":\"bmdstream.bmd-done.v1\",\"source\":\"/x\","
      "\"time\":\"2026-01-02T03:04:05Z\",\"subject\":\"projects/12/experiments/3\","
      "\"datacontenttype\":\"application/json\",\"data\":{\"job_id\":"
      "\"6f1c2b1e-0000-4000-8000-000000000001\",\"user_id\":7.0,"
      "\"project_id\":12.0,\"experiment_id\":3}}";
  assert_int_equal(
      bs_envelope_decode(real_ids, strlen(real_ids), BS_TOPIC_ANY, &env, err, sizeof(err)), BS_OK);
  assert_int_equal(env.project_id, 12);
  assert_true(json_is_integer(json_object_get(env.data, "project_id")));
  assert_int_equal(json_integer_value(json_object_get(env.data, "user_id")), 7);
  bs_envelope_clear(&env);
  /* the valid event is accepted for its topic and for any topic, and an
   * extension attribute is allowed */
  assert_int_equal(
      bs_envelope_decode(valid_event, strlen(valid_event), BS_TOPIC_ANY, &env, err, sizeof(err)),
      BS_OK);
  bs_envelope_clear(&env);
  json_t *root = json_loads(valid_event, 0, NULL);
  json_object_set_new(root, "traceparent", json_string("00-abc-def-01"));
  char *text = json_dumps(root, 0);
  assert_int_equal(
      bs_envelope_decode(text, strlen(text), BS_TOPIC_BMD_DONE, &env, err, sizeof(err)), BS_OK);
  bs_envelope_clear(&env);
  free(text);
  json_decref(root);
}

/* RFC 3339 parsing against glibc's timegm on a spread of dates, plus
 * offsets, fractions and leap days. */
static void test_rfc3339(void **state) {
  (void)state;
  int64_t ms;
  assert_int_equal(bs_rfc3339_parse("1970-01-01T00:00:00Z", &ms), 0);
  assert_int_equal(ms, 0);
  /* 2000-03-01T00:00:00Z is 951868800 s (the day after a leap day) */
  assert_int_equal(bs_rfc3339_parse("2000-02-29T23:00:00-01:00", &ms), 0);
  assert_int_equal(ms, INT64_C(951868800000));
  assert_int_equal(bs_rfc3339_parse("2000-03-01t01:30:00.25+01:30", &ms), 0);
  assert_int_equal(ms, INT64_C(951868800250));
  assert_int_equal(bs_rfc3339_parse("1900-02-29T00:00:00Z", &ms), -1);
  unsigned seed = 12345;
  for (int i = 0; i < 2000; i++) {
    seed = seed * 1103515245u + 12345u;
    time_t t = (time_t)(seed % 4102444800u); /* 1970..2100 */
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, i % 1000);
    assert_int_equal(bs_rfc3339_parse(buf, &ms), 0);
    assert_int_equal(ms, (int64_t)timegm(&tm) * 1000 + i % 1000);
    char out[32];
    bs_rfc3339_format(ms, out);
    assert_string_equal(out, buf);
  }
}

static void test_deterministic_ids(void **state) {
  (void)state;
  char a[37], b[37], c[37];
  /* Published example (Python uuid docs): uuid5(NAMESPACE_DNS, 'python.org') */
  assert_int_equal(bs_uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", 10, a), 0);
  assert_string_equal(a, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  assert_int_equal(bs_uuid_v5("nope", "x", 1, a), -1);
  bs_event_id(BS_TOPIC_BMD_DONE, "bmd_result=42", a);
  bs_event_id(BS_TOPIC_BMD_DONE, "bmd_result=42", b);
  assert_string_equal(a, b);
  assert_int_equal(a[14], '5');
  assert_true(strchr("89ab", a[19]) != NULL);
  bs_event_id(BS_TOPIC_BMD_DONE, "bmd_result=43", c);
  assert_string_not_equal(a, c);
  bs_event_id(BS_TOPIC_CATEGORY_DONE, "bmd_result=42", c);
  assert_string_not_equal(a, c);
  /* the documented derivation: uuid5(namespace, type + "\n" + key) */
  const char *name = "bmdstream.bmd-done.v1\nbmd_result=42";
  assert_int_equal(bs_uuid_v5(BS_EVENT_ID_NAMESPACE, name, strlen(name), c), 0);
  assert_string_equal(a, c);
  /* a re-emission with the derived id encodes and decodes */
  char err[256];
  json_t *ev = NULL;
  assert_int_equal(bs_envelope_new(BS_TOPIC_BMD_DONE, "/t", a, "2026-01-01T00:00:00Z",
                                   sample_data(), &ev, err, sizeof(err)),
                   BS_OK);
  assert_string_equal(json_string_value(json_object_get(ev, "id")), a);
  json_decref(ev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_encoder_refuses_bad_data),
      cmocka_unit_test(test_rejects_each_malformed_field),
      cmocka_unit_test(test_rejects_bad_documents),
      cmocka_unit_test(test_rfc3339),
      cmocka_unit_test(test_deterministic_ids),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
