/*
 * test_instance.c - instance numbers and group.instance.ids (bs/instance.h):
 * "auto" takes the lowest number no live holder has, an explicit number a
 * live process holds is refused naming it, a released or killed holder's
 * number is free again (a killed one a moment ago is waited for), the id
 * is <program>-<host>-<number> in Kafka's characters, "none" is a dynamic
 * member, and bad settings are refused naming the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs/instance.h"

static char dir[] = "/tmp/bs-test-instance-XXXXXX";
static const char *const cluster = "127.0.0.1:9092";

static int make_dir(void **state) {
  (void)state;
  return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static bs_instance *claim(const char *setting, const char *group, bs_status want, char *err,
                          size_t size) {
  bs_instance *inst = NULL;
  bs_status st = bs_instance_claim(setting, "bmdstream-bmd", group, cluster, dir, &inst, err, size);
  assert_int_equal(st, want);
  if (want == BS_OK)
    assert_non_null(inst);
  else
    assert_null(inst);
  return inst;
}

/* The host name as Kafka allows it in an id, written out here: letters,
 * digits, '.', '_' and '-', anything else '_'. */
static void expected_id(int n, char *buf, size_t size) {
  char host[64] = "";
  assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
  for (char *c = host; *c; c++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *c))
      *c = '_';
  snprintf(buf, size, "bmdstream-bmd-%s-%d", host, n);
}

static void test_auto_takes_the_lowest_free(void **state) {
  (void)state;
  char err[512], id[128];
  bs_instance *a = claim("auto", "g1", BS_OK, err, sizeof(err));
  bs_instance *b = claim(NULL, "g1", BS_OK, err, sizeof(err)); /* unset: auto */
  assert_int_equal(bs_instance_number(a), 0);
  assert_int_equal(bs_instance_number(b), 1);
  expected_id(0, id, sizeof(id));
  assert_string_equal(bs_instance_id(a), id);
  expected_id(1, id, sizeof(id));
  assert_string_equal(bs_instance_id(b), id);
  /* Another group, or the same name on another cluster, has its own numbers. */
  bs_instance *other = claim("auto", "g2", BS_OK, err, sizeof(err));
  assert_int_equal(bs_instance_number(other), 0);
  bs_instance *far = NULL;
  assert_int_equal(bs_instance_claim("auto", "bmdstream-bmd", "g1", "10.0.0.1:9092", dir, &far, err,
                                     sizeof(err)),
                   BS_OK);
  assert_int_equal(bs_instance_number(far), 0);
  /* Released: the number is free again, and taken first. */
  bs_instance_destroy(a);
  a = claim("auto", "g1", BS_OK, err, sizeof(err));
  assert_int_equal(bs_instance_number(a), 0);
  bs_instance_destroy(a);
  bs_instance_destroy(b);
  bs_instance_destroy(other);
  bs_instance_destroy(far);
  bs_instance_destroy(NULL);
}

static void test_explicit_number_held_is_refused(void **state) {
  (void)state;
  char err[512], want[64];
  bs_instance *a = claim("3", "g3", BS_OK, err, sizeof(err));
  assert_int_equal(bs_instance_number(a), 3);
  claim("3", "g3", BS_ERR_PERMANENT, err, sizeof(err));
  snprintf(want, sizeof(want), "held by a live process (pid %ld)", (long)getpid());
  assert_non_null(strstr(err, "instance 3 of group g3"));
  assert_non_null(strstr(err, want));
  /* auto passes over a held number */
  bs_instance *b = claim("auto", "g3", BS_OK, err, sizeof(err));
  assert_int_equal(bs_instance_number(b), 0);
  bs_instance_destroy(a);
  a = claim("3", "g3", BS_OK, err, sizeof(err));
  bs_instance_destroy(a);
  bs_instance_destroy(b);
}

/* A holder SIGKILLed a moment ago: its number is taken once it is gone,
 * without an error. */
static void test_killed_holder_is_waited_for(void **state) {
  (void)state;
  char err[512];
  for (int round = 0; round < 5; round++) {
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
      bs_instance *inst = NULL;
      char cerr[256];
      char ok = bs_instance_claim("7", "bmdstream-bmd", "g4", cluster, dir, &inst, cerr,
                                  sizeof(cerr)) == BS_OK
                    ? 'y'
                    : 'n';
      if (write(ready[1], &ok, 1) != 1)
        _exit(2);
      pause();
      _exit(0);
    }
    close(ready[1]);
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    assert_int_equal(ok, 'y');
    assert_int_equal(kill(child, SIGKILL), 0);
    bs_instance *inst = claim("7", "g4", BS_OK, err, sizeof(err));
    assert_int_equal(bs_instance_number(inst), 7);
    bs_instance_destroy(inst);
    assert_int_equal(waitpid(child, NULL, 0), child);
  }
}

static void test_none_and_bad_settings(void **state) {
  (void)state;
  char err[512];
  bs_instance *none = claim("none", "g5", BS_OK, err, sizeof(err));
  assert_null(bs_instance_id(none));
  assert_int_equal(bs_instance_number(none), -1);
  bs_instance_destroy(none);
  static const char *const bad[] = {"x1", "-1", "+2", "10000", "1e3", "3 ", "automatic"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    claim(bad[i], "g5", BS_ERR_PERMANENT, err, sizeof(err));
    assert_non_null(strstr(err, bad[i]));
    assert_non_null(strstr(err, "auto, none or an instance number 0-9999"));
  }
  bs_instance *inst = claim("9999", "g5", BS_OK, err, sizeof(err));
  bs_instance_destroy(inst);
  /* A lock directory that is not there: named, and retried by a stage. */
  bs_instance *missing = NULL;
  assert_int_equal(bs_instance_claim("auto", "bmdstream-bmd", "g5", cluster, "/nonexistent/dir",
                                     &missing, err, sizeof(err)),
                   BS_ERR_RETRIABLE);
  assert_null(missing);
  assert_non_null(strstr(err, "/nonexistent/dir"));
}

static void test_group_names_are_made_safe(void **state) {
  (void)state;
  char err[512];
  bs_instance *a = claim("auto", "a/../b c", BS_OK, err, sizeof(err));
  bs_instance *b = claim("auto", "a/../b c", BS_OK, err, sizeof(err));
  assert_int_equal(bs_instance_number(a), 0);
  assert_int_equal(bs_instance_number(b), 1);
  bs_instance_destroy(a);
  bs_instance_destroy(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_auto_takes_the_lowest_free),
      cmocka_unit_test(test_explicit_number_held_is_refused),
      cmocka_unit_test(test_killed_holder_is_waited_for),
      cmocka_unit_test(test_none_and_bad_settings),
      cmocka_unit_test(test_group_names_are_made_safe),
  };
  return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
