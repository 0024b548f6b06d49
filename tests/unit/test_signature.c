/*
 * test_signature.c - canonical JSON (bs/jcs.h) on hand-worked values and
 * Ed25519 event signatures (bs/signature.h) without a database: a signed
 * envelope verifies; any changed member, a removed or malformed signature,
 * another key all fail; the key id of RFC 8032's first test key; key files
 * readable by others or not Ed25519 are refused. The byte-for-byte peer of
 * the canonical form is rfc8785 (tests/reference/test_jcs_rfc8785.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs/jcs.h"
#include "bs/signature.h"

/* Each expected text worked by hand from RFC 8785 §3.2: members sorted
 * ("a" < "b" < "c"), -0 written 0, 1e21 has 22 digits so it takes the
 * exponent form "1e+21", 1e-7 has n = -6 so also "1e-7", while 1e-6
 * (n = -5) is "0.000001"; 0x1f as \u001f, the tab as \t, é as UTF-8. */
static void test_jcs_by_hand(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"{\"c\":1,\"b\":[1e21,1e-7,1e-6,-0.0,0.05,12.0],\"a\":\"\\u001f\\t\\u00e9\"}",
       "{\"a\":\"\\u001f\\t\xc3\xa9\",\"b\":[1e+21,1e-7,0.000001,0,0.05,12],\"c\":1}"},
      {"[true,false,null,\"\\\"\\\\/\"]", "[true,false,null,\"\\\"\\\\/\"]"},
      {"{\"\\ue000\":1,\"\\ud83d\\ude00\":2}", /* UTF-16: D83D < E000 */
       "{\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}"},
      {"[123456789012345680000.0,5e-324,9007199254740991]",
       "[123456789012345680000,5e-324,9007199254740991]"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    json_t *v = json_loads(cases[i].in, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    char err[256];
    char *text = bs_jcs_dumps(v, NULL, err, sizeof(err));
    assert_non_null(text);
    assert_string_equal(text, cases[i].out);
    free(text);
    json_decref(v);
  }
  json_t *big = json_pack("[I]", (json_int_t)9007199254740992LL); /* 2^53 */
  char err[256];
  assert_null(bs_jcs_dumps(big, NULL, err, sizeof(err)));
  assert_non_null(strstr(err, "2^53"));
  json_decref(big);
}

/* RFC 8032 §7.1 TEST 1 public key as SubjectPublicKeyInfo; its key id is
 * SHA-256(d75a9801...511a)[0..16) = 21fe31df a154a261 626bf854 046fd227
 * (Python hashlib). */
static void test_key_id(void **state) {
  (void)state;
  const char *pem = "-----BEGIN PUBLIC KEY-----\n"
                    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                    "-----END PUBLIC KEY-----\n";
  char kid[BS_KEY_ID_SIZE], err[256];
  assert_int_equal(bs_signature_key_id(pem, kid, err, sizeof(err)), 0);
  assert_string_equal(kid, "21fe31dfa154a261626bf854046fd227");
  assert_int_not_equal(bs_signature_key_id("not a key", kid, err, sizeof(err)), 0);
}

static char key_path[64];

/* A new key pair; the private key in key_path with mode `mode`. */
static char *new_key(mode_t mode) {
  char *priv = NULL, *pub = NULL, err[256];
  assert_int_equal(bs_signature_generate(&priv, &pub, err, sizeof(err)), 0);
  snprintf(key_path, sizeof(key_path), "/tmp/bs-test-sig-XXXXXX");
  int fd = mkstemp(key_path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, priv, strlen(priv)), (ssize_t)strlen(priv));
  close(fd);
  chmod(key_path, mode);
  free(priv);
  return pub;
}

static json_t *sample_event(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:I, s:I, s:I, s:{s:f}}}",
                   "specversion", "1.0", "id", "0b6f1a52-3c1e-4a7e-9d2b-6c1f0e9a8b7c", "type",
                   "bmdstream.experiment-imported.v1", "source", "/tests", "time",
                   "2026-01-02T03:04:05.678Z", "subject", "projects/12/experiments/345",
                   "datacontenttype", "application/json", "data", "job_id",
                   "6f1c2b1e-0000-4000-8000-000000000001", "user_id", (json_int_t)7, "project_id",
                   (json_int_t)12, "experiment_id", (json_int_t)345, "parameters", "bmr", 1.349);
}

static void test_sign_and_verify(void **state) {
  (void)state;
  char err[512];
  char *pub = new_key(0600), *other_pub = NULL, *other_priv = NULL;
  bs_signer *signer = NULL;
  assert_int_equal(bs_signer_new(key_path, &signer, err, sizeof(err)), BS_OK);
  unlink(key_path);
  char kid[BS_KEY_ID_SIZE];
  assert_int_equal(bs_signature_key_id(pub, kid, err, sizeof(err)), 0);
  assert_string_equal(bs_signer_key_id(signer), kid);

  json_t *ev = sample_event();
  assert_int_equal(bs_signer_sign(signer, ev, err, sizeof(err)), BS_OK);
  assert_string_equal(json_string_value(json_object_get(ev, BS_KEY_ID_ATTR)), kid);
  assert_int_equal(strlen(json_string_value(json_object_get(ev, BS_SIGNATURE_ATTR))), 88);
  assert_int_equal(bs_signature_verify(ev, pub, err, sizeof(err)), 0);

  /* The same event with its members in another order, ids as 12.0: the
   * canonical form is the same, so it still verifies. */
  char *text = json_dumps(ev, JSON_COMPACT);
  json_t *again = json_loads(text, 0, NULL);
  json_object_set_new(json_object_get(again, "data"), "project_id", json_real(12.0));
  assert_int_equal(bs_signature_verify(again, pub, err, sizeof(err)), 0);
  free(text);

  /* Each change after signing breaks it. */
  static const char *const changes[] = {"data.project_id", "data.parameters.bmr", "source",
                                        "extension", "signature"};
  for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
    json_t *c = json_deep_copy(ev);
    json_t *data = json_object_get(c, "data");
    if (i == 0)
      json_object_set_new(data, "project_id", json_integer(13));
    else if (i == 1)
      json_object_set_new(json_object_get(data, "parameters"), "bmr", json_real(1.3490001));
    else if (i == 2)
      json_object_set_new(c, "source", json_string("/elsewhere"));
    else if (i == 3)
      json_object_set_new(c, "bsnote", json_string("added"));
    else /* one base64 digit changed (the 11th: six bits of data, none padding) */
    {
      char sig[89];
      snprintf(sig, sizeof(sig), "%s", json_string_value(json_object_get(c, BS_SIGNATURE_ATTR)));
      sig[10] = sig[10] == 'A' ? 'B' : 'A';
      json_object_set_new(c, BS_SIGNATURE_ATTR, json_string(sig));
    }
    assert_int_not_equal(bs_signature_verify(c, pub, err, sizeof(err)), 0);
    json_decref(c);
  }
  /* Malformed or missing signature. */
  json_t *c = json_deep_copy(ev);
  json_object_set_new(c, BS_SIGNATURE_ATTR, json_string("not base64!"));
  assert_int_not_equal(bs_signature_verify(c, pub, err, sizeof(err)), 0);
  assert_non_null(strstr(err, "not a base64 Ed25519 signature"));
  json_object_del(c, BS_SIGNATURE_ATTR);
  assert_int_not_equal(bs_signature_verify(c, pub, err, sizeof(err)), 0);
  json_decref(c);
  /* Another key. */
  assert_int_equal(bs_signature_generate(&other_priv, &other_pub, err, sizeof(err)), 0);
  assert_int_not_equal(bs_signature_verify(ev, other_pub, err, sizeof(err)), 0);
  assert_non_null(strstr(err, "does not verify"));

  json_decref(again);
  json_decref(ev);
  bs_signer_destroy(signer);
  free(pub);
  free(other_pub);
  free(other_priv);
}

static void test_key_files_refused(void **state) {
  (void)state;
  char err[512];
  bs_signer *signer = NULL;
  free(new_key(0644));
  assert_int_equal(bs_signer_new(key_path, &signer, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "readable by group or others"));
  assert_non_null(strstr(err, key_path));
  unlink(key_path);
  /* a public key where the private one belongs */
  char *pub = new_key(0600);
  FILE *f = fopen(key_path, "w");
  fputs(pub, f);
  fclose(f);
  assert_int_equal(bs_signer_new(key_path, &signer, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_non_null(strstr(err, "not a PEM private key"));
  unlink(key_path);
  free(pub);
  assert_int_equal(bs_signer_new("/nonexistent/k.pem", &signer, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_null(signer);
  bs_signer_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jcs_by_hand),
      cmocka_unit_test(test_key_id),
      cmocka_unit_test(test_sign_and_verify),
      cmocka_unit_test(test_key_files_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
