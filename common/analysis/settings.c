/*
 * settings.c - the settings JSON (bs/settings.h): the one validator that
 * fills defaults, values from text (flags, replay --set), the hash that
 * names results made with given settings, and the table as JSON.
 */
#include "bs/settings.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/fit.h"
#include "bs/sha256.h"

/* ---- paths ----------------------------------------------------------- */

json_t *bs_settings_get(const json_t *settings, const char *path) {
  char key[128];
  const json_t *node = settings;
  while (node && *path) {
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    if (len >= sizeof(key) || !json_is_object(node))
      return NULL;
    memcpy(key, path, len);
    key[len] = '\0';
    node = json_object_get(node, key);
    path += len + (dot ? 1 : 0);
  }
  return (json_t *)node;
}

/* Sets path to value (stolen), creating the sections on the way. */
static int put(json_t *settings, const char *path, json_t *value) {
  char key[128];
  json_t *node = settings;
  for (const char *dot; (dot = strchr(path, '.')) != NULL; path = dot + 1) {
    size_t len = (size_t)(dot - path);
    if (len >= sizeof(key))
      goto fail;
    memcpy(key, path, len);
    key[len] = '\0';
    json_t *next = json_object_get(node, key);
    if (!json_is_object(next)) {
      next = json_object();
      if (!next || json_object_set_new(node, key, next) != 0)
        goto fail;
    }
    node = next;
  }
  return json_object_set_new(node, path, value);
fail:
  json_decref(value);
  return -1;
}

/* 1 when path names a section: some setting's path starts with "path.". */
static int is_section(const char *path) {
  size_t len = strlen(path);
  for (size_t i = 0; i < bs_settings_table_count; i++)
    if (strncmp(bs_settings_table[i].path, path, len) == 0 && bs_settings_table[i].path[len] == '.')
      return 1;
  return 0;
}

/* ---- values ---------------------------------------------------------- */

/* "an integer 0..100", "an integer >= 1", "a number in (0, 1]", "a number > 0". */
static void describe_bounds(const bs_setting *s, char *buf, size_t size) {
  const char *what = s->type == BS_SETTING_INT ? "an integer" : "a number";
  if (s->max >= 1e300)
    snprintf(buf, size, "%s %s %.17g", what, s->open & BS_SETTING_MIN_OPEN ? ">" : ">=", s->min);
  else if (s->type == BS_SETTING_INT)
    snprintf(buf, size, "%s %.17g..%.17g", what, s->min, s->max);
  else
    snprintf(buf, size, "%s in %c%.17g, %.17g%c", what, s->open & BS_SETTING_MIN_OPEN ? '(' : '[',
             s->min, s->max, s->open & BS_SETTING_MAX_OPEN ? ')' : ']');
}

/* What the setting accepts, for messages: "a number in (0, 1] or none". */
static void describe(const bs_setting *s, char *buf, size_t size) {
  char b[160] = "";
  size_t len = 0;
  switch (s->type) {
  case BS_SETTING_BOOL:
    snprintf(b, sizeof(b), "true or false");
    break;
  case BS_SETTING_INT:
  case BS_SETTING_NUMBER:
    describe_bounds(s, b, sizeof(b));
    break;
  case BS_SETTING_CHOICE:
    len = (size_t)snprintf(b, sizeof(b), "one of");
    for (size_t i = 0; s->choices[i] && len < sizeof(b); i++)
      len += (size_t)snprintf(b + len, sizeof(b) - len, "%s %s", i ? "," : "",
                              s->flag_words ? s->flag_words[i] : s->choices[i]);
    break;
  case BS_SETTING_METHOD:
    len = (size_t)snprintf(b, sizeof(b), "one of");
    for (size_t i = 0; i < bmd_prefilter_methods_count && len < sizeof(b); i++)
      len += (size_t)snprintf(b + len, sizeof(b) - len, "%s %s", i ? "," : "",
                              bmd_prefilter_methods[i]->name);
    break;
  case BS_SETTING_MODELS:
    snprintf(b, sizeof(b), "a non-empty list of models (hill, power, linear, poly2-4, exp2-5)");
    break;
  case BS_SETTING_STRING:
    snprintf(b, sizeof(b), "a non-empty string");
    break;
  case BS_SETTING_CODES:
    snprintf(b, sizeof(b),
             "a list of at most 32 distinct codes of 1 to 15 characters, no ',' or space");
    break;
  }
  if (s->nullable)
    snprintf(buf, size, "%s, or %s (off)", b, s->off_word ? s->off_word : "null");
  else
    snprintf(buf, size, "%s", b);
}

static int in_bounds(const bs_setting *s, double v) {
  if (!isfinite(v))
    return 0;
  if (s->open & BS_SETTING_MIN_OPEN ? !(v > s->min) : !(v >= s->min))
    return 0;
  if (s->max < 1e300 && (s->open & BS_SETTING_MAX_OPEN ? !(v < s->max) : !(v <= s->max)))
    return 0;
  return 1;
}

static int choice_index(const bs_setting *s, const char *text, int words) {
  for (int i = 0; text && s->choices[i]; i++)
    if (strcmp(s->choices[i], text) == 0 ||
        (words && s->flag_words && !strcmp(s->flag_words[i], text)))
      return i;
  return -1;
}

/* A list of distinct codes (1-15 characters, no ',', space or tab), in
 * the order given; NULL when v is not one. */
static json_t *checked_codes(const json_t *v) {
  size_t i, j;
  json_t *m;
  if (!json_is_array(v) || json_array_size(v) > BS_GO_MAX_EVIDENCE)
    return NULL;
  json_array_foreach(v, i, m) {
    const char *code = json_string_value(m);
    if (!code || !*code || strlen(code) > 15 || strpbrk(code, ", \t"))
      return NULL;
    for (j = 0; j < i; j++)
      if (strcmp(code, json_string_value(json_array_get(v, j))) == 0)
        return NULL;
  }
  return json_deep_copy(v);
}

/* The normalized form of v (new reference), NULL when it does not fit s.
 * Numbers become reals and models a list in model order, so that equal
 * settings have equal text (and hash). */
static json_t *checked(const bs_setting *s, const json_t *v) {
  if (json_is_null(v))
    return s->nullable ? json_null() : NULL;
  switch (s->type) {
  case BS_SETTING_BOOL:
    return json_is_boolean(v) ? json_boolean(json_is_true(v)) : NULL;
  case BS_SETTING_INT:
    return json_is_integer(v) && in_bounds(s, (double)json_integer_value(v))
               ? json_integer(json_integer_value(v))
               : NULL;
  case BS_SETTING_NUMBER:
    return json_is_number(v) && in_bounds(s, json_number_value(v)) ? json_real(json_number_value(v))
                                                                   : NULL;
  case BS_SETTING_CHOICE:
    return choice_index(s, json_string_value(v), 0) >= 0 ? json_string(json_string_value(v)) : NULL;
  case BS_SETTING_METHOD:
    return bmd_prefilter_method_find(json_string_value(v)) ? json_string(json_string_value(v))
                                                           : NULL;
  case BS_SETTING_MODELS: {
    unsigned mask = 0;
    size_t i;
    json_t *m;
    if (!json_is_array(v) || json_array_size(v) == 0)
      return NULL;
    json_array_foreach(v, i, m) {
      int id = bmd_model_parse(json_string_value(m));
      if (id < 0 || (mask & (1u << id)))
        return NULL;
      mask |= 1u << id;
    }
    json_t *list = json_array();
    for (int id = 0; list && id < BMD_MODEL_COUNT; id++)
      if (mask & (1u << id))
        json_array_append_new(list, json_string(bmd_model_name((bmd_model)id)));
    return list;
  }
  case BS_SETTING_STRING:
    return json_is_string(v) && *json_string_value(v) ? json_string(json_string_value(v)) : NULL;
  case BS_SETTING_CODES:
    return checked_codes(v);
  }
  return NULL;
}

static json_t *default_of(const bs_setting *s, const json_t *resolved) {
  const char *text = s->default_json;
  if (s->when_path) {
    json_t *cond = json_loads(s->when_json, JSON_DECODE_ANY, NULL);
    if (json_equal(cond, bs_settings_get(resolved, s->when_path)))
      text = s->then_json;
    json_decref(cond);
  }
  json_t *raw = json_loads(text, JSON_DECODE_ANY, NULL), *v = raw ? checked(s, raw) : NULL;
  json_decref(raw);
  return v;
}

/* Refuses any key of in (below prefix) that is neither a setting nor a
 * section of settings. */
static int check_keys(const json_t *in, const char *prefix, char *errstr, size_t errstr_size) {
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)in, key, v) {
    char path[160];
    snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
    if (bs_setting_find(path))
      continue;
    if (!is_section(path)) {
      snprintf(errstr, errstr_size,
               "parameters.%s: unknown setting (bmdstream settings --table "
               "lists them)",
               path);
      return -1;
    }
    if (!json_is_object(v)) {
      snprintf(errstr, errstr_size, "parameters.%s: expected an object of settings", path);
      return -1;
    }
    if (check_keys(v, path, errstr, errstr_size) != 0)
      return -1;
  }
  return 0;
}

/* Cross-setting rules the table cannot say. */
static int check_together(const json_t *out, char *errstr, size_t errstr_size) {
  const char *type = json_string_value(bs_settings_get(out, "category.type"));
  const char *last = json_string_value(bs_settings_get(out, "last_step"));
  if (strcmp(type, "go") == 0)
    for (size_t i = 0; i < 2; i++) {
      static const char *const need[][3] = {
          {"category.go.obo", "the GO ontology (OBO) file", "--go-obo"},
          {"category.go.annotations", "a GO annotation (GAF or gene2go) file", "--go-annotations"}};
      if (json_is_null(bs_settings_get(out, need[i][0]))) {
        snprintf(errstr, errstr_size, "parameters.%s: category type go needs %s (%s)", need[i][0],
                 need[i][1], need[i][2]);
        return -1;
      }
    }
  if (strcmp(type, "pathway") == 0 &&
      json_is_null(bs_settings_get(out, "category.pathway.annotations"))) {
    snprintf(errstr, errstr_size,
             "parameters.category.pathway.annotations: category type pathway needs a Reactome "
             "gene -> pathway file (--pathway-annotations)");
    return -1;
  }
  if (strcmp(type, "none") != 0 && strcmp(last, "category") != 0) {
    snprintf(errstr, errstr_size,
             "parameters.category.type: %s categories need the BMD and category steps "
             "(last_step is %s)",
             type, last);
    return -1;
  }
  return 0;
}

bs_status bs_settings_normalize(const json_t *in, json_t **out, char *errstr, size_t errstr_size) {
  *out = NULL;
  if (in && !json_is_object(in)) {
    snprintf(errstr, errstr_size, "parameters: expected an object of settings");
    return BS_ERR_PERMANENT;
  }
  if (in && check_keys(in, "", errstr, errstr_size) != 0)
    return BS_ERR_PERMANENT;
  json_t *res = json_object();
  for (size_t i = 0; res && i < bs_settings_table_count; i++) {
    const bs_setting *s = &bs_settings_table[i];
    json_t *given = in ? bs_settings_get(in, s->path) : NULL;
    json_t *v = given ? checked(s, given) : default_of(s, res);
    if (!v) {
      char want[256], *text = json_dumps(given, JSON_COMPACT | JSON_ENCODE_ANY);
      describe(s, want, sizeof(want));
      snprintf(errstr, errstr_size, "parameters.%s: expected %s, got %s", s->path, want,
               text ? text : "?");
      free(text);
      json_decref(res);
      return BS_ERR_PERMANENT;
    }
    if (put(res, s->path, v) != 0) {
      json_decref(res);
      res = NULL;
    }
  }
  if (!res) {
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  if (check_together(res, errstr, errstr_size) != 0) {
    json_decref(res);
    return BS_ERR_PERMANENT;
  }
  *out = res;
  return BS_OK;
}

/* ---- from text ------------------------------------------------------- */

/* The JSON value of text for s (new reference), NULL when it does not fit. */
static json_t *from_text(const bs_setting *s, const char *text) {
  char *end;
  if (s->nullable && s->off_word && strcmp(text, s->off_word) == 0)
    return json_null();
  switch (s->type) {
  case BS_SETTING_BOOL:
    if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on") || !strcmp(text, "1"))
      return json_true();
    if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off") || !strcmp(text, "0"))
      return json_false();
    return NULL;
  case BS_SETTING_INT: {
    errno = 0;
    long long v = strtoll(text, &end, 10);
    return *text && !*end && !errno ? json_integer(v) : NULL;
  }
  case BS_SETTING_NUMBER: {
    errno = 0;
    double v = strtod(text, &end);
    return *text && !*end && !errno && isfinite(v) ? json_real(v) : NULL;
  }
  case BS_SETTING_CHOICE: {
    int i = choice_index(s, text, 1);
    return i >= 0 ? json_string(s->choices[i]) : NULL;
  }
  case BS_SETTING_METHOD:
    return json_string(text);
  case BS_SETTING_MODELS: {
    json_t *list = json_array();
    char copy[256], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", text);
    for (char *m = strtok_r(copy, ",", &save); list && m; m = strtok_r(NULL, ",", &save))
      json_array_append_new(list, json_string(m));
    return list;
  }
  case BS_SETTING_STRING:
    return json_string(text);
  case BS_SETTING_CODES: {
    /* "IEA,ND"; "none" or "" is the empty list */
    json_t *list = json_array();
    char copy[512], *save = NULL;
    if (strlen(text) >= sizeof(copy) || strcmp(text, "none") == 0)
      return strcmp(text, "none") == 0 ? list : (json_decref(list), NULL);
    snprintf(copy, sizeof(copy), "%s", text);
    for (char *m = strtok_r(copy, ",", &save); list && m; m = strtok_r(NULL, ",", &save))
      json_array_append_new(list, json_string(m));
    return list;
  }
  }
  return NULL;
}

int bs_settings_set_text(json_t *settings, const bs_setting *s, const char *text, char *errstr,
                         size_t errstr_size) {
  json_t *raw = from_text(s, text), *v = raw ? checked(s, raw) : NULL;
  json_decref(raw);
  if (!v) {
    char want[256];
    describe(s, want, sizeof(want));
    if (s->flag)
      snprintf(errstr, errstr_size, "--%s: expected %s, got '%s'", s->flag, want, text);
    else
      snprintf(errstr, errstr_size, "%s: expected %s, got '%s'", s->path, want, text);
    return -1;
  }
  if (put(settings, s->path, v) != 0) {
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
  }
  return 0;
}

int bs_settings_assign(json_t *settings, const char *assignment, char *errstr, size_t errstr_size) {
  char path[160];
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(path)) {
    snprintf(errstr, errstr_size, "'%s': expected path=value, e.g. bmd.bmr=1.349", assignment);
    return -1;
  }
  memcpy(path, assignment, (size_t)(eq - assignment));
  path[eq - assignment] = '\0';
  const bs_setting *s = bs_setting_find(path);
  if (!s) {
    snprintf(errstr, errstr_size, "%s: unknown setting (bmdstream settings --table lists them)",
             path);
    return -1;
  }
  json_t *next = json_deep_copy(settings), *norm = NULL;
  if (!next || bs_settings_set_text(next, s, eq + 1, errstr, errstr_size) != 0 ||
      bs_settings_normalize(next, &norm, errstr, errstr_size) != BS_OK) {
    json_decref(next);
    return -1;
  }
  json_decref(next);
  json_object_clear(settings);
  json_object_update(settings, norm);
  json_decref(norm);
  return 0;
}

int bs_settings_print(FILE *out, const json_t *settings) {
  if (json_dumpf(settings, out, JSON_INDENT(2)) != 0 || fputc('\n', out) == EOF)
    return -1;
  return fflush(out) == 0 ? 0 : -1;
}

/* ---- names and hash -------------------------------------------------- */

/* Each log base's two names: as the settings write it, and the word the
 * experiment rows store (BMDExpress's); both parse. */
static const struct {
  const char *name, *word;
  bmd_log_base base;
} log_bases[] = {{"2", "base2", BMD_LOG_BASE2},
                 {"10", "base10", BMD_LOG_BASE10},
                 {"e", "natural", BMD_LOG_NATURAL},
                 {"none", "none", BMD_LOG_NONE}};
#define N_LOG_BASES (sizeof(log_bases) / sizeof(log_bases[0]))

const char *bs_settings_log_base_name(bmd_log_base base) {
  for (size_t i = 0; i < N_LOG_BASES; i++)
    if (log_bases[i].base == base)
      return log_bases[i].name;
  return "2";
}

const char *bs_settings_log_base_word(bmd_log_base base) {
  for (size_t i = 0; i < N_LOG_BASES; i++)
    if (log_bases[i].base == base)
      return log_bases[i].word;
  return "base2";
}

int bs_settings_log_base_parse(const char *name) {
  for (size_t i = 0; name && i < N_LOG_BASES; i++)
    if (!strcmp(name, log_bases[i].name) || !strcmp(name, log_bases[i].word))
      return (int)log_bases[i].base;
  return -1;
}

int bs_settings_hash(const json_t *value, char out[65]) {
  char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if (!text)
    return -1;
  int rc = bs_sha256_hex(text, strlen(text), NULL, out);
  free(text);
  return rc;
}

/* ---- the table as JSON ----------------------------------------------- */

json_t *bs_settings_table_json(void) {
  static const char *const types[] = {"boolean", "integer", "number", "choice",
                                      "method",  "models",  "string", "codes"};
  json_t *list = json_array();
  for (size_t i = 0; list && i < bs_settings_table_count; i++) {
    const bs_setting *s = &bs_settings_table[i];
    json_t *choices = json_array();
    if (s->type == BS_SETTING_CHOICE)
      for (size_t c = 0; s->choices[c]; c++)
        json_array_append_new(choices, json_string(s->choices[c]));
    if (s->type == BS_SETTING_METHOD)
      for (size_t c = 0; c < bmd_prefilter_methods_count; c++)
        json_array_append_new(choices, json_string(bmd_prefilter_methods[c]->name));
    if (s->type == BS_SETTING_MODELS)
      for (int m = 0; m < BMD_MODEL_COUNT; m++)
        json_array_append_new(choices, json_string(bmd_model_name((bmd_model)m)));
    json_t *raw = json_loads(s->default_json, JSON_DECODE_ANY, NULL);
    json_t *def = raw ? checked(s, raw) : NULL;
    json_decref(raw);
    json_t *row = json_pack("{s:s, s:s, s:o, s:b, s:o, s:s?, s:s?}", "path", s->path, "type",
                            types[s->type], "default", def ? def : json_null(), "nullable",
                            s->nullable, "choices", choices, "flag", s->flag, "help", s->help);
    if (row && (s->type == BS_SETTING_INT || s->type == BS_SETTING_NUMBER)) {
      json_object_set_new(row, s->open & BS_SETTING_MIN_OPEN ? "exclusive_minimum" : "minimum",
                          json_real(s->min));
      if (s->max < 1e300)
        json_object_set_new(row, s->open & BS_SETTING_MAX_OPEN ? "exclusive_maximum" : "maximum",
                            json_real(s->max));
    }
    if (row && s->when_path)
      json_object_set_new(row, "default_when",
                          json_pack("{s:s, s:o, s:o}", "path", s->when_path, "equals",
                                    json_loads(s->when_json, JSON_DECODE_ANY, NULL), "default",
                                    json_loads(s->then_json, JSON_DECODE_ANY, NULL)));
    json_array_append_new(list, row);
  }
  return list;
}
