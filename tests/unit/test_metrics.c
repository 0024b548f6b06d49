/*
 * test_metrics.c - Prometheus text rendering, and /metrics and /health
 * served on a loopback port and scraped with libcurl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/metrics.h"

static void populate(bs_metrics *m) {
  bs_metrics_declare(m, "bs_messages_processed_total", BS_METRIC_COUNTER, "messages done");
  bs_metrics_declare(m, "bs_processing_seconds", BS_METRIC_HISTOGRAM, "time per message");
  bs_metrics_declare(m, "bs_last_error_info", BS_METRIC_GAUGE, "last error");
  bs_metrics_add(m, "bs_messages_processed_total", "topic", "bmd-done", NULL, NULL, 1);
  bs_metrics_add(m, "bs_messages_processed_total", "topic", "bmd-done", NULL, NULL, 2);
  bs_metrics_add(m, "bs_messages_processed_total", "topic", "prefilter-done", NULL, NULL, 1);
  bs_metrics_observe(m, "bs_processing_seconds", "topic", "bmd-done", 0.02);
  bs_metrics_observe(m, "bs_processing_seconds", "topic", "bmd-done", 3.0);
  bs_metrics_set(m, "bs_last_error_info", "message", "bad \"quote\"\nline", NULL, NULL, 1);
}

static void test_render_format(void **state) {
  (void)state;
  bs_metrics *m = bs_metrics_new();
  populate(m);
  char *text = bs_metrics_render(m);
  assert_non_null(strstr(text, "# TYPE bs_messages_processed_total counter\n"));
  assert_non_null(strstr(text, "bs_messages_processed_total{topic=\"bmd-done\"} 3\n"));
  assert_non_null(strstr(text, "bs_messages_processed_total{topic=\"prefilter-done\"} 1\n"));
  /* Buckets are cumulative: 0.02 falls in le=0.025 and above, 3.0 in le=5 and above. */
  assert_non_null(strstr(text, "bs_processing_seconds_bucket{topic=\"bmd-done\",le=\"0.01\"} 0\n"));
  assert_non_null(
      strstr(text, "bs_processing_seconds_bucket{topic=\"bmd-done\",le=\"0.025\"} 1\n"));
  assert_non_null(strstr(text, "bs_processing_seconds_bucket{topic=\"bmd-done\",le=\"2.5\"} 1\n"));
  assert_non_null(strstr(text, "bs_processing_seconds_bucket{topic=\"bmd-done\",le=\"5\"} 2\n"));
  assert_non_null(strstr(text, "bs_processing_seconds_bucket{topic=\"bmd-done\",le=\"+Inf\"} 2\n"));
  assert_non_null(strstr(text, "bs_processing_seconds_sum{topic=\"bmd-done\"} 3.02"));
  assert_non_null(strstr(text, "bs_processing_seconds_count{topic=\"bmd-done\"} 2\n"));
  assert_non_null(strstr(text, "bs_last_error_info{message=\"bad \\\"quote\\\"\\nline\"} 1\n"));
  free(text);
  bs_metrics_destroy(m);
  bs_metrics_destroy(NULL);
}

typedef struct body {
  char data[16384];
  size_t len;
} body;

static size_t collect(char *ptr, size_t size, size_t n, void *userdata) {
  body *b = userdata;
  size_t len = size * n;
  if (b->len + len >= sizeof(b->data))
    len = sizeof(b->data) - 1 - b->len;
  memcpy(b->data + b->len, ptr, len);
  b->len += len;
  b->data[b->len] = '\0';
  return size * n;
}

static long request(int port, const char *method, const char *path, body *b) {
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
  CURL *c = curl_easy_init();
  memset(b, 0, sizeof(*b));
  curl_easy_setopt(c, CURLOPT_URL, url);
  if (strcmp(method, "GET") != 0)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  long code = 0;
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  return code;
}

static long get(int port, const char *path, body *b) {
  return request(port, "GET", path, b);
}

static int healthy_cb(void *opaque, char *detail, size_t size) {
  (void)opaque;
  (void)detail;
  (void)size;
  return 0;
}

static int failing_cb(void *opaque, char *detail, size_t size) {
  snprintf(detail, size, "%s", (const char *)opaque);
  return -1;
}

static void test_serve_and_scrape(void **state) {
  (void)state;
  bs_metrics *m = bs_metrics_new();
  populate(m);
  char err[256];
  int port = 0;
  assert_int_equal(bs_metrics_serve(m, 0, &port, err, sizeof(err)), 0);
  assert_true(port > 0);
  body b;
  assert_int_equal(get(port, "/metrics", &b), 200);
  assert_non_null(strstr(b.data, "bs_messages_processed_total{topic=\"bmd-done\"} 3\n"));
  assert_int_equal(get(port, "/health", &b), 200);
  assert_string_equal(b.data, "{\"status\":\"ok\",\"checks\":{}}\n");
  bs_metrics_health(m, "database", healthy_cb, NULL);
  bs_metrics_health(m, "broker", failing_cb, "connection refused");
  assert_int_equal(get(port, "/health", &b), 503);
  assert_non_null(strstr(b.data, "\"database\":\"ok\""));
  assert_non_null(strstr(b.data, "\"broker\":\"connection refused\""));
  assert_non_null(strstr(b.data, "\"status\":\"unhealthy\""));
  assert_int_equal(get(port, "/nothing", &b), 404);
  assert_int_equal(request(port, "POST", "/metrics", &b), 405);
  assert_int_equal(request(port, "DELETE", "/health", &b), 405);
  /* The port is taken: a second server says so. */
  bs_metrics *other = bs_metrics_new();
  int other_port = 0;
  assert_int_equal(bs_metrics_serve(other, port, &other_port, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "127.0.0.1"));
  bs_metrics_destroy(other);
  bs_metrics_destroy(m); /* stops the server thread */
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_render_format),
      cmocka_unit_test(test_serve_and_scrape),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
