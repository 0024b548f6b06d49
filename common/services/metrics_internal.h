/*
 * metrics_internal.h - the metrics registry's layout, shared by the
 * renderer (metrics.c) and the HTTP server (metrics_http.c).
 */
#ifndef BS_METRICS_INTERNAL_H
#define BS_METRICS_INTERNAL_H

#include <pthread.h>

#include "bs/metrics.h"

struct MHD_Daemon;

#define BS_METRICS_BUCKETS 16
#define BS_METRICS_MAX_FAMILIES 64
#define BS_METRICS_MAX_CHECKS 8

typedef struct metric_family {
  char name[96];
  char help[256];
  bs_metric_type type;
} metric_family;

typedef struct metric_series {
  char name[96];
  char *labels; /* rendered `a="x",b="y"` */
  double value; /* counter/gauge value, or histogram sum */
  unsigned long long count;
  unsigned long long buckets[BS_METRICS_BUCKETS]; /* cumulative counts */
} metric_series;

typedef struct health_check {
  char name[32];
  bs_health_cb cb;
  void *opaque;
} health_check;

struct bs_metrics {
  pthread_mutex_t lock;
  metric_family families[BS_METRICS_MAX_FAMILIES];
  size_t nfamilies;
  metric_series *series;
  size_t nseries, capseries;
  health_check checks[BS_METRICS_MAX_CHECKS];
  size_t nchecks;
  /* server (metrics_http.c) */
  struct MHD_Daemon *daemon;
  char http_error[256]; /* libmicrohttpd's last message, under lock */
};

/* Stops the server if it runs; waits for its thread. */
void bs_metrics_stop_server(bs_metrics *m);

#endif
