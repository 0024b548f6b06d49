/*
 * objstore_file.c - the file:// backend: object KEY is the file ROOT/KEY.
 *
 * Puts write a temporary ".bs-tmp.*" file next to the target and rename()
 * it, so readers see the old or the new object, never a torn one. Listing
 * walks the directory under the prefix, sorts keys in byte order (as S3
 * does) and pages with the last returned key as the continuation token.
 * ETags are the MD5 of the content (as S3 gives for single-part uploads),
 * computed by head only; listings leave them empty. A key cannot be both an
 * object and a "directory" of other keys ("a" and "a/b"): the second put
 * fails as permanent.
 */
#include "objstore_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_PREFIX ".bs-tmp."

typedef struct {
  char *root; /* no trailing slash */
} file_store;

static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...) {
  if (!errstr || errstr_size == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errstr, errstr_size, fmt, ap);
  va_end(ap);
}

/* Disk full, I/O error or interruption may pass; anything else will not. */
static bs_status errno_class(int e) {
  if (e == ENOENT || e == ENOTDIR)
    return BS_ERR_NOT_FOUND;
  if (e == ENOSPC || e == EIO || e == EINTR || e == EAGAIN || e == EMFILE || e == ENFILE ||
      e == EDQUOT)
    return BS_ERR_RETRIABLE;
  return BS_ERR_PERMANENT;
}

void *objstore_file_new(const char *root, char *errstr, size_t errstr_size) {
  file_store *fs = calloc(1, sizeof(*fs));
  if (!fs || !(fs->root = strdup(root))) {
    free(fs);
    set_err(errstr, errstr_size, "object store: out of memory");
    return NULL;
  }
  size_t n = strlen(fs->root);
  while (n > 1 && fs->root[n - 1] == '/')
    fs->root[--n] = '\0';
  return fs;
}

static void file_destroy(void *impl) {
  file_store *fs = impl;
  free(fs->root);
  free(fs);
}

static char *path_of(const file_store *fs, const char *key) {
  size_t n = strlen(fs->root) + strlen(key) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", fs->root, key);
  return p;
}

/* mkdir -p of every directory above path's last component (or of path
 * itself when whole is set). */
static int mkdirs(char *path, int whole) {
  for (char *s = path + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    int rc = mkdir(path, 0777);
    *s = '/';
    if (rc != 0 && errno != EEXIST)
      return -1;
  }
  if (whole && mkdir(path, 0777) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

static bs_status file_bucket_create(void *impl, char *errstr, size_t errstr_size) {
  file_store *fs = impl;
  if (mkdirs(fs->root, 1) != 0) {
    int e = errno;
    set_err(errstr, errstr_size, "create '%s': %s", fs->root, strerror(e));
    return errno_class(e) == BS_ERR_RETRIABLE ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
  }
  return BS_OK;
}

static int key_has_tmp_segment(const char *key) {
  for (const char *s = key; s; s = strchr(s, '/')) {
    if (*s == '/')
      s++;
    if (strncmp(s, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
      return 1;
  }
  return 0;
}

static bs_status file_put(void *impl, const char *key, const objstore_source *src,
                          const char *content_type, char *errstr, size_t errstr_size) {
  file_store *fs = impl;
  char *path = NULL, *tmp = NULL;
  int fd = -1;
  bs_status st = BS_ERR_PERMANENT;
  if (key_has_tmp_segment(key)) {
    set_err(errstr, errstr_size, "put '%s': segments starting '" TMP_PREFIX "' are reserved", key);
    return BS_ERR_PERMANENT;
  }
  path = path_of(fs, key);
  tmp = malloc(strlen(fs->root) + strlen(key) + sizeof(TMP_PREFIX) + 16);
  if (!path || !tmp) {
    set_err(errstr, errstr_size, "put '%s': out of memory", key);
    goto fail;
  }
  /* tmp = dirname(path) "/" TMP_PREFIX basename(path) ".XXXXXX" */
  const char *base = strrchr(path, '/') + 1;
  sprintf(tmp, "%.*s" TMP_PREFIX "%s.XXXXXX", (int)(base - path), path, base);
  if (mkdirs(path, 0) != 0 || (fd = mkstemp(tmp)) < 0) {
    int e = errno;
    set_err(errstr, errstr_size, "put '%s': cannot create '%s': %s", key, tmp, strerror(e));
    st = errno_class(e) == BS_ERR_RETRIABLE ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
    goto fail;
  }
  size_t done = 0;
  unsigned char buf[65536];
  while (done < src->len) {
    const unsigned char *p = buf;
    size_t n = src->len - done < sizeof(buf) ? src->len - done : sizeof(buf);
    if (src->data)
      p = src->data + done;
    else if (fread(buf, 1, n, src->fp) != n) {
      set_err(errstr, errstr_size, "put '%s': short read from source file", key);
      goto fail;
    }
    for (size_t w = 0; w < n;) {
      ssize_t k = write(fd, p + w, n - w);
      if (k < 0 && errno == EINTR)
        continue;
      if (k < 0) {
        int e = errno;
        set_err(errstr, errstr_size, "put '%s': write '%s': %s", key, tmp, strerror(e));
        st = errno_class(e) == BS_ERR_RETRIABLE ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
        goto fail;
      }
      w += (size_t)k;
    }
    done += n;
  }
  /* Durable before visible: callers store Kafka offsets after a put. */
  int rc = fchmod(fd, 0644) == 0 && fsync(fd) == 0 ? 0 : -1;
  int e = errno;
  if (close(fd) != 0 && rc == 0) {
    rc = -1;
    e = errno;
  }
  fd = -1;
  if (rc != 0) {
    set_err(errstr, errstr_size, "put '%s': finish '%s': %s", key, tmp, strerror(e));
    st = errno_class(e) == BS_ERR_RETRIABLE ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
    goto fail;
  }
  if (rename(tmp, path) != 0) {
    set_err(errstr, errstr_size, "put '%s': rename to '%s': %s", key, path, strerror(errno));
    goto fail;
  }
  free(tmp);
  free(path);
  return BS_OK;
fail:
  if (fd >= 0)
    close(fd);
  if (tmp)
    unlink(tmp); /* the template itself if mkstemp failed: harmless */
  free(tmp);
  free(path);
  return st;
}

static bs_status open_object(file_store *fs, const char *key, FILE **fpp, struct stat *sb,
                             char *errstr, size_t errstr_size) {
  char *path = path_of(fs, key);
  bs_status st = BS_OK;
  *fpp = NULL;
  if (!path) {
    set_err(errstr, errstr_size, "'%s': out of memory", key);
    return BS_ERR_PERMANENT;
  }
  FILE *fp = fopen(path, "rb");
  if (!fp || fstat(fileno(fp), sb) != 0 || !S_ISREG(sb->st_mode)) {
    int e = fp ? (errno ? errno : EISDIR) : errno;
    if (fp && !S_ISREG(sb->st_mode))
      e = ENOENT; /* a "directory" key is not an object */
    st = errno_class(e);
    set_err(errstr, errstr_size, "'%s' (%s): %s", key, path,
            st == BS_ERR_NOT_FOUND ? "no such key" : strerror(e));
    if (fp)
      fclose(fp);
    fp = NULL;
  }
  free(path);
  *fpp = fp;
  return st;
}

static bs_status file_get(void *impl, const char *key, objstore_sink *sink, char *errstr,
                          size_t errstr_size) {
  FILE *fp = NULL;
  struct stat sb;
  bs_status st = open_object(impl, key, &fp, &sb, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
    if (objstore_sink_write(sink, buf, n) != 0) {
      set_err(errstr, errstr_size, "get '%s': %s", key,
              sink->too_big ? "object larger than the allowed maximum"
                            : "cannot store the data (out of memory or write error)");
      st = BS_ERR_PERMANENT;
      break;
    }
  }
  if (st == BS_OK && ferror(fp)) {
    set_err(errstr, errstr_size, "get '%s': read error", key);
    st = BS_ERR_RETRIABLE;
  }
  fclose(fp);
  return st;
}

static bs_status file_head(void *impl, const char *key, bs_objstore_info *info, char *errstr,
                           size_t errstr_size) {
  FILE *fp = NULL;
  struct stat sb;
  bs_status st = open_object(impl, key, &fp, &sb, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  info->size = (uint64_t)sb.st_size;
  char hex[33];
  if (objstore_md5_hex_file(fp, hex) != 0) {
    set_err(errstr, errstr_size, "head '%s': read error", key);
    st = BS_ERR_RETRIABLE;
  } else {
    snprintf(info->etag, sizeof(info->etag), "%s", hex);
  }
  fclose(fp);
  return st;
}

static bs_status file_del(void *impl, const char *key, char *errstr, size_t errstr_size) {
  file_store *fs = impl;
  char *path = path_of(fs, key);
  if (!path) {
    set_err(errstr, errstr_size, "delete '%s': out of memory", key);
    return BS_ERR_PERMANENT;
  }
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    free(path); /* a "directory" key is not an object: nothing to delete */
    return BS_OK;
  }
  if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR) {
    int e = errno;
    set_err(errstr, errstr_size, "delete '%s': %s", key, strerror(e));
    free(path);
    return errno_class(e) == BS_ERR_RETRIABLE ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
  }
  /* Remove directories left empty, up to (not including) the root. */
  size_t root_len = strlen(fs->root);
  for (char *s = strrchr(path, '/'); s && (size_t)(s - path) > root_len; s = strrchr(path, '/')) {
    *s = '\0';
    if (rmdir(path) != 0)
      break;
  }
  free(path);
  return BS_OK;
}

typedef struct {
  char *key;
  uint64_t size;
} file_entry;

typedef struct {
  file_entry *items;
  size_t n, cap;
} file_entries;

/* Collects regular files under dir (path rel relative to the root) whose
 * key starts with prefix. */
static int walk(const char *dir, const char *rel, const char *prefix, file_entries *out) {
  DIR *d = opendir(dir);
  if (!d)
    return (errno == ENOENT || errno == ENOTDIR) ? 0 : -1;
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
      continue;
    size_t plen = strlen(dir) + strlen(name) + 2, klen = strlen(rel) + strlen(name) + 2;
    char *path = malloc(plen), *key = malloc(klen);
    if (!path || !key) {
      free(path);
      free(key);
      rc = -1;
      break;
    }
    snprintf(path, plen, "%s/%s", dir, name);
    snprintf(key, klen, "%s%s%s", rel, *rel ? "/" : "", name);
    struct stat sb;
    size_t kn = strlen(key), pn = strlen(prefix);
    /* Descend only where keys can still match the prefix. */
    int may_match = strncmp(key, prefix, kn < pn ? kn : pn) == 0;
    /* lstat: symbolic links are not followed (no loops, no escaping root). */
    if (may_match && lstat(path, &sb) == 0) {
      if (S_ISDIR(sb.st_mode)) {
        rc = walk(path, key, prefix, out);
      } else if (S_ISREG(sb.st_mode) && kn >= pn) {
        if (out->n == out->cap) {
          size_t cap = out->cap ? 2 * out->cap : 256;
          file_entry *items = realloc(out->items, cap * sizeof(*items));
          if (!items) {
            rc = -1;
          } else {
            out->items = items;
            out->cap = cap;
          }
        }
        if (rc == 0) {
          out->items[out->n].key = key;
          out->items[out->n].size = (uint64_t)sb.st_size;
          out->n++;
          key = NULL;
        }
      }
    }
    free(path);
    free(key);
  }
  closedir(d);
  return rc;
}

static int entry_cmp(const void *a, const void *b) {
  return strcmp(((const file_entry *)a)->key, ((const file_entry *)b)->key);
}

static bs_status file_list_page(void *impl, const char *prefix, const char *token, int max_keys,
                                bs_objstore_list_cb cb, void *opaque, int *stopped,
                                char **next_token, char *errstr, size_t errstr_size) {
  file_store *fs = impl;
  file_entries all = {0};
  bs_status st = BS_OK;
  if (walk(fs->root, "", prefix, &all) != 0) {
    int e = errno;
    set_err(errstr, errstr_size, "list '%s' under '%s': %s", prefix, fs->root, strerror(e));
    st = errno_class(e) == BS_ERR_RETRIABLE ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
    goto done;
  }
  if (all.n > 1)
    qsort(all.items, all.n, sizeof(*all.items), entry_cmp);
  size_t i = 0;
  while (i < all.n && token && strcmp(all.items[i].key, token) <= 0)
    i++;
  int emitted = 0;
  for (; i < all.n && emitted < max_keys; i++, emitted++) {
    bs_objstore_entry e = {.key = all.items[i].key, .size = all.items[i].size, .etag = ""};
    if (cb && cb(opaque, &e) != 0) {
      *stopped = 1;
      goto done;
    }
  }
  if (i < all.n && emitted > 0 && !(*next_token = strdup(all.items[i - 1].key))) {
    set_err(errstr, errstr_size, "list: out of memory");
    st = BS_ERR_PERMANENT;
  }
done:
  for (size_t k = 0; k < all.n; k++)
    free(all.items[k].key);
  free(all.items);
  return st;
}

const objstore_backend objstore_file_backend = {
    .kind = "file",
    .destroy = file_destroy,
    .bucket_create = file_bucket_create,
    .put = file_put,
    .get = file_get,
    .head = file_head,
    .del = file_del,
    .list_page = file_list_page,
    .last_http_status = NULL,
};
