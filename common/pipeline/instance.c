/*
 * instance.c - a consumer instance's number and group.instance.id, the
 * number held by a lock file for the life of the process (bs/instance.h).
 */
#define _DEFAULT_SOURCE /* flock(2) */
#include "bs/instance.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "bs/sha256.h"

/* The kernel's "this task is exiting" flag in /proc/PID/stat (PF_EXITING). */
#define PROC_FLAG_EXITING 0x4u
/* How long a claim waits for a holder that is exiting. */
#define EXITING_WAIT_MS 10000

struct bs_instance {
  int fd;     /* the lock held; -1 for none */
  int number; /* -1: a dynamic member */
  char id[256];
};

/* Kafka's rule for a group.instance.id (as for topic names): letters,
 * digits, '.', '_' and '-'. Anything else becomes '_'. */
static void sanitize(char *s) {
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '.' || *s == '_' || *s == '-'))
      *s = '_';
}

/* -2: "auto", -1: "none", else the number; -3 when the setting is none of
 * these. */
static int parse_setting(const char *setting) {
  if (!setting || !*setting || strcmp(setting, "auto") == 0)
    return -2;
  if (strcmp(setting, "none") == 0)
    return -1;
  char *end = NULL;
  errno = 0;
  long n = strtol(setting, &end, 10);
  if (errno || *end || end == setting || setting[0] == '-' || setting[0] == '+' || n < 0 ||
      n >= BS_INSTANCE_MAX)
    return -3;
  return (int)n;
}

/* 1 when SIGKILL is pending for PID (the ShdPnd line of
 * /proc/PID/status: a hexadecimal mask, bit n-1 for signal n). */
static int kill_pending(long pid) {
  char path[64], line[256];
  snprintf(path, sizeof(path), "/proc/%ld/status", pid);
  FILE *f = fopen(path, "re");
  unsigned long long mask = 0;
  if (!f)
    return 0;
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "ShdPnd: %llx", &mask) == 1)
      break;
  fclose(f);
  return (mask & (1ull << (SIGKILL - 1))) != 0;
}

/* 1 when PID was killed a moment ago (SIGKILL pending), is exiting or is
 * a zombie: it is about to release its locks, or has; 0 when it runs or
 * cannot be read. */
static int holder_exiting(long pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return 0;
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may
   * hold spaces and parentheses, so fields are counted after the last ')'. */
  char *p = strrchr(buf, ')');
  char state = 0;
  unsigned long flags = 0;
  if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
    return 0;
  return state == 'Z' || state == 'X' || (flags & PROC_FLAG_EXITING) != 0 || kill_pending(pid);
}

/* The PID a lock file names (its holder wrote it), 0 when unknown. */
static long read_holder(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  return strtol(buf, NULL, 10);
}

/* Tries to lock path: 0 with *fd set when taken, 1 when another holds it
 * (*holder: its PID or 0), -1 with errno when the file cannot be opened. */
static int try_lock(const char *path, int *fd, long *holder) {
  int writable = 1;
  int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (f < 0 && errno == EACCES) { /* another user's file: a read-only lock is as good */
    writable = 0;
    f = open(path, O_RDONLY | O_CLOEXEC);
  }
  if (f < 0)
    return -1;
  if (flock(f, LOCK_EX | LOCK_NB) == 0) {
    if (writable) {
      char pid[32];
      int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
      if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)len, 0) != len) {
        /* Only a hint for messages; the lock is what counts. */
      }
    }
    *fd = f;
    return 0;
  }
  int err = errno;
  *holder = read_holder(f);
  close(f);
  if (err != EWOULDBLOCK) {
    errno = err;
    return -1;
  }
  return 1;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Claims number n: 0 taken, 1 held by a live process (*holder), -1 error. */
static int claim_number(const char *dir, const char *group, const char *cluster, int n, int *fd,
                        long *holder) {
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/bmdstream-%s-%s-%d.lock", dir, group, cluster, n);
  for (long waited = 0;; waited += 50) {
    *holder = 0;
    int rc = try_lock(path, fd, holder);
    if (rc != 1 || !*holder || !holder_exiting(*holder) || waited >= EXITING_WAIT_MS)
      return rc;
    sleep_ms(50); /* killed a moment ago: its lock goes with it */
  }
}

bs_status bs_instance_claim(const char *setting, const char *program, const char *group,
                            const char *bootstrap, const char *lock_dir, bs_instance **out,
                            char *errstr, size_t errstr_size) {
  *out = NULL;
  int wanted = parse_setting(setting);
  if (wanted == -3) {
    bs_set_err(errstr, errstr_size,
               "instance: '%.40s' is not auto, none or an instance number 0-%d", setting,
               BS_INSTANCE_MAX - 1);
    return BS_ERR_PERMANENT;
  }
  bs_instance *inst = calloc(1, sizeof(*inst));
  if (!inst) {
    bs_set_err(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  inst->fd = -1;
  inst->number = -1;
  if (wanted == -1) {
    *out = inst;
    return BS_OK;
  }
  char safe_group[128], cluster[65], host[64];
  snprintf(safe_group, sizeof(safe_group), "%s", group);
  sanitize(safe_group);
  bs_sha256_hex(bootstrap ? bootstrap : "", bootstrap ? strlen(bootstrap) : 0, NULL, cluster);
  cluster[12] = '\0';
  if (gethostname(host, sizeof(host)) != 0)
    snprintf(host, sizeof(host), "localhost");
  host[sizeof(host) - 1] = '\0';
  sanitize(host);

  int first = wanted >= 0 ? wanted : 0, last = wanted >= 0 ? wanted : BS_INSTANCE_MAX - 1;
  long holder = 0;
  for (int n = first; n <= last; n++) {
    int rc = claim_number(lock_dir, safe_group, cluster, n, &inst->fd, &holder);
    if (rc < 0) {
      bs_set_err(errstr, errstr_size, "instance %d of group %s: lock file in %s: %s", n, group,
                 lock_dir, strerror(errno));
      free(inst);
      return BS_ERR_RETRIABLE;
    }
    if (rc == 0) {
      inst->number = n;
      snprintf(inst->id, sizeof(inst->id), "%s-%s-%d", program, host, n);
      sanitize(inst->id);
      *out = inst;
      return BS_OK;
    }
  }
  if (wanted >= 0)
    bs_set_err(errstr, errstr_size,
               "instance %d of group %s is held by a live process (pid %ld) on this host: give "
               "each instance its own number (setting instance, BMDSTREAM_INSTANCE) or leave it "
               "auto",
               wanted, group, holder);
  else
    bs_set_err(errstr, errstr_size, "group %s: all %d instance numbers are held on this host",
               group, BS_INSTANCE_MAX);
  free(inst);
  return BS_ERR_PERMANENT;
}

const char *bs_instance_id(const bs_instance *inst) {
  return inst && inst->number >= 0 ? inst->id : NULL;
}

int bs_instance_number(const bs_instance *inst) {
  return inst ? inst->number : -1;
}

void bs_instance_destroy(bs_instance *inst) {
  if (!inst)
    return;
  if (inst->fd >= 0)
    close(inst->fd);
  free(inst);
}
