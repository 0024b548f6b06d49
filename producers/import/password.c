/*
 * password.c - the password of an interactive import (docs/security.md,
 * "Signed upstream events"): from --password-file (mode 0600), else typed
 * at the terminal without echo, else the first line of standard input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "import.h"

/* Reads one line of f into buf without its line break; -1 at EOF. */
static int read_line(FILE *f, char *buf, size_t size) {
  if (!fgets(buf, (int)size, f))
    return -1;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 0;
}

static int from_file(const char *path, char *buf, size_t size, char *errstr, size_t errstr_size) {
  FILE *f = fopen(path, "r");
  struct stat sb;
  if (!f || fstat(fileno(f), &sb) != 0) {
    snprintf(errstr, errstr_size, "password file %s: %s", path, strerror(errno));
    if (f)
      fclose(f);
    return -1;
  }
  int rc = 0;
  if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
    snprintf(errstr, errstr_size,
             "password file %s: readable by group or others (mode %03o); chmod 600 it", path,
             (unsigned)(sb.st_mode & 0777));
    rc = -1;
  } else if (read_line(f, buf, size) != 0) {
    snprintf(errstr, errstr_size, "password file %s: empty", path);
    rc = -1;
  }
  fclose(f);
  return rc;
}

/* Asks on the terminal with echo off, restoring it afterwards. */
static int from_terminal(const char *user, char *buf, size_t size, char *errstr,
                         size_t errstr_size) {
  FILE *tty = fopen("/dev/tty", "r+");
  struct termios old, quiet;
  if (!tty || tcgetattr(fileno(tty), &old) != 0) {
    snprintf(errstr, errstr_size, "cannot ask for the password: no terminal");
    if (tty)
      fclose(tty);
    return -1;
  }
  /* Echo goes off before the prompt shows (dropping what was typed ahead),
   * so nothing typed after it can be echoed or lost. */
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)ECHO;
  tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
  fprintf(tty, "Password for %s: ", user);
  fflush(tty);
  int rc = read_line(tty, buf, size);
  tcsetattr(fileno(tty), TCSANOW, &old);
  fprintf(tty, "\n");
  fclose(tty);
  if (rc != 0)
    snprintf(errstr, errstr_size, "no password given");
  return rc;
}

int bs_import_read_password(const char *path, const char *user, char *buf, size_t size,
                            char *errstr, size_t errstr_size) {
  if (path && *path)
    return from_file(path, buf, size, errstr, errstr_size);
  if (isatty(STDIN_FILENO))
    return from_terminal(user, buf, size, errstr, errstr_size);
  if (read_line(stdin, buf, size) != 0) {
    snprintf(errstr, errstr_size, "no password on standard input");
    return -1;
  }
  return 0;
}
