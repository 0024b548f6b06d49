/*
 * objstore_file.c - the file:// backend: one file per key under a root
 * directory. Writes go to a temporary file renamed into place, so a reader
 * never sees half an object. Listing walks the tree and sorts the keys,
 * as S3 returns them in key order. Files whose names start with ".tmp-"
 * are writes in progress and never listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "objstore_internal.h"

static bs_status io_error(char *errstr, size_t errstr_size, const char *what, const char *path) {
  int e = errno;
  snprintf(errstr, errstr_size, "%s %s: %s", what, path, strerror(e));
  if (e == ENOENT)
    return BS_ERR_NOT_FOUND;
  /* A full disk or a busy file system may pass; a permission will not. */
  return (e == ENOSPC || e == EIO || e == EAGAIN || e == EINTR) ? BS_ERR_RETRIABLE
                                                                : BS_ERR_PERMANENT;
}

static int mkdir_p(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    int rc = mkdir(path, 0755);
    *p = '/';
    if (rc != 0 && errno != EEXIST)
      return -1;
  }
  if (mkdir(path, 0755) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

bs_status bs_objstore_file_create_root(bs_objstore *s, char *errstr, size_t errstr_size) {
  char path[4096];
  snprintf(path, sizeof(path), "%s", s->root);
  if (mkdir_p(path) != 0)
    return io_error(errstr, errstr_size, "cannot create", path);
  return BS_OK;
}

static void object_path(const bs_objstore *s, const char *key, char *out, size_t size) {
  snprintf(out, size, "%s/%s", s->root, key);
}

static bs_status copy_fd(int in, int out, const char *what, const bs_objstore_watch *watch,
                         char *errstr, size_t errstr_size) {
  char buf[65536];
  uint64_t copied = 0;
  for (;;) {
    ssize_t n = read(in, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return io_error(errstr, errstr_size, "cannot read", what);
    if (n == 0)
      return BS_OK;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return io_error(errstr, errstr_size, "cannot write", what);
      off += w;
    }
    copied += (uint64_t)n;
    if (watch && watch->cb)
      watch->cb(watch->opaque, copied);
  }
}

bs_status bs_objstore_file_put(bs_objstore *s, const char *key, const void *buf, size_t len,
                               const char *src_path, char *errstr, size_t errstr_size) {
  char path[4200], tmp[4300];
  object_path(s, key, path, sizeof(path));
  char *slash = strrchr(path, '/');
  *slash = '\0';
  if (mkdir_p(path) != 0)
    return io_error(errstr, errstr_size, "cannot create", path);
  *slash = '/';
  snprintf(tmp, sizeof(tmp), "%.*s/.tmp-%ld-XXXXXX", (int)(slash - path), path, (long)getpid());
  int fd = mkstemp(tmp);
  if (fd < 0)
    return io_error(errstr, errstr_size, "cannot create", tmp);
  bs_status st = BS_OK;
  if (src_path) {
    int in = open(src_path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      st = io_error(errstr, errstr_size, "cannot open", src_path);
      if (st == BS_ERR_NOT_FOUND)
        st = BS_ERR_PERMANENT; /* a missing source is the caller's error */
    } else {
      st = copy_fd(in, fd, src_path, NULL, errstr, errstr_size);
      close(in);
    }
  } else {
    for (size_t off = 0; off < len && st == BS_OK;) {
      ssize_t w = write(fd, (const char *)buf + off, len - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        st = io_error(errstr, errstr_size, "cannot write", tmp);
      else
        off += (size_t)w;
    }
  }
  /* mkstemp creates 0600; objects are as readable as the directories. */
  if (st == BS_OK && fchmod(fd, 0644) != 0)
    st = io_error(errstr, errstr_size, "cannot chmod", tmp);
  if (st == BS_OK && fsync(fd) != 0)
    st = io_error(errstr, errstr_size, "cannot sync", tmp);
  close(fd);
  if (st == BS_OK && rename(tmp, path) != 0)
    st = io_error(errstr, errstr_size, "cannot rename into", path);
  if (st != BS_OK)
    unlink(tmp);
  return st;
}

bs_status bs_objstore_file_get(bs_objstore *s, const char *key, size_t max_len, void **buf,
                               size_t *len, const char *dst_path, const bs_objstore_watch *watch,
                               char *errstr, size_t errstr_size) {
  char path[4200];
  object_path(s, key, path, sizeof(path));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    bs_status st = io_error(errstr, errstr_size, "no object", path);
    if (st == BS_ERR_NOT_FOUND)
      snprintf(errstr, errstr_size, "%s: no such object in %s", key, s->describe);
    return st;
  }
  struct stat sb;
  bs_status st = BS_OK;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    snprintf(errstr, errstr_size, "%s: no such object in %s", key, s->describe);
    close(fd);
    return BS_ERR_NOT_FOUND;
  }
  if (dst_path) {
    int out = open(dst_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
      st = io_error(errstr, errstr_size, "cannot create", dst_path);
    } else {
      st = copy_fd(fd, out, path, watch, errstr, errstr_size);
      close(out);
    }
    close(fd);
    return st;
  }
  if ((uint64_t)sb.st_size > max_len) {
    snprintf(errstr, errstr_size, "%s: %lld bytes, more than the limit of %zu", key,
             (long long)sb.st_size, max_len);
    close(fd);
    return BS_ERR_PERMANENT;
  }
  char *data = malloc((size_t)sb.st_size + 1);
  size_t got = 0;
  while (data && got < (size_t)sb.st_size) {
    ssize_t n = read(fd, data + got, (size_t)sb.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  close(fd);
  if (!data || got != (size_t)sb.st_size) {
    free(data);
    snprintf(errstr, errstr_size, "%s: read failed", path);
    return BS_ERR_RETRIABLE;
  }
  data[got] = '\0';
  *buf = data;
  *len = got;
  return BS_OK;
}

bs_status bs_objstore_file_head(bs_objstore *s, const char *key, bs_object_info *info, char *errstr,
                                size_t errstr_size) {
  char path[4200];
  object_path(s, key, path, sizeof(path));
  struct stat sb;
  if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    snprintf(errstr, errstr_size, "%s: no such object in %s", key, s->describe);
    return BS_ERR_NOT_FOUND;
  }
  info->size = (uint64_t)sb.st_size;
  snprintf(info->etag, sizeof(info->etag), "\"%llx-%llx\"", (unsigned long long)sb.st_size,
           (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
               (unsigned long long)sb.st_mtim.tv_nsec);
  return BS_OK;
}

bs_status bs_objstore_file_delete(bs_objstore *s, const char *key, char *errstr,
                                  size_t errstr_size) {
  char path[4200];
  object_path(s, key, path, sizeof(path));
  if (unlink(path) != 0 && errno != ENOENT)
    return io_error(errstr, errstr_size, "cannot delete", path);
  return BS_OK;
}

typedef struct key_list {
  char **keys;
  uint64_t *sizes;
  size_t n, cap;
} key_list;

static int walk(const char *root, const char *rel, const char *prefix, key_list *out) {
  char dir[4200];
  snprintf(dir, sizeof(dir), "%s%s%s", root, *rel ? "/" : "", rel);
  DIR *d = opendir(dir);
  if (!d)
    return errno == ENOENT ? 0 : -1;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]) ||
                                strncmp(e->d_name, ".tmp-", 5) == 0))
      continue;
    char key[4200], path[4300];
    snprintf(key, sizeof(key), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
    snprintf(path, sizeof(path), "%s/%s", root, key);
    struct stat sb;
    if (stat(path, &sb) != 0)
      continue;
    if (S_ISDIR(sb.st_mode)) {
      /* Descend only where keys under this directory can match. */
      size_t kl = strlen(key), pl = strlen(prefix);
      if (strncmp(key, prefix, kl < pl ? kl : pl) == 0)
        rc = walk(root, key, prefix, out);
      continue;
    }
    if (strncmp(key, prefix, strlen(prefix)) != 0)
      continue;
    if (out->n == out->cap) {
      size_t cap = out->cap ? out->cap * 2 : 64;
      char **nk = realloc(out->keys, cap * sizeof(*nk));
      if (!nk)
        return -1;
      out->keys = nk;
      uint64_t *ns = realloc(out->sizes, cap * sizeof(*ns));
      if (!ns)
        return -1;
      out->sizes = ns;
      out->cap = cap;
    }
    out->keys[out->n] = strdup(key);
    out->sizes[out->n] = (uint64_t)sb.st_size;
    if (!out->keys[out->n])
      rc = -1;
    else
      out->n++;
  }
  closedir(d);
  return rc;
}

typedef struct keyed {
  char *key;
  uint64_t size;
} keyed;

static int compare_keyed(const void *a, const void *b) {
  return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key);
}

bs_status bs_objstore_file_list(bs_objstore *s, const char *prefix, bs_objstore_list_cb cb,
                                void *opaque, char *errstr, size_t errstr_size) {
  key_list list = {0};
  bs_status st = BS_OK;
  if (walk(s->root, "", prefix, &list) != 0) {
    snprintf(errstr, errstr_size, "cannot list %s: %s", s->root, strerror(errno));
    st = BS_ERR_RETRIABLE;
  }
  keyed *sorted = calloc(list.n ? list.n : 1, sizeof(*sorted));
  if (st == BS_OK && !sorted) {
    snprintf(errstr, errstr_size, "out of memory");
    st = BS_ERR_RETRIABLE;
  }
  if (st == BS_OK) {
    for (size_t i = 0; i < list.n; i++)
      sorted[i] = (keyed){list.keys[i], list.sizes[i]};
    qsort(sorted, list.n, sizeof(*sorted), compare_keyed);
    for (size_t i = 0; i < list.n; i++)
      if (cb(opaque, sorted[i].key, sorted[i].size) != 0)
        break;
  }
  for (size_t i = 0; i < list.n; i++)
    free(list.keys[i]);
  free(list.keys);
  free(list.sizes);
  free(sorted);
  return st;
}
