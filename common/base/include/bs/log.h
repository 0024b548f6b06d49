/*
 * bs/log.h - the one logging module of the programs (STYLE.md #8).
 *
 * Syslog levels; BS_LOG tests the level before formatting anything. Every
 * line carries the program name and the context set with bs_log_context()
 * (e.g. "topic=prefilter-done partition=2 offset=17 job=..."). Lines go to
 * stderr: stdout is for data.
 */
#ifndef BS_LOG_H
#define BS_LOG_H

#include <stdarg.h>

enum { BS_LOG_ERR = 3, BS_LOG_WARNING = 4, BS_LOG_NOTICE = 5, BS_LOG_INFO = 6, BS_LOG_DEBUG = 7 };

extern int bs_log_level;

/* Sets the program name printed on every line (borrowed, must outlive use). */
void bs_log_init(const char *program, int level);

/* Parses "error", "warning", "notice", "info", "debug" or a digit; -1 if
 * unknown. */
int bs_log_level_parse(const char *name);

/* Sets (or with NULL clears) the per-message context string; copied. */
void bs_log_context(const char *context);

void bs_log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bs_log_vwrite(int level, const char *fmt, va_list ap);

/* Adapter with the bmd_log_cb signature, for passing to core. */
void bs_log_core_cb(void *opaque, int level, const char *message);

#define BS_LOG(level, ...)                                                                         \
  do {                                                                                             \
    if ((level) <= bs_log_level)                                                                   \
      bs_log_write((level), __VA_ARGS__);                                                          \
  } while (0)
#define bs_err(...) BS_LOG(BS_LOG_ERR, __VA_ARGS__)
#define bs_warn(...) BS_LOG(BS_LOG_WARNING, __VA_ARGS__)
#define bs_notice(...) BS_LOG(BS_LOG_NOTICE, __VA_ARGS__)
#define bs_info(...) BS_LOG(BS_LOG_INFO, __VA_ARGS__)
#define bs_debug(...) BS_LOG(BS_LOG_DEBUG, __VA_ARGS__)

#endif
