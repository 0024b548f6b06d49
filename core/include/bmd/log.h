/*
 * bmd/log.h - how core reports diagnostics without doing I/O itself:
 * callers may pass a callback; core never prints (STYLE.md #6).
 * Levels are syslog's (3 = error ... 7 = debug).
 */
#ifndef BMD_LOG_H
#define BMD_LOG_H

typedef void (*bmd_log_cb)(void *opaque, int level, const char *message);

#endif
