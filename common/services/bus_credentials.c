/*
 * bus_credentials.c - which Kafka principal a client is, and the
 * credentials file that authenticates it (see bs/bus.h).
 *
 * A credentials file is what `kcat -F` reads: librdkafka properties, one
 * "name=value" a line, e.g.
 *
 *   security.protocol=SASL_PLAINTEXT
 *   sasl.mechanism=SCRAM-SHA-512
 *   sasl.username=bmdstream-bmd
 *   sasl.password=...
 *
 * so that secrets reach the programs through a file (mode 0600) named in
 * the configuration or the environment, never through the command line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bus_internal.h"

const char *bs_bus_principal(const char *client_id) {
  static const char *const themselves[] = {"bmdstream-import", "bmdstream-prefilter",
                                           "bmdstream-bmd", "bmdstream-category",
                                           "bmdstream-tracker"};
  for (size_t i = 0; client_id && i < sizeof(themselves) / sizeof(themselves[0]); i++)
    if (strcmp(client_id, themselves[i]) == 0)
      return themselves[i];
  /* acl grants; replay resets groups and re-publishes into any topic */
  if (client_id &&
      (strcmp(client_id, "bmdstream-acl") == 0 || strcmp(client_id, "bmdstream-replay") == 0))
    return "bmdstream-admin";
  return "bmdstream-operator";
}

/* The file's path: path itself, or path/<principal>.properties. */
static int file_of(const char *path, const char *principal, char *file, size_t size) {
  struct stat st;
  int n = (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
              ? snprintf(file, size, "%s/%s.properties", path, principal)
              : snprintf(file, size, "%s", path);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

static size_t read_all(FILE *f, char *buf, size_t size, int *too_big) {
  size_t len = fread(buf, 1, size - 1, f);
  *too_big = len == size - 1 && fgetc(f) != EOF;
  buf[len] = '\0';
  return len;
}

/* Splits text in place into properties appended to props. */
static bs_status parse(char *text, const char *file, bs_bus_properties *props, char *errstr,
                       size_t errstr_size) {
  int lineno = 0;
  for (char *line = text, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    lineno++;
    char *s = bs_config_trim(line);
    if (!*s || *s == '#')
      continue;
    char *eq = strchr(s, '=');
    if (!eq || eq == s) {
      snprintf(errstr, errstr_size, "%s:%d: expected 'property=value'", file, lineno);
      return BS_ERR_PERMANENT;
    }
    *eq = '\0';
    if (props->n >= BS_BUS_MAX_PROPERTIES) {
      snprintf(errstr, errstr_size, "%s:%d: more than %d Kafka properties", file, lineno,
               BS_BUS_MAX_PROPERTIES);
      return BS_ERR_PERMANENT;
    }
    props->items[props->n].key = bs_config_trim(s);
    props->items[props->n].value = bs_config_trim(eq + 1);
    props->n++;
  }
  return BS_OK;
}

bs_status bs_bus_load_credentials(const char *path, const char *principal, bs_bus_properties *props,
                                  char *errstr, size_t errstr_size) {
  char file[1024];
  if (file_of(path, principal, file, sizeof(file)) != 0) {
    snprintf(errstr, errstr_size, "kafka_credentials: path too long");
    return BS_ERR_PERMANENT;
  }
  FILE *f = fopen(file, "r");
  if (!f) {
    snprintf(errstr, errstr_size, "kafka_credentials: %s (principal %s): %s", file, principal,
             strerror(errno));
    return BS_ERR_PERMANENT;
  }
  int too_big = 0;
  read_all(f, props->text, sizeof(props->text), &too_big);
  int failed = ferror(f);
  fclose(f);
  if (failed || too_big) {
    snprintf(errstr, errstr_size, "kafka_credentials: %s: %s", file,
             failed ? "read error" : "larger than 4096 bytes");
    return BS_ERR_PERMANENT;
  }
  return parse(props->text, file, props, errstr, errstr_size);
}
