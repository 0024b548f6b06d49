/*
 * bs/lag.h - consumer-group lag as Kafka's own ConsumerGroupCommand
 * computes it: per partition, lag = log-end offset (high watermark) -
 * committed offset; a partition without a committed offset has no lag
 * ("-"). Groups, their state and members come from the Admin API
 * (ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets);
 * log-end offsets from ListOffsets (rd_kafka_query_watermark_offsets).
 */
#ifndef BS_LAG_H
#define BS_LAG_H

#include <stddef.h>
#include <stdint.h>

#include "bs/bus.h"

typedef struct bs_lag_partition {
  char topic[256];
  int32_t partition;
  int64_t committed; /* -1: none */
  int64_t log_end;
  int64_t lag;      /* -1: unknown (no committed offset) */
  char member[256]; /* consumer id assigned to it, "" if none */
  char client_id[256];
  char host[256];
} bs_lag_partition;

typedef struct bs_lag_group {
  char group[256];
  char state[32]; /* Stable, Empty, PreparingRebalance, ... */
  int members;
  bs_lag_partition *partitions;
  size_t npartitions;
  int64_t total_lag;
} bs_lag_group;

typedef struct bs_lag_report {
  bs_lag_group *groups;
  size_t ngroups;
} bs_lag_report;

/* Collects the lag of `group`, or of every consumer group when group is
 * NULL. timeout_ms bounds each Admin request. */
bs_status bs_lag_collect(const bs_bus_options *opt, const char *group, int timeout_ms,
                         bs_lag_report *report, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

void bs_lag_report_free(bs_lag_report *report);

#endif
