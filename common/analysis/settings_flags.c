/*
 * settings_flags.c - the settings from the command line (bs/settings.h):
 * every front end takes the same flags out of its argv with the same
 * parser, and resolves the category type and the input files the same
 * way, so the same flags give the same settings JSON everywhere.
 */
#include "bs/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Older spellings, kept so that existing scripts run: the flag, and the
 * text it stands for on the flag it names. */
static const struct {
  const char *alias, *flag, *value;
} aliases[] = {{"gene-level", "category-type", "gene"}, {"curves", "curve-plots", NULL}};

static const bs_setting *lookup(const char *name, const char **fixed_value) {
  *fixed_value = NULL;
  for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
    if (strcmp(name, aliases[i].alias) == 0) {
      *fixed_value = aliases[i].value;
      return bs_setting_find_flag(aliases[i].flag);
    }
  return bs_setting_find_flag(name);
}

int bs_settings_take_flags(json_t *settings, unsigned sections, int *argc, char **argv,
                           char *errstr, size_t errstr_size) {
  int kept = 1;
  for (int i = 1; i < *argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) { /* the rest is not ours */
      while (i < *argc)
        argv[kept++] = argv[i++];
      break;
    }
    if (strncmp(arg, "--", 2) != 0) {
      argv[kept++] = argv[i];
      continue;
    }
    char name[64];
    const char *eq = strchr(arg + 2, '='), *fixed = NULL;
    size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    if (len >= sizeof(name)) {
      argv[kept++] = argv[i];
      continue;
    }
    memcpy(name, arg + 2, len);
    name[len] = '\0';
    const bs_setting *s = lookup(name, &fixed);
    if (!s || !(bs_setting_section(s) & sections)) {
      argv[kept++] = argv[i];
      continue;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (fixed || s->flag_sets) {
      if (value) {
        snprintf(errstr, errstr_size, "--%s takes no value", name);
        return -1;
      }
      if (fixed) {
        value = fixed;
      } else {
        json_t *v = json_loads(s->flag_sets, JSON_DECODE_ANY, NULL);
        char *text =
            v && json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
        json_decref(v);
        int rc = text ? bs_settings_set_text(settings, s, text, errstr, errstr_size) : -1;
        free(text);
        if (rc != 0)
          return -1;
        continue;
      }
    } else if (!value) {
      if (i + 1 >= *argc) {
        snprintf(errstr, errstr_size, "--%s: missing value", name);
        return -1;
      }
      value = argv[++i];
    }
    if (bs_settings_set_text(settings, s, value, errstr, errstr_size) != 0)
      return -1;
  }
  argv[kept] = NULL;
  *argc = kept;
  return 0;
}

int bs_settings_check_inputs(const json_t *settings, const bs_analysis_inputs *in, char *errstr,
                             size_t errstr_size) {
  const char *type = json_string_value(bs_settings_get(settings, "category.type"));
  int pm = in->probe_map != NULL, cm = in->category_map != NULL, gmt = in->gmt != NULL;
  const char *why = NULL;
  if (!type)
    why = "the category type is missing";
  else if (cm && gmt)
    why = "give a category map or a GMT file, not both";
  else if ((cm || gmt) && !pm)
    why = "a category map or GMT file needs a probe map";
  else if (!strcmp(type, "none") && (pm || cm || gmt))
    why = "category type none takes no annotation files";
  else if (!strcmp(type, "gene") && (cm || gmt))
    why = "category type gene takes a probe map only";
  else if (!strcmp(type, "defined") && !(pm && cm))
    why = "category type defined needs a probe map and a category map";
  else if (!strcmp(type, "gmt") && !(pm && gmt))
    why = "category type gmt needs a probe map and a GMT file";
  else if (!strcmp(type, "go") && !(pm && !cm && !gmt))
    why = "category type go needs a probe map (and --go-obo, --go-annotations), no category map "
          "or GMT file";
  else if (!strcmp(type, "pathway") && !(pm && !cm && !gmt))
    why = "category type pathway needs a probe map (and --pathway-annotations), no category map "
          "or GMT file";
  if (why) {
    snprintf(errstr, errstr_size, "%s", why);
    return -1;
  }
  return 0;
}

int bs_settings_resolve(const json_t *sparse, const bs_analysis_inputs *in, json_t **out,
                        char *errstr, size_t errstr_size) {
  *out = NULL;
  json_t *given = sparse ? json_deep_copy(sparse) : json_object();
  if (!given) {
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
  }
  if (!bs_settings_get(given, "category.type")) {
    const char *type = in->gmt            ? "gmt"
                       : in->category_map ? "defined"
                       : in->probe_map    ? "gene"
                                          : "none";
    if (bs_settings_set_text(given, bs_setting_find("category.type"), type, errstr, errstr_size) !=
        0) {
      json_decref(given);
      return -1;
    }
  }
  json_t *norm = NULL;
  bs_status st = bs_settings_normalize(given, &norm, errstr, errstr_size);
  json_decref(given);
  if (st != BS_OK)
    return -1;
  if (bs_settings_check_inputs(norm, in, errstr, errstr_size) != 0) {
    json_decref(norm);
    return -1;
  }
  *out = norm;
  return 0;
}

void bs_settings_usage(FILE *out, unsigned sections) {
  for (size_t i = 0; i < bs_settings_table_count; i++) {
    const bs_setting *s = &bs_settings_table[i];
    if (!s->flag || !(bs_setting_section(s) & sections))
      continue;
    char head[64];
    const char *value = s->flag_sets                   ? ""
                        : s->type == BS_SETTING_BOOL   ? " true|false"
                        : s->type == BS_SETTING_INT    ? " N"
                        : s->type == BS_SETTING_MODELS ? " M,M,..."
                        : s->type == BS_SETTING_NUMBER ? " X"
                        : s->type == BS_SETTING_STRING ? " FILE"
                        : s->type == BS_SETTING_CODES  ? " C,C,..."
                                                       : " NAME";
    snprintf(head, sizeof(head), "--%s%s", s->flag, value);
    fprintf(out, "  %-28s %s", head, s->help);
    if (!s->flag_sets)
      fprintf(out, " [%s]", s->default_json);
    fputc('\n', out);
  }
}
