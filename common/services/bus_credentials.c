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
#include <stdio.h>
#include <string.h>

#include "bs/credentials_file.h"
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
  bs_status st =
      bs_credentials_file_read("kafka_credentials", path, principal, ".properties", props->text,
                               sizeof(props->text), file, sizeof(file), errstr, errstr_size);
  return st != BS_OK ? st : parse(props->text, file, props, errstr, errstr_size);
}
