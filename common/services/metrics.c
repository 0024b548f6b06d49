/*
 * metrics.c - metric families and series, and their text rendering.
 */
#include "bs/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_internal.h"

static const double bucket_bounds[BS_METRICS_BUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

bs_metrics *bs_metrics_new(void) {
  bs_metrics *m = calloc(1, sizeof(*m));
  if (!m)
    return NULL;
  pthread_mutex_init(&m->lock, NULL);
  return m;
}

void bs_metrics_destroy(bs_metrics *m) {
  if (!m)
    return;
  bs_metrics_stop_server(m);
  for (size_t i = 0; i < m->nseries; i++) {
    free(m->series[i].labels);
  }
  free(m->series);
  pthread_mutex_destroy(&m->lock);
  free(m);
}

int bs_metrics_declare(bs_metrics *m, const char *name, bs_metric_type type, const char *help) {
  pthread_mutex_lock(&m->lock);
  int rc = -1;
  if (m->nfamilies < BS_METRICS_MAX_FAMILIES) {
    metric_family *f = &m->families[m->nfamilies++];
    snprintf(f->name, sizeof(f->name), "%s", name);
    snprintf(f->help, sizeof(f->help), "%s", help);
    f->type = type;
    rc = 0;
  }
  pthread_mutex_unlock(&m->lock);
  return rc;
}

int bs_metrics_health(bs_metrics *m, const char *name, bs_health_cb cb, void *opaque) {
  pthread_mutex_lock(&m->lock);
  int rc = -1;
  if (m->nchecks < BS_METRICS_MAX_CHECKS) {
    health_check *h = &m->checks[m->nchecks++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    h->cb = cb;
    h->opaque = opaque;
    rc = 0;
  }
  pthread_mutex_unlock(&m->lock);
  return rc;
}

/* Label values are escaped as the format requires: \ " and newline. */
static void append_escaped(char *dst, size_t size, size_t *pos, const char *s) {
  for (; *s && *pos + 3 < size; s++) {
    if (*s == '\\' || *s == '"' || *s == '\n') {
      dst[(*pos)++] = '\\';
      dst[(*pos)++] = *s == '\n' ? 'n' : *s;
    } else {
      dst[(*pos)++] = *s;
    }
  }
  dst[*pos] = '\0';
}

static char *format_labels(const char *l1, const char *v1, const char *l2, const char *v2) {
  char buf[1024];
  size_t pos = 0;
  buf[0] = '\0';
  const char *ls[2] = {l1, l2}, *vs[2] = {v1, v2};
  for (int i = 0; i < 2; i++) {
    if (!ls[i] || !vs[i])
      continue;
    pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, "%s%s=\"", pos ? "," : "", ls[i]);
    if (pos >= sizeof(buf) - 4)
      break;
    append_escaped(buf, sizeof(buf) - 2, &pos, vs[i]);
    buf[pos++] = '"';
    buf[pos] = '\0';
  }
  return strdup(buf);
}

/* Finds or creates a series; call with the lock held. */
static metric_series *series_get(bs_metrics *m, const char *name, const char *l1, const char *v1,
                                 const char *l2, const char *v2) {
  char *labels = format_labels(l1, v1, l2, v2);
  if (!labels)
    return NULL;
  for (size_t i = 0; i < m->nseries; i++)
    if (strcmp(m->series[i].name, name) == 0 && strcmp(m->series[i].labels, labels) == 0) {
      free(labels);
      return &m->series[i];
    }
  if (m->nseries == m->capseries) {
    size_t cap = m->capseries ? 2 * m->capseries : 16;
    metric_series *ns = realloc(m->series, cap * sizeof(*ns));
    if (!ns) {
      free(labels);
      return NULL;
    }
    m->series = ns;
    m->capseries = cap;
  }
  metric_series *s = &m->series[m->nseries++];
  memset(s, 0, sizeof(*s));
  snprintf(s->name, sizeof(s->name), "%s", name);
  s->labels = labels;
  return s;
}

void bs_metrics_add(bs_metrics *m, const char *name, const char *label1, const char *value1,
                    const char *label2, const char *value2, double delta) {
  pthread_mutex_lock(&m->lock);
  metric_series *s = series_get(m, name, label1, value1, label2, value2);
  if (s)
    s->value += delta;
  pthread_mutex_unlock(&m->lock);
}

void bs_metrics_set(bs_metrics *m, const char *name, const char *label1, const char *value1,
                    const char *label2, const char *value2, double value) {
  pthread_mutex_lock(&m->lock);
  metric_series *s = series_get(m, name, label1, value1, label2, value2);
  if (s)
    s->value = value;
  pthread_mutex_unlock(&m->lock);
}

void bs_metrics_observe(bs_metrics *m, const char *name, const char *label1, const char *value1,
                        double value) {
  pthread_mutex_lock(&m->lock);
  metric_series *s = series_get(m, name, label1, value1, NULL, NULL);
  if (s) {
    for (int b = 0; b < BS_METRICS_BUCKETS; b++)
      if (value <= bucket_bounds[b])
        s->buckets[b]++;
    s->count++;
    s->value += value; /* the sum */
  }
  pthread_mutex_unlock(&m->lock);
}

typedef struct text_buf {
  char *data;
  size_t len, cap;
} text_buf;

static void text_printf(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(text_buf *t, const char *fmt, ...) {
  if (!t->data && t->cap)
    return; /* an earlier allocation failed */
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0)
      return;
    if (t->data && t->len + (size_t)n < t->cap) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = (t->cap ? t->cap : 4096) * 2 + (size_t)n;
    char *nd = realloc(t->data, cap);
    if (!nd) {
      free(t->data);
      t->data = NULL;
      t->cap = 1;
      return;
    }
    t->data = nd;
    t->cap = cap;
  }
}

static void format_number(char *buf, size_t size, double v) {
  if (isinf(v))
    snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
  else if (isnan(v))
    snprintf(buf, size, "NaN");
  else /* the shortest text that reads back as v */
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(buf, size, "%.*g", prec, v);
      if (strtod(buf, NULL) == v)
        break;
    }
}

char *bs_metrics_render(bs_metrics *m) {
  text_buf t = {0};
  char num[64];
  pthread_mutex_lock(&m->lock);
  for (size_t f = 0; f < m->nfamilies; f++) {
    const metric_family *fam = &m->families[f];
    static const char *types[] = {"counter", "gauge", "histogram"};
    text_printf(&t, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name,
                types[fam->type]);
    for (size_t i = 0; i < m->nseries; i++) {
      const metric_series *s = &m->series[i];
      if (strcmp(s->name, fam->name) != 0)
        continue;
      const char *sep = s->labels[0] ? "," : "";
      if (fam->type != BS_METRIC_HISTOGRAM) {
        format_number(num, sizeof(num), s->value);
        text_printf(&t, "%s%s%s%s %s\n", s->name, s->labels[0] ? "{" : "", s->labels,
                    s->labels[0] ? "}" : "", num);
        continue;
      }
      for (int b = 0; b < BS_METRICS_BUCKETS; b++) {
        format_number(num, sizeof(num), bucket_bounds[b]);
        text_printf(&t, "%s_bucket{%s%sle=\"%s\"} %llu\n", s->name, s->labels, sep, num,
                    s->buckets[b]);
      }
      text_printf(&t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", s->name, s->labels, sep, s->count);
      format_number(num, sizeof(num), s->value);
      text_printf(&t, "%s_sum%s%s%s %s\n", s->name, s->labels[0] ? "{" : "", s->labels,
                  s->labels[0] ? "}" : "", num);
      text_printf(&t, "%s_count%s%s%s %llu\n", s->name, s->labels[0] ? "{" : "", s->labels,
                  s->labels[0] ? "}" : "", s->count);
    }
  }
  pthread_mutex_unlock(&m->lock);
  if (!t.data && !t.cap)
    return strdup("");
  return t.data;
}
