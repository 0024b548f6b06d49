/*
 * test_settings.c - the settings module (bs/settings.h): defaults filled
 * in, every kind of bad value refused with its path named, flags into
 * JSON (and the arguments that are not ours left in order), the dependent
 * default of the fold filter, the category type from the input files,
 * normalization idempotent and order-free (equal hashes), the core
 * options each setting becomes, and the enum orders the conversion
 * relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/fit.h"
#include "bs/settings.h"

static json_t *normalized(const char *text) {
  char err[512] = "";
  json_t *in = text ? json_loads(text, 0, NULL) : NULL, *out = NULL;
  bs_status st = bs_settings_normalize(in, &out, err, sizeof(err));
  json_decref(in);
  if (st != BS_OK)
    fail_msg("normalize %s: %s", text ? text : "NULL", err);
  return out;
}

/* The error normalizing text gives (static buffer). */
static const char *refusal(const char *text) {
  static char err[512];
  json_t *in = json_loads(text, 0, NULL), *out = NULL;
  assert_non_null(in);
  err[0] = '\0';
  assert_int_equal(bs_settings_normalize(in, &out, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_null(out);
  json_decref(in);
  return err;
}

static void test_defaults(void **state) {
  (void)state;
  json_t *s = normalized(NULL);
  assert_string_equal(json_string_value(bs_settings_get(s, "prefilter.method")), "anova");
  assert_true(json_number_value(bs_settings_get(s, "prefilter.p_cutoff")) == 0.05);
  assert_true(json_number_value(bs_settings_get(s, "prefilter.fold_filter")) == 2.0);
  assert_int_equal(json_integer_value(bs_settings_get(s, "prefilter.seed")), 23524);
  assert_int_equal(json_array_size(bs_settings_get(s, "bmd.models")), 7);
  assert_string_equal(json_string_value(bs_settings_get(s, "category.type")), "none");
  assert_true(json_is_null(bs_settings_get(s, "category.filters.r_squared_min")));
  assert_int_equal(json_integer_value(bs_settings_get(s, "plots.curves")), 10);
  assert_string_equal(json_string_value(bs_settings_get(s, "bmd.compat")), "bmds3");
  /* every table entry is present */
  for (size_t i = 0; i < bs_settings_table_count; i++)
    assert_non_null(bs_settings_get(s, bs_settings_table[i].path));
  json_decref(s);
}

static void test_refusals_name_the_path(void **state) {
  (void)state;
  assert_non_null(strstr(refusal("{\"prefilter\": {\"p_cutoff\": 2}}"),
                         "parameters.prefilter.p_cutoff: expected a number in (0, 1]"));
  assert_non_null(strstr(refusal("{\"prefilter\": {\"p_cutoff\": 0}}"), "got 0"));
  assert_non_null(strstr(refusal("{\"prefilter\": {\"fold_filter\": 0.5}}"),
                         "parameters.prefilter.fold_filter"));
  assert_non_null(strstr(refusal("{\"prefilter\": {\"method\": \"dunnett\"}}"),
                         "one of anova, williams, curvefit, none"));
  assert_non_null(strstr(refusal("{\"prefilter\": {\"colour\": 1}}"),
                         "parameters.prefilter.colour: unknown setting"));
  assert_non_null(
      strstr(refusal("{\"bmd\": {\"models\": [\"hill\", \"hill\"]}}"), "parameters.bmd.models"));
  assert_non_null(strstr(refusal("{\"bmd\": {\"models\": [\"poly9\"]}}"), "parameters.bmd.models"));
  assert_non_null(strstr(refusal("{\"bmd\": {\"restrict\": 1}}"),
                         "parameters.bmd.restrict: expected an object"));
  assert_non_null(
      strstr(refusal("{\"bmd\": {\"selection\": {\"flagged_hill\": 6}}}"), "an integer 1..5"));
  assert_non_null(strstr(refusal("{\"bmd\": {\"bmr\": \"1\"}}"), "parameters.bmd.bmr"));
  assert_non_null(
      strstr(refusal("{\"prefilter\": {\"notel_p\": null}}"), "parameters.prefilter.notel_p"));
  /* categories need the BMD step */
  assert_non_null(strstr(refusal("{\"last_step\": \"prefilter\", \"category\": {\"type\": "
                                 "\"gene\"}}"),
                         "need the BMD and category steps"));
  json_t *out = NULL;
  char err[256];
  json_t *array = json_array();
  assert_int_equal(bs_settings_normalize(array, &out, err, sizeof(err)), BS_ERR_PERMANENT);
  json_decref(array);
}

static void test_normalize_is_idempotent_and_order_free(void **state) {
  (void)state;
  json_t *a = normalized("{\"bmd\": {\"models\": [\"exp5\", \"hill\"], \"bmr\": 1}}");
  json_t *b = normalized("{\"bmd\": {\"bmr\": 1.0, \"models\": [\"hill\", \"exp5\"]}}");
  char ha[65], hb[65];
  assert_int_equal(bs_settings_hash(a, ha), 0);
  assert_int_equal(bs_settings_hash(b, hb), 0);
  assert_string_equal(ha, hb);
  /* models in model order */
  assert_string_equal(json_string_value(json_array_get(bs_settings_get(a, "bmd.models"), 0)),
                      "hill");
  char *text = json_dumps(a, JSON_COMPACT);
  json_t *again = normalized(text);
  assert_true(json_equal(a, again));
  free(text);
  json_decref(a);
  json_decref(b);
  json_decref(again);
}

static void test_fold_filter_default_depends_on_method(void **state) {
  (void)state;
  json_t *s = normalized("{\"prefilter\": {\"method\": \"none\"}}");
  assert_true(json_is_null(bs_settings_get(s, "prefilter.fold_filter")));
  json_decref(s);
  s = normalized("{\"prefilter\": {\"method\": \"none\", \"fold_filter\": 1.5}}");
  assert_true(json_number_value(bs_settings_get(s, "prefilter.fold_filter")) == 1.5);
  json_decref(s);
}

static void test_flags(void **state) {
  (void)state;
  char *argv[] = {"prog",      "--matrix", "m.txt",           "--p-cutoff",
                  "none",      "--mtc",    "--fold-filter=0", "--models",
                  "exp5,hill", "--log",    "base10",          "--keep-controls",
                  "--out",     "dir",      "--no-bmd",        NULL};
  int argc = 15;
  json_t *sparse = json_object();
  char err[256];
  assert_int_equal(bs_settings_take_flags(sparse, BS_SECTION_ALL, &argc, argv, err, sizeof(err)),
                   0);
  /* what is not ours stays, in order */
  assert_int_equal(argc, 5);
  assert_string_equal(argv[1], "--matrix");
  assert_string_equal(argv[2], "m.txt");
  assert_string_equal(argv[3], "--out");
  assert_string_equal(argv[4], "dir");
  assert_true(json_is_null(bs_settings_get(sparse, "prefilter.p_cutoff")));
  assert_true(json_is_null(bs_settings_get(sparse, "prefilter.fold_filter")));
  assert_string_equal(json_string_value(bs_settings_get(sparse, "prefilter.mtc")), "bh");
  assert_string_equal(json_string_value(bs_settings_get(sparse, "prefilter.log_base")), "10");
  assert_true(json_is_false(bs_settings_get(sparse, "prefilter.filter_controls")));
  assert_string_equal(json_string_value(bs_settings_get(sparse, "last_step")), "prefilter");
  json_decref(sparse);

  /* bad values name the flag */
  char *bad[] = {"prog", "--p-cutoff", "2", NULL};
  argc = 3;
  sparse = json_object();
  assert_int_equal(bs_settings_take_flags(sparse, BS_SECTION_ALL, &argc, bad, err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "--p-cutoff: expected a number in (0, 1]"));
  char *missing[] = {"prog", "--bmr", NULL};
  argc = 2;
  assert_int_equal(bs_settings_take_flags(sparse, BS_SECTION_ALL, &argc, missing, err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "--bmr: missing value"));
  /* a section not taken leaves the flag alone */
  char *other[] = {"prog", "--bmr", "2", NULL};
  argc = 3;
  assert_int_equal(
      bs_settings_take_flags(sparse, BS_SECTION_CATEGORY, &argc, other, err, sizeof(err)), 0);
  assert_int_equal(argc, 3);
  json_decref(sparse);
}

static void test_resolve_category_type(void **state) {
  (void)state;
  char err[256];
  json_t *out = NULL;
  bs_analysis_inputs none = {0}, pm = {"p.txt", NULL, NULL}, def = {"p.txt", "c.txt", NULL},
                     gmt = {"p.txt", NULL, "g.gmt"}, lone = {NULL, "c.txt", NULL};
  struct {
    const bs_analysis_inputs *in;
    const char *type;
  } cases[] = {{&none, "none"}, {&pm, "gene"}, {&def, "defined"}, {&gmt, "gmt"}};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(bs_settings_resolve(NULL, cases[i].in, &out, err, sizeof(err)), 0);
    assert_string_equal(json_string_value(bs_settings_get(out, "category.type")), cases[i].type);
    json_decref(out);
  }
  assert_int_equal(bs_settings_resolve(NULL, &lone, &out, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "needs a probe map"));
  json_t *gene = json_pack("{s:{s:s}}", "category", "type", "gene");
  assert_int_equal(bs_settings_resolve(gene, &none, &out, err, sizeof(err)), 0); /* identity */
  json_decref(out);
  assert_int_equal(bs_settings_resolve(gene, &def, &out, err, sizeof(err)), -1);
  json_decref(gene);
}

static void test_options(void **state) {
  (void)state;
  json_t *s = normalized(
      "{\"prefilter\": {\"method\": \"williams\", \"p_cutoff\": null, \"mtc\": \"bh\","
      " \"fold_filter\": 1.5, \"permutations\": 100, \"seed\": 7, \"log_base\": \"10\"},"
      " \"bmd\": {\"models\": [\"hill\", \"exp3\"], \"variance\": \"nonconstant\","
      " \"bmr_type\": \"rel\", \"bmr\": 0.1, \"confidence_level\": 0.9, \"limits\": \"wald\","
      " \"compat\": \"bmds2\", \"poly\": {\"fit\": \"bmdexpress2\", \"poly2_bmr\": 1.5},"
      " \"restrict\": {\"power\": false, \"hill\": true},"
      " \"selection\": {\"poly_test\": \"lowest_aic\", \"limit_use\": 3, \"flagged_hill\": 4}},"
      " \"category\": {\"type\": \"gmt\", \"filters\": {\"fit_p_min\": null,"
      " \"r_squared_min\": 0.6, \"remove_direction\": \"down\", \"min_genes_in_set\": 5}},"
      " \"tpod\": {\"rank\": 20}, \"plots\": {\"curves\": 0}}");
  bs_settings o;
  char err[256];
  assert_int_equal(bs_settings_options(s, &o, err, sizeof(err)), BS_OK);
  assert_string_equal(o.method->name, "williams");
  assert_int_equal(o.test.permutations, 100);
  assert_int_equal(o.test.seed, 7);
  assert_true(o.prefilter.p_cutoff >= 9999);
  assert_true(o.prefilter.use_adjusted);
  assert_true(o.prefilter.fold_threshold == 1.5);
  assert_int_equal(o.log_base, BMD_LOG_BASE10);
  assert_int_equal(o.bmd.fit.log_base, BMD_LOG_BASE10);
  assert_int_equal(o.bmd.model_mask, (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_EXP3));
  assert_int_equal(o.bmd.fit.variance, BMD_VARIANCE_NONCONSTANT);
  assert_int_equal(o.bmd.fit.bmr_type, BMD_BMR_REL);
  assert_true(fabs(o.bmd.fit.alpha - 0.1) < 1e-15);
  assert_int_equal(o.bmd.fit.poly_fit, BMD_POLY_FIT_BMDX2);
  assert_int_equal(o.bmd.fit.compat, BMD_COMPAT_BMDS2);
  assert_false(o.bmd.fit.poly2_monotone);
  assert_true(o.bmd.fit.poly2_bmr == 1.5);
  assert_false(o.bmd.fit.compute_limits); /* limit use 3: do not compute */
  assert_int_equal(o.bmd.fit.limit_method, BMD_LIMITS_WALD);
  assert_int_equal(o.bmd.fit.power_restricted, 0);
  assert_int_equal(o.bmd.select.poly_test, BMD_POLY_LOWEST_AIC);
  assert_int_equal(o.bmd.select.limit_use, BMD_USE_NO_LIMITS);
  assert_int_equal(o.bmd.select.flagged_hill, 4);
  assert_int_equal(o.category_type, BS_CATEGORY_GMT);
  assert_false(o.category.filter_on[BMD_CAT_FILTER_FIT_P]);
  assert_true(o.category.filter_on[BMD_CAT_FILTER_R_SQUARED]);
  assert_true(o.category.r_squared_min == 0.6);
  assert_true(o.category.filter_on[BMD_CAT_FILTER_DIRECTION]);
  assert_int_equal(o.category.remove_direction, -1);
  assert_true(o.category.min_genes_on);
  assert_int_equal(o.category.min_genes, 5);
  assert_false(o.category.max_genes_on);
  assert_int_equal(o.tpod.rank, 20);
  assert_int_equal(o.curve_plots, 0);
  assert_int_equal(o.plot_category_min_genes, 3);
  json_decref(s);
}

/* The conversion reads choices by index: the enums must keep their order. */
static void test_choice_orders_match_enums(void **state) {
  (void)state;
  const bs_setting *v = bs_setting_find("bmd.variance"), *b = bs_setting_find("bmd.bmr_type"),
                   *t = bs_setting_find("category.type"), *l = bs_setting_find("last_step"),
                   *p = bs_setting_find("bmd.selection.poly_test"),
                   *c = bs_setting_find("bmd.compat");
  assert_string_equal(v->choices[BMD_VARIANCE_NONCONSTANT], "nonconstant");
  assert_string_equal(b->choices[BMD_BMR_ABS], "abs");
  assert_string_equal(t->choices[BS_CATEGORY_DEFINED], "defined");
  assert_string_equal(t->choices[BS_CATEGORY_GMT], "gmt");
  assert_string_equal(l->choices[BS_STEP_BMD], "bmd");
  assert_string_equal(p->choices[BMD_POLY_LOWEST_AIC], "lowest_aic");
  assert_string_equal(c->choices[BMD_COMPAT_BMDS3], "bmds3");
  assert_string_equal(c->choices[BMD_COMPAT_BMDS2], "bmds2");
  for (int base = BMD_LOG_NONE; base <= BMD_LOG_NATURAL; base++)
    assert_int_equal(bs_settings_log_base_parse(bs_settings_log_base_name((bmd_log_base)base)),
                     base);
  /* every flag is unique and every flag's setting is found by it */
  for (size_t i = 0; i < bs_settings_table_count; i++)
    if (bs_settings_table[i].flag)
      assert_ptr_equal(bs_setting_find_flag(bs_settings_table[i].flag), &bs_settings_table[i]);
}

static void test_assign(void **state) {
  (void)state;
  json_t *s = normalized(NULL);
  char err[256];
  assert_int_equal(bs_settings_assign(s, "bmd.bmr=1.349", err, sizeof(err)), 0);
  assert_true(json_number_value(bs_settings_get(s, "bmd.bmr")) == 1.349);
  assert_int_equal(bs_settings_assign(s, "bmd.colour=1", err, sizeof(err)), -1);
  assert_non_null(strstr(err, "bmd.colour: unknown setting"));
  assert_int_equal(bs_settings_assign(s, "bmd.bmr=-1", err, sizeof(err)), -1);
  assert_true(json_number_value(bs_settings_get(s, "bmd.bmr")) == 1.349); /* unchanged */
  json_decref(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_refusals_name_the_path),
      cmocka_unit_test(test_normalize_is_idempotent_and_order_free),
      cmocka_unit_test(test_fold_filter_default_depends_on_method),
      cmocka_unit_test(test_flags),
      cmocka_unit_test(test_resolve_category_type),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_choice_orders_match_enums),
      cmocka_unit_test(test_assign),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
