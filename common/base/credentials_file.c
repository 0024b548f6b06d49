/*
 * credentials_file.c - one principal's credentials file (see
 * bs/credentials_file.h).
 */
#include "bs/credentials_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The file's path: path itself, or path/<principal><suffix>. */
static int file_of(const char *path, const char *principal, const char *suffix, char *file,
                   size_t size) {
  struct stat st;
  int n = (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
              ? snprintf(file, size, "%s/%s%s", path, principal, suffix)
              : snprintf(file, size, "%s", path);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

bs_status bs_credentials_file_read(const char *setting, const char *path, const char *principal,
                                   const char *suffix, char *buf, size_t size, char *file,
                                   size_t file_size, char *errstr, size_t errstr_size) {
  if (file_of(path, principal, suffix, file, file_size) != 0) {
    snprintf(errstr, errstr_size, "%s: path too long", setting);
    return BS_ERR_PERMANENT;
  }
  FILE *f = fopen(file, "r");
  if (!f) {
    snprintf(errstr, errstr_size, "%s: %s (principal %s): %s", setting, file, principal,
             strerror(errno));
    return BS_ERR_PERMANENT;
  }
  size_t len = fread(buf, 1, size - 1, f);
  int too_big = len == size - 1 && fgetc(f) != EOF;
  int failed = ferror(f);
  fclose(f);
  buf[len] = '\0';
  if (failed || too_big) {
    memset(buf, 0, size);
    if (failed)
      snprintf(errstr, errstr_size, "%s: %s: read error", setting, file);
    else
      snprintf(errstr, errstr_size, "%s: %s: larger than %zu bytes", setting, file, size - 1);
    return BS_ERR_PERMANENT;
  }
  return BS_OK;
}
