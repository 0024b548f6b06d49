/*
 * test_config.c - layering default -> file -> env -> flags, kafka.*
 * pass-through, and errors that name the file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/config.h"

static const bs_config_param params[] = {
    {"database_url", BS_CFG_STRING, "default-url", "db", 1},
    {"threads", BS_CFG_INT, "1", "threads", 0},
    {"p_cutoff", BS_CFG_DOUBLE, "0.05", "p", 0},
    {"verbose", BS_CFG_BOOL, "false", "verbose", 0},
};

static bs_config *make(void) {
  const bs_config_param *tables[] = {params};
  size_t counts[] = {sizeof(params) / sizeof(params[0])};
  return bs_config_new(tables, counts, 1);
}

static char *write_temp(const char *text) {
  static char path[64];
  snprintf(path, sizeof(path), "/tmp/bs-config-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void test_layers_override_in_order(void **state) {
  (void)state;
  char err[256];
  bs_config *cfg = make();
  assert_string_equal(bs_config_get(cfg, "database_url"), "default-url");
  assert_string_equal(bs_config_source(cfg, "database_url"), "default");

  char *path = write_temp("# comment\n database_url = from-file \nthreads=3\n"
                          "kafka.security.protocol = SASL_SSL\n");
  assert_int_equal(bs_config_load_file(cfg, path, err, sizeof(err)), 0);
  unlink(path);
  assert_string_equal(bs_config_get(cfg, "database_url"), "from-file");
  assert_int_equal(bs_config_get_int(cfg, "threads"), 3);

  char *env[] = {"BMDSTREAM_THREADS=5", "BMDSTREAM_RDKAFKA_SASL_MECHANISM=PLAIN", "OTHER=1",
                 "BMDSTREAM_UNKNOWN_KEY=ignored", NULL};
  assert_int_equal(bs_config_load_env(cfg, env, err, sizeof(err)), 0);
  assert_int_equal(bs_config_get_int(cfg, "threads"), 5);
  assert_string_equal(bs_config_source(cfg, "threads"), "env");
  assert_string_equal(bs_config_get(cfg, "database_url"), "from-file");

  char *argv[] = {"prog",      "--threads=7", "input.txt",   "--p-cutoff", "0.01",
                  "--verbose", "-X",          "linger.ms=5", NULL};
  int argc = 8;
  assert_int_equal(bs_config_load_args(cfg, &argc, argv, err, sizeof(err)), 0);
  assert_int_equal(argc, 2);
  assert_string_equal(argv[1], "input.txt");
  assert_int_equal(bs_config_get_int(cfg, "threads"), 7);
  assert_true(bs_config_get_double(cfg, "p_cutoff") == 0.01);
  assert_true(bs_config_get_bool(cfg, "verbose"));
  assert_string_equal(bs_config_source(cfg, "threads"), "flag");

  assert_int_equal(bs_config_kafka_count(cfg), 3);
  const char *k, *v;
  bs_config_kafka_get(cfg, 0, &k, &v);
  assert_string_equal(k, "security.protocol");
  assert_string_equal(v, "SASL_SSL");
  bs_config_kafka_get(cfg, 1, &k, &v);
  assert_string_equal(k, "sasl.mechanism");
  bs_config_kafka_get(cfg, 2, &k, &v);
  assert_string_equal(k, "linger.ms");
  assert_string_equal(v, "5");
  bs_config_destroy(cfg);
}

static void test_errors_name_the_place(void **state) {
  (void)state;
  char err[256];
  bs_config *cfg = make();
  char *path = write_temp("threads = 2\n\nthreads = many\n");
  assert_int_not_equal(bs_config_load_file(cfg, path, err, sizeof(err)), 0);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, ":3:"));
  assert_non_null(strstr(err, "not an integer"));
  unlink(path);

  path = write_temp("no equals sign here\n");
  assert_int_not_equal(bs_config_load_file(cfg, path, err, sizeof(err)), 0);
  assert_non_null(strstr(err, ":1:"));
  unlink(path);

  path = write_temp("unknown_key = 1\n");
  assert_int_not_equal(bs_config_load_file(cfg, path, err, sizeof(err)), 0);
  assert_non_null(strstr(err, "unknown setting 'unknown_key'"));
  unlink(path);

  char *env[] = {"BMDSTREAM_P_CUTOFF=nan", NULL};
  assert_int_not_equal(bs_config_load_env(cfg, env, err, sizeof(err)), 0);
  assert_non_null(strstr(err, "BMDSTREAM_P_CUTOFF"));

  char *argv[] = {"prog", "--verbose=perhaps", NULL};
  int argc = 2;
  assert_int_not_equal(bs_config_load_args(cfg, &argc, argv, err, sizeof(err)), 0);
  assert_non_null(strstr(err, "verbose"));

  assert_int_not_equal(bs_config_load_file(cfg, "/nonexistent/bmdstream.conf", err, sizeof(err)),
                       0);
  assert_non_null(strstr(err, "/nonexistent/bmdstream.conf"));
  bs_config_destroy(cfg);
  bs_config_destroy(NULL);
}

static void test_config_flag_file_loads_before_flags(void **state) {
  (void)state;
  char err[256];
  bs_config *cfg = make();
  char *path = write_temp("threads = 4\np_cutoff = 0.2\n");
  char *argv[] = {"prog", "--threads", "9", "--config", path, NULL};
  int argc = 5;
  assert_int_equal(bs_config_load_args(cfg, &argc, argv, err, sizeof(err)), 0);
  unlink(path);
  assert_int_equal(argc, 1);
  assert_int_equal(bs_config_get_int(cfg, "threads"), 9);
  assert_true(bs_config_get_double(cfg, "p_cutoff") == 0.2);
  bs_config_destroy(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layers_override_in_order),
      cmocka_unit_test(test_errors_name_the_place),
      cmocka_unit_test(test_config_flag_file_loads_before_flags),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
