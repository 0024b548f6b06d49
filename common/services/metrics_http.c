/*
 * metrics_http.c - a minimal HTTP/1.0 server for /metrics and /health on
 * 127.0.0.1: one thread, one request per connection, bounded reads. It is
 * for scrapers and probes on the same host, not a general web server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_internal.h"

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    buf += n;
    len -= (size_t)n;
  }
}

static void respond(int fd, int code, const char *reason, const char *type, const char *body) {
  char head[256];
  size_t len = strlen(body);
  int n = snprintf(head, sizeof(head),
                   "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n",
                   code, reason, type, len);
  write_all(fd, head, (size_t)n);
  write_all(fd, body, len);
}

/* Runs every health check; the body is JSON. Returns the HTTP code. */
static int health_body(bs_metrics *m, char *body, size_t size) {
  health_check checks[BS_METRICS_MAX_CHECKS];
  pthread_mutex_lock(&m->lock);
  size_t n = m->nchecks;
  memcpy(checks, m->checks, n * sizeof(checks[0]));
  pthread_mutex_unlock(&m->lock);
  int healthy = 1;
  size_t pos = 0;
  char parts[BS_METRICS_MAX_CHECKS][400];
  for (size_t i = 0; i < n; i++) {
    char detail[200] = "";
    int ok = checks[i].cb(checks[i].opaque, detail, sizeof(detail)) == 0;
    healthy &= ok;
    for (char *c = detail; *c; c++)
      if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
        *c = ' ';
    snprintf(parts[i], sizeof(parts[i]), "\"%s\":\"%s\"", checks[i].name,
             ok ? "ok" : (detail[0] ? detail : "failing"));
  }
  pos += (size_t)snprintf(body + pos, size - pos, "{\"status\":\"%s\",\"checks\":{",
                          healthy ? "ok" : "unhealthy");
  for (size_t i = 0; i < n && pos < size; i++)
    pos += (size_t)snprintf(body + pos, size - pos, "%s%s", i ? "," : "", parts[i]);
  if (pos < size)
    snprintf(body + pos, size - pos, "}}\n");
  return healthy ? 200 : 503;
}

static void serve_one(bs_metrics *m, int fd) {
  char req[2048];
  size_t len = 0;
  /* Read until the end of the request line (bounded in time and size). */
  while (len < sizeof(req) - 1) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0)
      return;
    ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
    if (n <= 0)
      return;
    len += (size_t)n;
    req[len] = '\0';
    if (strstr(req, "\r\n") || strchr(req, '\n'))
      break;
  }
  req[len] = '\0';
  char method[8], path[256];
  if (sscanf(req, "%7s %255s", method, path) != 2) {
    respond(fd, 400, "Bad Request", "text/plain", "bad request\n");
    return;
  }
  if (strcmp(method, "GET") != 0) {
    respond(fd, 405, "Method Not Allowed", "text/plain", "only GET\n");
    return;
  }
  if (strcmp(path, "/metrics") == 0) {
    char *text = bs_metrics_render(m);
    respond(fd, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text ? text : "");
    free(text);
  } else if (strcmp(path, "/health") == 0) {
    char body[2048];
    int code = health_body(m, body, sizeof(body));
    respond(fd, code, code == 200 ? "OK" : "Service Unavailable", "application/json", body);
  } else {
    respond(fd, 404, "Not Found", "text/plain", "try /metrics or /health\n");
  }
}

static void *server_main(void *arg) {
  bs_metrics *m = arg;
  for (;;) {
    struct pollfd p[2] = {{m->listen_fd, POLLIN, 0}, {m->stop_pipe[0], POLLIN, 0}};
    int n = poll(p, 2, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || (p[1].revents & POLLIN))
      break;
    if (p[0].revents & POLLIN) {
      int fd = accept(m->listen_fd, NULL, NULL);
      if (fd < 0)
        continue;
      serve_one(m, fd);
      close(fd);
    }
  }
  return NULL;
}

int bs_metrics_serve(bs_metrics *m, int port, int *bound_port, char *errstr, size_t errstr_size) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 16) != 0) {
    snprintf(errstr, errstr_size, "metrics: cannot listen on 127.0.0.1:%d: %s", port,
             strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  socklen_t alen = sizeof(addr);
  getsockname(fd, (struct sockaddr *)&addr, &alen);
  if (bound_port)
    *bound_port = ntohs(addr.sin_port);
  if (pipe(m->stop_pipe) != 0) {
    snprintf(errstr, errstr_size, "metrics: pipe: %s", strerror(errno));
    close(fd);
    return -1;
  }
  m->listen_fd = fd;
  if (pthread_create(&m->thread, NULL, server_main, m) != 0) {
    snprintf(errstr, errstr_size, "metrics: cannot start the server thread");
    close(fd);
    close(m->stop_pipe[0]);
    close(m->stop_pipe[1]);
    m->listen_fd = -1;
    return -1;
  }
  m->running = 1;
  return 0;
}

void bs_metrics_stop_server(bs_metrics *m) {
  if (!m->running)
    return;
  ssize_t w = write(m->stop_pipe[1], "x", 1);
  (void)w;
  pthread_join(m->thread, NULL);
  close(m->listen_fd);
  close(m->stop_pipe[0]);
  close(m->stop_pipe[1]);
  m->listen_fd = -1;
  m->running = 0;
}
