/*
 * test_event_data.c - what the stage events carry besides the ids
 * (bs/event_data.h): data.input_parameters (the input prefilter of a
 * chained curve fit) read or refused naming itself, and the GO and
 * Reactome object keys of data.annotation passed on only when given,
 * checked against the event's project as the other keys are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bs/event_data.h"

static json_t *data_of(const char *text) {
  json_error_t jerr;
  json_t *d = json_loads(text, 0, &jerr);
  assert_non_null(d);
  return d;
}

static void test_input_parameters(void **state) {
  (void)state;
  char err[1024];
  json_t *settings = NULL;
  bs_settings s;
  /* absent and null: the run's prefilter takes the data set */
  json_t *d = data_of("{\"parameters\": {}}");
  assert_int_equal(bs_event_input_settings(d, &settings, &s, err, sizeof(err)), BS_OK);
  assert_null(settings);
  json_decref(d);
  d = data_of("{\"input_parameters\": null}");
  assert_int_equal(bs_event_input_settings(d, &settings, &s, err, sizeof(err)), BS_OK);
  assert_null(settings);
  json_decref(d);
  /* a Williams prefilter: normalized (defaults filled) and as options */
  d = data_of("{\"input_parameters\": {\"prefilter\": {\"method\": \"williams\", "
              "\"permutations\": 200}}}");
  assert_int_equal(bs_event_input_settings(d, &settings, &s, err, sizeof(err)), BS_OK);
  assert_non_null(settings);
  assert_string_equal(s.method->name, "williams");
  assert_int_equal(json_integer_value(bs_settings_get(settings, "prefilter.permutations")), 200);
  assert_non_null(bs_settings_get(settings, "prefilter.p_cutoff"));
  json_decref(settings);
  json_decref(d);
  /* refused, naming the field */
  d = data_of("{\"input_parameters\": [1]}");
  assert_int_equal(bs_event_input_settings(d, &settings, &s, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_null(settings);
  assert_string_equal(err, "data.input_parameters: not an object");
  json_decref(d);
  d = data_of("{\"input_parameters\": {\"prefilter\": {\"method\": \"nope\"}}}");
  assert_int_equal(bs_event_input_settings(d, &settings, &s, err, sizeof(err)), BS_ERR_PERMANENT);
  assert_null(settings);
  assert_non_null(strstr(err, "data.input_parameters: "));
  assert_non_null(strstr(err, "method"));
  json_decref(d);
}

static void test_ontology_keys(void **state) {
  (void)state;
  char err[1024];
  json_t *annotation = NULL;
  bs_analysis_inputs keys;
  bs_ontology_keys ontology;
  /* without them: the three keys alone, as before (the natural key's hash) */
  json_t *d = data_of("{\"annotation\": {\"probe_map_key\": \"projects/3/experiments/1/p.txt\"}}");
  assert_int_equal(bs_event_annotation(d, 3, &annotation, &keys, err, sizeof(err)), BS_OK);
  assert_int_equal(json_object_size(annotation), 3);
  bs_event_ontology_keys(annotation, &ontology);
  assert_null(ontology.go_obo);
  assert_null(ontology.go_annotations);
  assert_null(ontology.pathway_annotations);
  json_decref(annotation);
  json_decref(d);
  /* given: passed on, and read back */
  d = data_of("{\"annotation\": {\"probe_map_key\": \"projects/3/experiments/1/p.txt\", "
              "\"go_obo_key\": \"projects/3/experiments/1/go-1.obo\", "
              "\"go_annotations_key\": \"projects/3/experiments/1/go_annotations-1.txt\", "
              "\"pathway_annotations_key\": null}}");
  assert_int_equal(bs_event_annotation(d, 3, &annotation, &keys, err, sizeof(err)), BS_OK);
  assert_int_equal(json_object_size(annotation), 5);
  assert_string_equal(keys.probe_map, "projects/3/experiments/1/p.txt");
  bs_event_ontology_keys(annotation, &ontology);
  assert_string_equal(ontology.go_obo, "projects/3/experiments/1/go-1.obo");
  assert_string_equal(ontology.go_annotations, "projects/3/experiments/1/go_annotations-1.txt");
  assert_null(ontology.pathway_annotations);
  json_decref(annotation);
  json_decref(d);
  /* another project's object, or not a string: refused, naming the key */
  d = data_of("{\"annotation\": {\"go_obo_key\": \"projects/4/experiments/1/go.obo\"}}");
  assert_int_equal(bs_event_annotation(d, 3, &annotation, &keys, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_null(annotation);
  assert_non_null(strstr(err, "data.annotation.go_obo_key"));
  json_decref(d);
  d = data_of("{\"annotation\": {\"pathway_annotations_key\": 7}}");
  assert_int_equal(bs_event_annotation(d, 3, &annotation, &keys, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_string_equal(err, "data.annotation.pathway_annotations_key: not a string or null");
  json_decref(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_input_parameters),
      cmocka_unit_test(test_ontology_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
