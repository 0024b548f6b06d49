/*
 * bs/metrics.h - process metrics in the Prometheus text exposition format
 * (version 0.0.4), served over HTTP on a 127.0.0.1 port, with a health
 * endpoint.
 *
 *   GET /metrics  counters, gauges and histograms registered here
 *   GET /health   200 when every dependency check answers, else 503, with
 *                 a JSON body {"status":..., "checks":{"broker":"ok",...}}
 *
 * A series is a metric name plus at most two label pairs. Updates take a
 * mutex and are cheap; the server runs in its own thread and is stopped by
 * bs_metrics_destroy().
 */
#ifndef BS_METRICS_H
#define BS_METRICS_H

#include <stddef.h>

typedef struct bs_metrics bs_metrics;

typedef enum { BS_METRIC_COUNTER, BS_METRIC_GAUGE, BS_METRIC_HISTOGRAM } bs_metric_type;

/* A health check: returns 0 when the dependency answers, else fills
 * detail (e.g. "connection refused"). Runs on the server thread. */
typedef int (*bs_health_cb)(void *opaque, char *detail, size_t detail_size);

bs_metrics *bs_metrics_new(void);
/* Stops the server (if any) and frees everything; NULL is safe. */
void bs_metrics_destroy(bs_metrics *m);

/* Declares a family's type and help text (once, before use). */
int bs_metrics_declare(bs_metrics *m, const char *name, bs_metric_type type, const char *help);

/* Labels: label1/value1 and label2/value2 may be NULL. */
void bs_metrics_add(bs_metrics *m, const char *name, const char *label1, const char *value1,
                    const char *label2, const char *value2, double delta);
void bs_metrics_set(bs_metrics *m, const char *name, const char *label1, const char *value1,
                    const char *label2, const char *value2, double value);
/* Histograms use fixed buckets suited to message processing times, in
 * seconds: 0.005 ... 600. */
void bs_metrics_observe(bs_metrics *m, const char *name, const char *label1, const char *value1,
                        double value);

/* Registers a health check under a name ("broker", "database", ...). */
int bs_metrics_health(bs_metrics *m, const char *name, bs_health_cb cb, void *opaque);

/* Writes the exposition text into a new malloc'd string (caller frees). */
char *bs_metrics_render(bs_metrics *m);

/* Starts serving on 127.0.0.1:port (0 = any free port; the bound port is
 * returned in *bound_port). Returns 0, or -1 with errstr filled. */
int bs_metrics_serve(bs_metrics *m, int port, int *bound_port, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
