/*
 * config.c - layered configuration over declarative tables.
 */
#include "bs/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct config_value {
  const bs_config_param *param;
  char *value;
  const char *source;
} config_value;

typedef struct kafka_prop {
  char *key;
  char *value;
} kafka_prop;

struct bs_config {
  config_value *values;
  size_t nvalues;
  kafka_prop *kafka;
  size_t nkafka;
};

bs_config *bs_config_new(const bs_config_param *const *tables, const size_t *counts,
                         size_t ntables) {
  bs_config *cfg = calloc(1, sizeof(*cfg));
  if (!cfg)
    return NULL;
  size_t total = 0;
  for (size_t t = 0; t < ntables; t++)
    total += counts[t];
  cfg->values = calloc(total ? total : 1, sizeof(*cfg->values));
  if (!cfg->values) {
    free(cfg);
    return NULL;
  }
  for (size_t t = 0; t < ntables; t++)
    for (size_t i = 0; i < counts[t]; i++) {
      config_value *v = &cfg->values[cfg->nvalues++];
      v->param = &tables[t][i];
      v->source = "default";
      if (v->param->default_value && !(v->value = strdup(v->param->default_value))) {
        bs_config_destroy(cfg);
        return NULL;
      }
    }
  return cfg;
}

void bs_config_destroy(bs_config *cfg) {
  if (!cfg)
    return;
  for (size_t i = 0; i < cfg->nvalues; i++)
    free(cfg->values[i].value);
  for (size_t i = 0; i < cfg->nkafka; i++) {
    free(cfg->kafka[i].key);
    free(cfg->kafka[i].value);
  }
  free(cfg->values);
  free(cfg->kafka);
  free(cfg);
}

/* Finds a key; dashes in the asked name match underscores. */
static config_value *find(const bs_config *cfg, const char *name) {
  for (size_t i = 0; i < cfg->nvalues; i++) {
    const char *a = cfg->values[i].param->name, *b = name;
    while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
      a++;
      b++;
    }
    if (!*a && !*b)
      return &cfg->values[i];
  }
  return NULL;
}

static int validate(const bs_config_param *p, const char *value, char *errstr, size_t errstr_size) {
  char *end;
  errno = 0;
  switch (p->type) {
  case BS_CFG_STRING:
    return 0;
  case BS_CFG_INT:
    (void)strtol(value, &end, 10);
    if (errno || end == value || *end) {
      snprintf(errstr, errstr_size, "%s: '%s' is not an integer", p->name, value);
      return -1;
    }
    return 0;
  case BS_CFG_DOUBLE: {
    double d;
    if (bs_config_parse_double(value, &d) != 0) {
      snprintf(errstr, errstr_size, "%s: '%s' is not a finite number", p->name, value);
      return -1;
    }
    return 0;
  }
  case BS_CFG_BOOL:
    if (!strcasecmp(value, "true") || !strcasecmp(value, "false") || !strcmp(value, "1") ||
        !strcmp(value, "0") || !strcasecmp(value, "yes") || !strcasecmp(value, "no"))
      return 0;
    snprintf(errstr, errstr_size, "%s: '%s' is not a boolean (true/false)", p->name, value);
    return -1;
  }
  return 0;
}

static int set_kafka(bs_config *cfg, const char *key, const char *value, char *errstr,
                     size_t errstr_size) {
  if (!*key || !value) {
    snprintf(errstr, errstr_size, "kafka property needs the form name=value");
    return -1;
  }
  for (size_t i = 0; i < cfg->nkafka; i++)
    if (strcmp(cfg->kafka[i].key, key) == 0) {
      char *nv = strdup(value);
      if (!nv)
        goto oom;
      free(cfg->kafka[i].value);
      cfg->kafka[i].value = nv;
      return 0;
    }
  kafka_prop *nk = realloc(cfg->kafka, (cfg->nkafka + 1) * sizeof(*nk));
  if (!nk)
    goto oom;
  cfg->kafka = nk;
  nk[cfg->nkafka].key = strdup(key);
  nk[cfg->nkafka].value = strdup(value);
  if (!nk[cfg->nkafka].key || !nk[cfg->nkafka].value) {
    free(nk[cfg->nkafka].key);
    free(nk[cfg->nkafka].value);
    goto oom;
  }
  cfg->nkafka++;
  return 0;
oom:
  snprintf(errstr, errstr_size, "out of memory");
  return -1;
}

int bs_config_set(bs_config *cfg, const char *name, const char *value, const char *source,
                  char *errstr, size_t errstr_size) {
  if (strncmp(name, "kafka.", 6) == 0)
    return set_kafka(cfg, name + 6, value, errstr, errstr_size);
  config_value *v = find(cfg, name);
  if (!v) {
    snprintf(errstr, errstr_size, "unknown setting '%s'", name);
    return -1;
  }
  if (validate(v->param, value, errstr, errstr_size) != 0)
    return -1;
  char *nv = strdup(value);
  if (!nv) {
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
  }
  free(v->value);
  v->value = nv;
  v->source = source;
  return 0;
}

char *bs_config_trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

int bs_config_load_file(bs_config *cfg, const char *path, char *errstr, size_t errstr_size) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(errstr, errstr_size, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char line[4096];
  int lineno = 0, rc = 0;
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      snprintf(errstr, errstr_size, "%s:%d: line too long", path, lineno);
      rc = -1;
      break;
    }
    char *s = bs_config_trim(line);
    if (!*s || *s == '#')
      continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      snprintf(errstr, errstr_size, "%s:%d: expected 'key = value'", path, lineno);
      rc = -1;
      break;
    }
    *eq = '\0';
    char inner[512];
    if (bs_config_set(cfg, bs_config_trim(s), bs_config_trim(eq + 1), "file", inner,
                      sizeof(inner)) != 0) {
      snprintf(errstr, errstr_size, "%s:%d: %s", path, lineno, inner);
      rc = -1;
      break;
    }
  }
  fclose(f);
  return rc;
}

int bs_config_load_env(bs_config *cfg, char *const *env, char *errstr, size_t errstr_size) {
  static const char prefix[] = "BMDSTREAM_";
  static const char kprefix[] = "BMDSTREAM_RDKAFKA_";
  for (; env && *env; env++) {
    const char *e = *env;
    const char *eq = strchr(e, '=');
    if (!eq || strncmp(e, prefix, sizeof(prefix) - 1) != 0)
      continue;
    char name[256];
    int kafka = strncmp(e, kprefix, sizeof(kprefix) - 1) == 0;
    const char *start = e + (kafka ? sizeof(kprefix) : sizeof(prefix)) - 1;
    size_t n = (size_t)(eq - start);
    if (n == 0 || n >= sizeof(name))
      continue;
    for (size_t i = 0; i < n; i++) {
      char c = (char)tolower((unsigned char)start[i]);
      name[i] = (kafka && c == '_') ? '.' : c;
    }
    name[n] = '\0';
    char inner[512];
    if (kafka) {
      if (set_kafka(cfg, name, eq + 1, inner, sizeof(inner)) != 0)
        goto fail;
      continue;
    }
    config_value *v = find(cfg, name);
    if (!v)
      continue; /* another program's setting */
    if (bs_config_set(cfg, name, eq + 1, "env", inner, sizeof(inner)) != 0)
      goto fail;
    continue;
  fail:
    snprintf(errstr, errstr_size, "environment %.*s: %s", (int)(eq - e), e, inner);
    return -1;
  }
  return 0;
}

int bs_config_load_args(bs_config *cfg, int *argc, char **argv, char *errstr, size_t errstr_size) {
  /* --config first, so flags override the file whatever their order. */
  for (int i = 1; i < *argc; i++) {
    const char *file = NULL;
    if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc)
      file = argv[i + 1];
    else if (strncmp(argv[i], "--config=", 9) == 0)
      file = argv[i] + 9;
    if (file && find(cfg, "config") == NULL) {
      if (bs_config_load_file(cfg, file, errstr, errstr_size) != 0)
        return -1;
    }
  }
  int out = 1;
  for (int i = 1; i < *argc; i++) {
    char *a = argv[i];
    if (strcmp(a, "-X") == 0 && i + 1 < *argc) {
      const char *kv = argv[++i];
      const char *eq = strchr(kv, '=');
      char key[256];
      if (!eq || (size_t)(eq - kv) >= sizeof(key)) {
        snprintf(errstr, errstr_size, "-X %s: expected property=value", kv);
        return -1;
      }
      memcpy(key, kv, (size_t)(eq - kv));
      key[eq - kv] = '\0';
      if (set_kafka(cfg, key, eq + 1, errstr, errstr_size) != 0)
        return -1;
      continue;
    }
    if (strncmp(a, "--", 2) != 0) {
      argv[out++] = a;
      continue;
    }
    char name[256];
    const char *eq = strchr(a + 2, '=');
    size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    if (n >= sizeof(name)) {
      argv[out++] = a;
      continue;
    }
    memcpy(name, a + 2, n);
    name[n] = '\0';
    if (strcmp(name, "config") == 0 && find(cfg, "config") == NULL) {
      if (!eq)
        i++;
      continue;
    }
    config_value *v = find(cfg, name);
    if (!v) {
      argv[out++] = a;
      continue;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value) {
      char scratch[8];
      if (v->param->type == BS_CFG_BOOL &&
          (i + 1 >= *argc || strncmp(argv[i + 1], "-", 1) == 0 ||
           validate(v->param, argv[i + 1], scratch, sizeof(scratch)) != 0))
        value = "true";
      else if (i + 1 < *argc)
        value = argv[++i];
      else {
        snprintf(errstr, errstr_size, "--%s needs a value", name);
        return -1;
      }
    }
    char inner[512];
    if (bs_config_set(cfg, name, value, "flag", inner, sizeof(inner)) != 0) {
      snprintf(errstr, errstr_size, "--%s", inner);
      return -1;
    }
  }
  argv[out] = NULL;
  *argc = out;
  return 0;
}

const char *bs_config_get(const bs_config *cfg, const char *name) {
  config_value *v = find(cfg, name);
  return v ? v->value : NULL;
}

long bs_config_get_int(const bs_config *cfg, const char *name) {
  const char *s = bs_config_get(cfg, name);
  return s ? strtol(s, NULL, 10) : 0;
}

int bs_config_parse_double(const char *text, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

double bs_config_get_double(const bs_config *cfg, const char *name) {
  const char *s = bs_config_get(cfg, name);
  return s ? strtod(s, NULL) : 0.0;
}

int bs_config_get_bool(const bs_config *cfg, const char *name) {
  const char *s = bs_config_get(cfg, name);
  return s && (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes"));
}

const char *bs_config_source(const bs_config *cfg, const char *name) {
  config_value *v = find(cfg, name);
  return v ? v->source : NULL;
}

size_t bs_config_kafka_count(const bs_config *cfg) {
  return cfg->nkafka;
}

void bs_config_kafka_get(const bs_config *cfg, size_t i, const char **key, const char **value) {
  *key = cfg->kafka[i].key;
  *value = cfg->kafka[i].value;
}

void bs_config_dump(const bs_config *cfg, FILE *out) {
  for (size_t i = 0; i < cfg->nvalues; i++) {
    const config_value *v = &cfg->values[i];
    fprintf(out, "%s = %s  # %s\n", v->param->name,
            !v->value          ? ""
            : v->param->secret ? "********"
                               : v->value,
            v->source);
  }
  for (size_t i = 0; i < cfg->nkafka; i++) {
    int secret = strstr(cfg->kafka[i].key, "password") || strstr(cfg->kafka[i].key, "secret");
    fprintf(out, "kafka.%s = %s\n", cfg->kafka[i].key, secret ? "********" : cfg->kafka[i].value);
  }
}

void bs_config_usage(const bs_config *cfg, FILE *out) {
  for (size_t i = 0; i < cfg->nvalues; i++) {
    const bs_config_param *p = cfg->values[i].param;
    char flag[128];
    snprintf(flag, sizeof(flag), "--%s", p->name);
    for (char *c = flag + 2; *c; c++)
      if (*c == '_')
        *c = '-';
    fprintf(out, "  %-26s %s", flag, p->help);
    if (p->default_value && !p->secret)
      fprintf(out, " (default %s)", p->default_value);
    fputc('\n', out);
  }
  fprintf(out, "  %-26s %s\n", "-X property=value", "librdkafka property (SASL, TLS, tuning)");
  fprintf(out, "  %-26s %s\n", "--config FILE", "read settings from FILE (key = value)");
}
