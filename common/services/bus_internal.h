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

/* An Admin API client: a producer handle, the request's options (request
 * timeout; for CreateTopics the operation timeout too) and its queue. */
typedef struct bus_admin {
  rd_kafka_t *rk;
  rd_kafka_AdminOptions_t *aopts;
  rd_kafka_queue_t *queue;
  bus_fatal fatal;
  int timeout_ms;
  const char *bootstrap;
} bus_admin;

bs_status bus_admin_open(const bs_bus_options *opt, rd_kafka_admin_op_t op, int timeout_ms,
                         bus_admin *a, char *errstr, size_t errstr_size);
/* Waits for the request's answer (the request timeout plus 5 s) into *ev,
 * which the caller destroys; an error of the whole request is named with
 * what ("CreateTopics"). */
bs_status bus_admin_wait(bus_admin *a, const char *what, rd_kafka_event_t **ev, char *errstr,
                         size_t errstr_size);
void bus_admin_close(bus_admin *a);

#endif
