/*
 * log.c - leveled logging to stderr with program name and context.
 * One write() per line so lines from threads do not interleave.
 */
#include "bs/log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int bs_log_level = BS_LOG_NOTICE;

static const char *log_program = "bmdstream";
static char log_context[256];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void bs_log_init(const char *program, int level) {
  if (program)
    log_program = program;
  if (level >= 0)
    bs_log_level = level;
}

int bs_log_level_parse(const char *name) {
  static const char *names[] = {"emerg",   "alert",  "crit", "error",
                                "warning", "notice", "info", "debug"};
  if (!name || !*name)
    return -1;
  if (name[0] >= '0' && name[0] <= '7' && name[1] == '\0')
    return name[0] - '0';
  for (int i = 0; i < 8; i++)
    if (strcasecmp(name, names[i]) == 0)
      return i;
  if (strcasecmp(name, "err") == 0)
    return 3;
  if (strcasecmp(name, "warn") == 0)
    return 4;
  return -1;
}

void bs_log_context(const char *context) {
  pthread_mutex_lock(&log_lock);
  snprintf(log_context, sizeof(log_context), "%s", context ? context : "");
  pthread_mutex_unlock(&log_lock);
}

void bs_log_vwrite(int level, const char *fmt, va_list ap) {
  static const char *tags[] = {"EMERG", "ALERT",  "CRIT", "ERROR",
                               "WARN",  "NOTICE", "INFO", "DEBUG"};
  char line[2048];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  pthread_mutex_lock(&log_lock);
  int n =
      snprintf(line, sizeof(line),
               "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s%s%s: ", tm.tm_year + 1900, tm.tm_mon + 1,
               tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_program,
               tags[level < 0   ? 0
                    : level > 7 ? 7
                                : level],
               log_context[0] ? " " : "", log_context);
  pthread_mutex_unlock(&log_lock);
  if (n < 0 || (size_t)n >= sizeof(line))
    n = (int)sizeof(line) - 2;
  int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof(line) - 2)
    len = sizeof(line) - 2;
  line[len++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}

void bs_log_write(int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bs_log_vwrite(level, fmt, ap);
  va_end(ap);
}

void bs_log_core_cb(void *opaque, int level, const char *message) {
  (void)opaque;
  BS_LOG(level, "%s", message);
}
