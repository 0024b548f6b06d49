/*
 * test_bmdx_plan.c - a curve-fit prefilter with an inputCategory in the
 * plan of an analyze config (bs/bmdx_plan.h, AnalyzeRunner.doPrefilter):
 * it takes the results of that prefilter made before it, the run is then
 * data set > prefilter > curve fit, and its name is the data set's. The
 * expected runs and skips are worked out in each test's comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bmdx_config.h"
#include "bs/bmdx_plan.h"
#include "bs/settings_bmdx.h" /* BS_BMDX_NONE */

#define EXPR BS_TEST_DATA "/bmdexpress/example data 1.txt"
#define MODELS "\"modelConfigs\": [{\"@type\": \"hill\"}]"

/* The plan of a config whose preFilterConfigs are `prefilters` (JSON
 * array body) on example data 1; *cfg new. */
static bs_bmdx_plan *plan_of(const char *prefilters, bs_bmdx_config **cfg) {
  char path[] = "/tmp/bs_bmdx_plan_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fprintf(f,
          "{\"expressionDataConfigs\": [{\"inputFileName\": \"%s\"}], \"preFilterConfigs\": [%s]}",
          EXPR, prefilters);
  fclose(f);
  char err[1024];
  *cfg = bs_bmdx_config_read(path, err, sizeof err);
  remove(path);
  if (!*cfg)
    fail_msg("%s", err);
  bs_bmdx_plan *p = bs_bmdx_plan_make(*cfg, err, sizeof err);
  if (!p)
    fail_msg("%s", err);
  return p;
}

/*
 * [williams, curvefit on williams]: the Williams result is continued by
 * the curve fit, so one run, example data 1 > its Williams result > its
 * curve fit, named after the data set; prefilter 1 taking prefilter 0.
 */
static void test_chained(void **state) {
  (void)state;
  bs_bmdx_config *cfg;
  bs_bmdx_plan *p = plan_of("{\"@type\": \"williams\", \"useFoldChange\": false},"
                            "{\"@type\": \"curvefit\", \"inputCategory\": \"Williams\","
                            " \"useFoldChange\": false, " MODELS "}",
                            &cfg);
  assert_int_equal(p->n_runs, 1);
  assert_int_equal(p->n_skips, 0);
  assert_string_equal(p->runs[0].name, "example data 1_curvefitprefilter_nofoldfilter");
  assert_string_equal(p->runs[0].chain, "example data 1 > example data 1_williams_0.05_NOMTC_"
                                        "nofoldfilter > example data 1_curvefitprefilter_"
                                        "nofoldfilter");
  assert_int_equal(p->runs[0].prefilter, 1);
  assert_int_equal(p->runs[0].input_prefilter, 0);
  bs_bmdx_plan_destroy(p);
  bs_bmdx_config_destroy(cfg);
}

/*
 * [curvefit on williams, williams, oriogen, curvefit on oriogen,
 *  curvefit on expression]: BMDExpress runs the sections in order, so the
 * first curve fit finds no Williams result (a skip without a name); the
 * Williams result is a run of its own; ORIOGEN is not supported, and the
 * curve fit on it is skipped for its input; the last curve fit takes the
 * data set (input_prefilter none) and is made unique by "_1".
 */
static void test_order_and_skips(void **state) {
  (void)state;
  bs_bmdx_config *cfg;
  bs_bmdx_plan *p =
      plan_of("{\"@type\": \"curvefit\", \"inputCategory\": \"williams\", " MODELS "},"
              "{\"@type\": \"williams\"},"
              "{\"@type\": \"oriogen\"},"
              "{\"@type\": \"curvefit\", \"inputCategory\": \"oriogen\", " MODELS "},"
              "{\"@type\": \"curvefit\", \"inputCategory\": \"expression\", " MODELS "}",
              &cfg);
  assert_int_equal(p->n_runs, 2);
  assert_string_equal(p->runs[0].name, "example data 1_williams_0.05_NOMTC_foldfilter2.0");
  assert_int_equal(p->runs[0].input_prefilter, BS_BMDX_NONE);
  assert_string_equal(p->runs[1].name, "example data 1_curvefitprefilter_foldfilter2.0_1");
  assert_string_equal(p->runs[1].chain,
                      "example data 1 > example data 1_curvefitprefilter_foldfilter2.0_1");
  assert_int_equal(p->runs[1].input_prefilter, BS_BMDX_NONE);
  assert_int_equal(p->n_skips, 3);
  assert_string_equal(p->skips[0].section, "preFilterConfigs[0]");
  assert_string_equal(p->skips[0].reason, "matches no result (inputCategory williams)");
  assert_string_equal(p->skips[1].section, "preFilterConfigs[2]");
  assert_string_equal(p->skips[2].name, "example data 1_curvefitprefilter_foldfilter2.0");
  assert_string_equal(p->skips[2].section, "preFilterConfigs[3]");
  assert_non_null(strstr(p->skips[2].reason, "its input example data 1_oriogen_"));
  bs_bmdx_plan_destroy(p);
  bs_bmdx_config_destroy(cfg);
}

/* An inputCategory BMDExpress's doPrefilter does not know is the
 * config's error, naming the field. */
static void test_unknown_category(void **state) {
  (void)state;
  char path[] = "/tmp/bs_bmdx_plan_XXXXXX", err[1024];
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fprintf(f,
          "{\"expressionDataConfigs\": [{\"inputFileName\": \"%s\"}], \"preFilterConfigs\": "
          "[{\"@type\": \"curvefit\", \"inputCategory\": \"curvefit_prefilter\", " MODELS "}]}",
          EXPR);
  fclose(f);
  bs_bmdx_config *cfg = bs_bmdx_config_read(path, err, sizeof err);
  remove(path);
  assert_null(cfg);
  assert_non_null(strstr(err, "preFilterConfigs[0].inputCategory: unknown \"curvefit_prefilter\""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chained),
      cmocka_unit_test(test_order_and_skips),
      cmocka_unit_test(test_unknown_category),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
