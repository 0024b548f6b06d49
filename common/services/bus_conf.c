/*
 * bus_conf.c - bs_bus_options from a program's configuration, librdkafka
 * configuration from bs_bus_options, the log and error callbacks (routed
 * through bs_log), and error classification.
 */
#include <stdio.h>
#include <string.h>

#include "bs/log.h"
#include "bus_internal.h"

bs_status bs_bus_options_from_config(const bs_config *cfg, const char *client_id,
                                     const char *group_id, bs_bus_properties *props,
                                     bs_bus_options *opt, char *errstr, size_t errstr_size) {
  props->n = 0;
  /* The credentials file first, so that kafka.* settings override it. */
  const char *credentials = bs_config_get(cfg, "kafka_credentials");
  if (credentials && *credentials) {
    bs_status st = bs_bus_load_credentials(credentials, bs_bus_principal(client_id), props, errstr,
                                           errstr_size);
    if (st != BS_OK)
      return st;
  }
  size_t n = bs_config_kafka_count(cfg);
  if (props->n + n > BS_BUS_MAX_PROPERTIES) {
    snprintf(errstr, errstr_size, "%zu kafka.* properties: at most %d are supported", props->n + n,
             BS_BUS_MAX_PROPERTIES);
    return BS_ERR_PERMANENT;
  }
  for (size_t i = 0; i < n; i++, props->n++)
    bs_config_kafka_get(cfg, i, &props->items[props->n].key, &props->items[props->n].value);
  *opt = (bs_bus_options){.bootstrap = bs_config_get(cfg, "kafka_bootstrap"),
                          .client_id = client_id,
                          .group_id = group_id,
                          .topic_prefix = bs_config_get(cfg, "topic_prefix"),
                          .properties = props->items,
                          .nproperties = props->n};
  return BS_OK;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  /* librdkafka uses syslog levels, as bs_log does. The programs pass the
   * same kafka.* settings to their producer and consumer, so "a consumer
   * property ignored by this producer" (and vice versa) is expected. */
  if (strcmp(fac, "CONFWARN") == 0 &&
      (strstr(buf, "is a consumer property") || strstr(buf, "is a producer property")))
    level = BS_LOG_DEBUG;
  BS_LOG(level < BS_LOG_ERR ? BS_LOG_ERR : level, "rdkafka %s %s: %s", rd_kafka_name(rk), fac, buf);
}

void bus_check_fatal(rd_kafka_t *rk, rd_kafka_resp_err_t err, bus_fatal *f) {
  if (err != RD_KAFKA_RESP_ERR__FATAL || !f || f->fatal)
    return;
  char reason[400];
  rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, reason, sizeof(reason));
  snprintf(f->reason, sizeof(f->reason), "fatal client error %s: %s", rd_kafka_err2name(orig),
           reason);
  f->fatal = 1;
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  bus_fatal *f = opaque;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    bus_check_fatal(rk, (rd_kafka_resp_err_t)err, f);
    bs_err("rdkafka %s: %s", rd_kafka_name(rk), f ? f->reason : reason);
    return;
  }
  /* Broker-down and all-brokers-down are retried by librdkafka itself. */
  BS_LOG(err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
             ? BS_LOG_WARNING
             : BS_LOG_ERR,
         "rdkafka %s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name((rd_kafka_resp_err_t)err),
         reason);
}

void bus_errstr(char *errstr, size_t errstr_size, const char *what, rd_kafka_resp_err_t err) {
  snprintf(errstr, errstr_size, "%s: %s (%s)", what, rd_kafka_err2str(err), rd_kafka_err2name(err));
}

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, const char *origin,
                    char *errstr, size_t errstr_size) {
  char why[256];
  if (rd_kafka_conf_set(conf, key, value, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
    snprintf(errstr, errstr_size, "kafka property %s (%s): %s", key, origin, why);
    return -1;
  }
  return 0;
}

rd_kafka_conf_t *bus_conf_new(const bs_bus_options *opt, const bus_kv *defaults, size_t ndefaults,
                              const bus_kv *enforced, size_t nenforced, bus_fatal *fatal,
                              char *errstr, size_t errstr_size) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (!conf) {
    snprintf(errstr, errstr_size, "kafka: out of memory");
    return NULL;
  }
  if (conf_set(conf, "client.id", opt->client_id ? opt->client_id : "bmdstream", "client id",
               errstr, errstr_size) != 0)
    goto fail;
  if (opt->bootstrap && *opt->bootstrap &&
      conf_set(conf, "bootstrap.servers", opt->bootstrap, "bootstrap", errstr, errstr_size) != 0)
    goto fail;
  for (size_t i = 0; i < ndefaults; i++)
    if (conf_set(conf, defaults[i].key, defaults[i].value, "default", errstr, errstr_size) != 0)
      goto fail;
  for (size_t i = 0; i < opt->nproperties; i++) {
    const char *key = opt->properties[i].key;
    if (strncmp(key, "kafka.", 6) == 0)
      key += 6;
    if (conf_set(conf, key, opt->properties[i].value, "kafka.* setting", errstr, errstr_size) != 0)
      goto fail;
  }
  for (size_t i = 0; i < nenforced; i++)
    if (conf_set(conf, enforced[i].key, enforced[i].value, "required by the delivery contract",
                 errstr, errstr_size) != 0)
      goto fail;
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_opaque(conf, fatal);
  return conf;
fail:
  rd_kafka_conf_destroy(conf);
  return NULL;
}

bs_bus_class bs_bus_classify(rd_kafka_resp_err_t err) {
  switch (err) {
  case RD_KAFKA_RESP_ERR_NO_ERROR:
    return BS_BUS_OK;
  /* The client instance is unusable: recreate it or exit. */
  case RD_KAFKA_RESP_ERR__FATAL:
  case RD_KAFKA_RESP_ERR__FENCED:
  case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
  case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
  case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
  case RD_KAFKA_RESP_ERR__AUTHENTICATION:
  case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
  case RD_KAFKA_RESP_ERR__SSL:
  case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
  case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
  case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
  case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
  case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    return BS_BUS_FATAL;
  /* The message itself can never be delivered. */
  case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
  case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
  case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
  case RD_KAFKA_RESP_ERR_INVALID_RECORD:
  case RD_KAFKA_RESP_ERR_INVALID_MSG:
  case RD_KAFKA_RESP_ERR__BAD_MSG:
  case RD_KAFKA_RESP_ERR__INVALID_ARG:
  case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
  case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
  case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
  case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
  case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    return BS_BUS_PERMANENT;
  /* Everything else concerns the cluster, not the message (broker down,
   * time-outs, leader changes, a topic not created yet): retry. */
  default:
    return BS_BUS_RETRIABLE;
  }
}

bs_status bs_bus_status(bs_bus_class cls) {
  switch (cls) {
  case BS_BUS_OK:
    return BS_OK;
  case BS_BUS_PERMANENT:
    return BS_ERR_PERMANENT;
  case BS_BUS_RETRIABLE:
  case BS_BUS_FATAL:
    break;
  }
  return BS_ERR_RETRIABLE;
}
