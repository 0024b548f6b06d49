/*
 * bs/config.h - configuration: one declarative table per program
 * (STYLE.md #9), layered compiled default -> file -> environment -> flags,
 * each later layer overriding the earlier.
 *
 *   file         `key = value` lines, `#` comments (etc/bmdstream.conf.sample)
 *   environment  BMDSTREAM_<KEY upper-cased>, e.g. BMDSTREAM_DATABASE_URL
 *   flags        --key=value or --key value (underscores may be dashes)
 *
 * Keys `kafka.<property>` are not in any table: they pass straight to
 * librdkafka (SASL, TLS, tuning). They come from the file, from
 * BMDSTREAM_RDKAFKA_<PROPERTY> (underscores become dots, lower-cased:
 * BMDSTREAM_RDKAFKA_SECURITY_PROTOCOL -> security.protocol), or from
 * flags `-X property=value`.
 */
#ifndef BS_CONFIG_H
#define BS_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum { BS_CFG_STRING, BS_CFG_INT, BS_CFG_DOUBLE, BS_CFG_BOOL } bs_config_type;

typedef struct bs_config_param {
  const char *name; /* lower_snake_case */
  bs_config_type type;
  const char *default_value; /* NULL = unset */
  const char *help;
  int secret; /* 1: never printed in full */
} bs_config_param;

typedef struct bs_config bs_config;

/* The connection settings every service program shares (database, Kafka,
 * object store, logging); append program-specific entries after them. */
extern const bs_config_param bs_config_service_params[];
extern const size_t bs_config_service_params_count;

/* A config over one or more tables (borrowed; must outlive the config),
 * holding the compiled defaults. NULL when out of memory. */
bs_config *bs_config_new(const bs_config_param *const *tables, const size_t *counts,
                         size_t ntables);
void bs_config_destroy(bs_config *cfg);

int bs_config_load_file(bs_config *cfg, const char *path, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
/* env: a NULL-terminated environ-style array. */
int bs_config_load_env(bs_config *cfg, char *const *env, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
/* Sets one key from a flag (or a test); validates by type. */
int bs_config_set(bs_config *cfg, const char *name, const char *value, const char *source,
                  char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Parses argv: `--config FILE` is loaded before the other flags, then
 * every --key[=value] of the tables, and -X kafka properties. Arguments
 * that are not config flags are left, in order, in argv[0..*argc) (argv[0]
 * kept). Call after bs_config_load_env. */
int bs_config_load_args(bs_config *cfg, int *argc, char **argv, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

const char *bs_config_get(const bs_config *cfg, const char *name); /* NULL if unset */
long bs_config_get_int(const bs_config *cfg, const char *name);
double bs_config_get_double(const bs_config *cfg, const char *name);
int bs_config_get_bool(const bs_config *cfg, const char *name);
/* "default", "file", "env" or "flag". */
const char *bs_config_source(const bs_config *cfg, const char *name);

/* The whole of text as a finite number (strtod, nothing left over, no
 * overflow): 0 with *out set, else -1. The rule of BS_CFG_DOUBLE, for
 * flags read outside a config table too. */
int bs_config_parse_double(const char *text, double *out) __attribute__((warn_unused_result));

size_t bs_config_kafka_count(const bs_config *cfg);
/* The i-th librdkafka property (borrowed strings). */
void bs_config_kafka_get(const bs_config *cfg, size_t i, const char **key, const char **value);

/* Prints every key, its value (secrets masked) and its source. */
void bs_config_dump(const bs_config *cfg, FILE *out);

/* s without its leading and trailing white space (isspace), in place: what
 * a "key = value" line of a settings or credentials file is cut with. */
char *bs_config_trim(char *s);
/* Prints the tables as --help text. */
void bs_config_usage(const bs_config *cfg, FILE *out);

#endif
