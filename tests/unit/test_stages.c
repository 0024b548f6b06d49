/*
 * test_stages.c - the stage table (bs/stages.h): the stages chain topic to
 * topic, their progress shares tile 0..1, every message format takes one
 * count, and the look-ups, messages and export prefixes the runtime and
 * the tracker use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bs/jobs.h"
#include "bs/stages.h"

static void test_rows_chain_and_tile(void **state) {
  (void)state;
  assert_true(bs_stage_infos_count >= 2);
  const bs_stage_info *first = &bs_stage_infos[0];
  assert_int_equal(first->input, -1);
  assert_true(first->progress_from == 0);
  for (size_t i = 0; i < bs_stage_infos_count; i++) {
    const bs_stage_info *r = &bs_stage_infos[i];
    int last = i + 1 == bs_stage_infos_count;
    if (i > 0) {
      const bs_stage_info *prev = &bs_stage_infos[i - 1];
      assert_int_equal(r->input, (int)prev->output);
      assert_true(r->progress_from == prev->progress_to);
    }
    assert_true(r->progress_from <= r->progress_to);
    assert_true(bs_job_status_parse(r->status) >= 0);
    assert_int_equal(strcmp(r->status, "COMPLETED") == 0, last);
    if (last)
      assert_true(r->progress_to == 1.0);
    /* one count, and no other conversion */
    const char *conv = strchr(r->done, '%');
    assert_non_null(conv);
    assert_int_equal(strncmp(conv, "%lld", 4), 0);
    assert_null(strchr(conv + 1, '%'));
    assert_non_null(r->started);
    assert_non_null(r->done_count);
  }
}

static void test_lookups(void **state) {
  (void)state;
  const bs_stage_info *bmd = bs_stage_info_find("bmd");
  assert_non_null(bmd);
  assert_int_equal(bmd->input, BS_TOPIC_PREFILTER_DONE);
  assert_int_equal(bmd->output, BS_TOPIC_BMD_DONE);
  assert_true(bmd->progress_from == 0.15 && bmd->progress_to == 0.85);
  assert_ptr_equal(bs_stage_info_of_output(BS_TOPIC_BMD_DONE), bmd);
  assert_string_equal(bs_stage_info_of_output(BS_TOPIC_EXPERIMENT_IMPORTED)->name, "import");
  assert_null(bs_stage_info_of_output(BS_TOPIC_JOB_EVENTS));
  assert_null(bs_stage_info_find("tracker"));
  assert_null(bs_stage_info_find(NULL));
}

static void test_export_prefix(void **state) {
  (void)state;
  char buf[128];
  /* every stage after the import exports its own result, named in its output */
  const char *keys[] = {NULL, "prefilter_result_id", "bmd_result_id", "category_result_id"};
  assert_int_equal(bs_stage_infos_count, sizeof(keys) / sizeof(keys[0]));
  for (size_t i = 0; i < bs_stage_infos_count; i++) {
    if (!keys[i])
      assert_null(bs_stage_infos[i].export_key);
    else
      assert_string_equal(bs_stage_infos[i].export_key, keys[i]);
  }
  assert_int_equal(bs_stage_export_prefix(bs_stage_info_find("category"), 7, 12, buf, sizeof(buf)),
                   0);
  assert_string_equal(buf, "projects/7/exports/category/12");
  /* the largest ids fit in 128 bytes; a short buffer is refused */
  assert_int_equal(bs_stage_export_prefix(bs_stage_info_find("prefilter"), INT64_MAX, INT64_MAX,
                                          buf, sizeof(buf)),
                   0);
  assert_string_equal(buf, "projects/9223372036854775807/exports/prefilter/9223372036854775807");
  assert_int_equal(bs_stage_export_prefix(bs_stage_info_find("bmd"), 7, 12, buf, 20), -1);
}

static void test_done_message(void **state) {
  (void)state;
  char buf[128];
  json_t *data = json_pack("{s:i}", "num_categories", 7);
  bs_stage_info_done_message(bs_stage_info_find("category"), data, buf, sizeof(buf));
  assert_string_equal(buf, "completed: 7 categories");
  /* a missing count reads 0 */
  bs_stage_info_done_message(bs_stage_info_find("prefilter"), data, buf, sizeof(buf));
  assert_string_equal(buf, "prefilter done: 0 probes passed");
  json_decref(data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_chain_and_tile),
      cmocka_unit_test(test_lookups),
      cmocka_unit_test(test_export_prefix),
      cmocka_unit_test(test_done_message),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
