/*
 * metrics_http.c - /metrics and /health served by libmicrohttpd on
 * 127.0.0.1 only: one internal thread, a bounded number of connections,
 * each with a timeout and a small memory pool. GET only (405 otherwise),
 * 404 for any other path. For scrapers and probes on the same host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bs/log.h"
#include "metrics_internal.h"

#define MAX_CONNECTIONS 16U
#define CONNECTION_TIMEOUT_S 10U
#define CONNECTION_MEMORY (32U * 1024U)

/* libmicrohttpd's messages: logged, and the last kept for errstr. */
static void log_cb(void *opaque, const char *fmt, va_list ap) {
  bs_metrics *m = opaque;
  char line[256];
  vsnprintf(line, sizeof(line), fmt, ap);
  line[strcspn(line, "\r\n")] = '\0';
  bs_warn("metrics: %s", line);
  pthread_mutex_lock(&m->lock);
  snprintf(m->http_error, sizeof(m->http_error), "%s", line);
  pthread_mutex_unlock(&m->lock);
}

/* Runs every health check; *body is new JSON text
 * {"status":"ok"|"unhealthy","checks":{name:"ok"|detail}}. Returns the
 * HTTP code, 200 or 503. */
static unsigned int health_body(bs_metrics *m, char **body) {
  health_check checks[BS_METRICS_MAX_CHECKS];
  pthread_mutex_lock(&m->lock);
  size_t n = m->nchecks;
  memcpy(checks, m->checks, n * sizeof(checks[0]));
  pthread_mutex_unlock(&m->lock);
  int healthy = 1;
  json_t *results = json_object();
  for (size_t i = 0; i < n; i++) {
    char detail[200] = "";
    int ok = checks[i].cb(checks[i].opaque, detail, sizeof(detail)) == 0;
    healthy &= ok;
    json_t *value = json_string(ok ? "ok" : (detail[0] ? detail : "failing"));
    json_object_set_new(results, checks[i].name, value ? value : json_string("failing"));
  }
  json_t *doc = json_pack("{s:s, s:o}", "status", healthy ? "ok" : "unhealthy", "checks", results);
  char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  /* One line, as a probe reading with `curl` expects. */
  size_t len = text ? strlen(text) : 0;
  char *line = text ? realloc(text, len + 2) : NULL;
  if (line)
    memcpy(line + len, "\n", 2);
  else
    free(text);
  *body = line;
  return healthy ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
}

/* Queues code with body (malloc'd, taken; NULL means empty). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *type,
                             char *body) {
  struct MHD_Response *r =
      body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)
           : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if (!r) {
    free(body);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, MHD_HTTP_METHOD_GET);
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result request_cb(void *opaque, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state) {
  bs_metrics *m = opaque;
  (void)version;
  (void)upload;
  (void)upload_size;
  (void)state;
  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
    return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", strdup("only GET\n"));
  if (strcmp(url, "/metrics") == 0)
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", bs_metrics_render(m));
  if (strcmp(url, "/health") == 0) {
    char *body = NULL;
    unsigned int code = health_body(m, &body);
    return reply(c, code, "application/json", body);
  }
  return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", strdup("try /metrics or /health\n"));
}

int bs_metrics_serve(bs_metrics *m, int port, int *bound_port, char *errstr, size_t errstr_size) {
  if (m->daemon || port < 0 || port > 65535) {
    snprintf(errstr, errstr_size, "metrics: %s",
             m->daemon ? "already serving" : "port out of range");
    return -1;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  m->http_error[0] = '\0';
  errno = 0;
  m->daemon = MHD_start_daemon(
      MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, request_cb, m,
      MHD_OPTION_EXTERNAL_LOGGER, log_cb, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
      MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
      CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
      MHD_OPTION_END);
  if (!m->daemon) {
    int e = errno;
    pthread_mutex_lock(&m->lock);
    snprintf(errstr, errstr_size, "metrics: cannot listen on 127.0.0.1:%d: %s", port,
             m->http_error[0] ? m->http_error : strerror(e ? e : EINVAL));
    pthread_mutex_unlock(&m->lock);
    return -1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
  if (!info || info->port == 0) {
    snprintf(errstr, errstr_size, "metrics: cannot tell the bound port");
    bs_metrics_stop_server(m);
    return -1;
  }
  if (bound_port)
    *bound_port = info->port;
  return 0;
}

void bs_metrics_stop_server(bs_metrics *m) {
  if (!m->daemon)
    return;
  MHD_stop_daemon(m->daemon);
  m->daemon = NULL;
}
