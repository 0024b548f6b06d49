/*
 * bus_internal.h - what the bus's source files share: building an
 * rd_kafka_conf_t from bs_bus_options (our defaults, then the pass-through
 * properties, then the settings the delivery contract depends on), and the
 * log and error callbacks.
 */
#ifndef BS_BUS_INTERNAL_H
#define BS_BUS_INTERNAL_H

#include "bs/bus.h"

/* Fatal-error state shared by producer and consumer (set by error_cb). */
typedef struct bus_fatal {
  volatile int fatal;
  char reason[512];
} bus_fatal;

/* A key=value setting. */
typedef struct bus_kv {
  const char *key, *value;
} bus_kv;

/* Builds a conf: defaults[], then opt->properties, then enforced[]; sets
 * bootstrap.servers and client.id, the log callback and an error callback
 * recording fatal errors into *fatal (the conf's opaque). NULL on error. */
rd_kafka_conf_t *bus_conf_new(const bs_bus_options *opt, const bus_kv *defaults, size_t ndefaults,
                              const bus_kv *enforced, size_t nenforced, bus_fatal *fatal,
                              char *errstr, size_t errstr_size);

/* Formats "what: librdkafka error (code name)". */
void bus_errstr(char *errstr, size_t errstr_size, const char *what, rd_kafka_resp_err_t err);

/* Runs rd_kafka_fatal_error into f when err is __FATAL. */
void bus_check_fatal(rd_kafka_t *rk, rd_kafka_resp_err_t err, bus_fatal *f);

#endif
