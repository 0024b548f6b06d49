/*
 * cmd_results.c - `bmdstream results JOB_ID --user U --out DIR | --list`:
 * a job's exports from the object store, so that a user needs no S3 client.
 *
 * The job must be the user's and COMPLETED. Its exports are the objects
 * under the prefixes the stages recorded for it (bs/job_results.h: one per
 * stage, e.g. projects/7/exports/category/12/), each named by its key below
 * the prefix: prefilter.tsv, bmd.tsv, categories.tsv, results.csv,
 * tpod.json, plots/... - the layout `bmdstream analyze --out DIR` writes.
 * --list prints "name<TAB>size in bytes" per file; --out fetches every
 * file into DIR (each through a temporary name renamed into place, so a
 * file named as an export is always whole), with progress on stderr when
 * the files together reach --progress-min-bytes.
 *
 * Parse (the flags) -> validate (user, job, status) -> act (list or fetch).
 */
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs/accounts.h"
#include "bs/job_results.h"
#include "bs/jobs.h"
#include "bs/objstore.h"
#include "bs/progress.h"
#include "cli.h"

static const bs_config_param results_params[] = {
    {"user", BS_CFG_STRING, NULL, "the job's owner (username)", 0},
    {"out", BS_CFG_STRING, NULL, "fetch the files into this directory (made if absent)", 0},
    {"list", BS_CFG_BOOL, "false", "only list the files: name and size in bytes", 0},
    {"progress_min_bytes", BS_CFG_INT, "1048576",
     "show download progress when the files together are this large (0: always)", 0},
};

#define NAME "results"

/* One export: its object key and its name below the stage's prefix. */
typedef struct export_file {
  char *key;
  const char *name; /* inside key */
  uint64_t size;
} export_file;

typedef struct export_list {
  export_file *files;
  size_t n, cap;
  size_t name_offset; /* length of the prefix being listed, with its '/' */
  uint64_t total;
  int oom;
} export_list;

/* bs_objstore_list_cb: collects one object under the listed prefix. */
static int collect_cb(void *opaque, const char *key, uint64_t size) {
  export_list *l = opaque;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    export_file *nf = realloc(l->files, cap * sizeof(*nf));
    if (!nf) {
      l->oom = 1;
      return 1;
    }
    l->files = nf;
    l->cap = cap;
  }
  char *copy = strdup(key);
  if (!copy) {
    l->oom = 1;
    return 1;
  }
  l->files[l->n++] = (export_file){copy, copy + l->name_offset, size};
  l->total += size;
  return 0;
}

static void export_list_clear(export_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->files[i].key);
  free(l->files);
  memset(l, 0, sizeof(*l));
}

/* The job of job_id, when it is the user's and COMPLETED; else prints why
 * not and gives 1. Another user's job reads as no job at all, so that the
 * answer tells nothing about other users' jobs. */
static int check_job(bs_db *db, const char *user, const char *job_id, bs_job_row *job) {
  char errstr[1024];
  int64_t user_id = 0;
  if (bs_user_find(db, user, &user_id, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream " NAME ": %s\n", errstr);
    return 1;
  }
  bs_status st = bs_job_get(db, job_id, job, errstr, sizeof(errstr));
  if (st == BS_ERR_NOT_FOUND || (st == BS_OK && job->user_id != user_id)) {
    fprintf(stderr, "bmdstream " NAME ": no job %s of user %s\n", job_id, user);
    return 1;
  }
  if (st != BS_OK) {
    fprintf(stderr, "bmdstream " NAME ": %s\n", errstr);
    return 1;
  }
  if (job->status == BS_JOB_FAILED) {
    fprintf(stderr, "bmdstream " NAME ": job %s FAILED (%s): it has no exports to fetch\n", job_id,
            job->error[0] ? job->error : job->message);
    return 1;
  }
  if (job->status != BS_JOB_COMPLETED) {
    fprintf(stderr,
            "bmdstream " NAME ": job %s is %s (%.0f%%: %s); its exports can be fetched once it "
            "is COMPLETED\n",
            job_id, bs_job_status_name(job->status), job->progress * 100.0, job->message);
    return 1;
  }
  return 0;
}

/* Every export of the job into *l, stage after stage; each name checked
 * (a relative path without "." or ".." segments) and unique. */
static int list_exports(bs_db *db, bs_objstore *store, const char *job_id, int64_t project_id,
                        export_list *l) {
  char errstr[2048];
  bs_job_export *rows = NULL;
  size_t n = 0;
  int rc = 1;
  if (bs_job_results_get(db, job_id, &rows, &n, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream " NAME ": %s\n", errstr);
    return 1;
  }
  if (n == 0) {
    fprintf(stderr,
            "bmdstream " NAME ": job %s is COMPLETED but recorded no exports (a job completed "
            "before migration 0002_job_results.sql records none: re-run its experiment with "
            "`bmdstream replay`)\n",
            job_id);
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    char prefix[600];
    if (bs_objstore_check_project_key(rows[i].prefix, project_id, "the recorded export prefix",
                                      errstr, sizeof(errstr)) != 0) {
      fprintf(stderr, "bmdstream " NAME ": job %s, stage %s: %s\n", job_id, rows[i].stage, errstr);
      goto done;
    }
    snprintf(prefix, sizeof(prefix), "%s/", rows[i].prefix);
    l->name_offset = strlen(prefix);
    if (bs_objstore_list(store, prefix, collect_cb, l, errstr, sizeof(errstr)) != BS_OK || l->oom) {
      fprintf(stderr, "bmdstream " NAME ": listing %s: %s\n", prefix,
              l->oom ? "out of memory" : errstr);
      goto done;
    }
  }
  for (size_t i = 0; i < l->n; i++) {
    if (bs_objstore_check_key(l->files[i].name, errstr, sizeof(errstr)) != 0) {
      fprintf(stderr, "bmdstream " NAME ": %s: not a file name to write: %s\n", l->files[i].key,
              errstr);
      goto done;
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp(l->files[i].name, l->files[j].name) == 0) {
        fprintf(stderr, "bmdstream " NAME ": %s and %s would both be written as %s\n",
                l->files[j].key, l->files[i].key, l->files[i].name);
        goto done;
      }
  }
  rc = 0;
done:
  free(rows);
  return rc;
}

/* mkdir -p of path's directories (the last component too when whole). */
static int make_dirs(const char *path, int whole) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if (!whole) {
    char *slash = strrchr(buf, '/');
    if (!slash)
      return 0;
    *slash = '\0';
  }
  for (char *c = buf + 1;; c++) {
    char was = *c;
    if (was != '/' && was != '\0')
      continue;
    *c = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return -1;
    *c = was;
    if (!was)
      return 0;
  }
}

/* Progress over all files: the bytes of the files already fetched plus
 * those of the one arriving. */
typedef struct fetch_progress {
  bs_progress bar;
  uint64_t before, total;
  uint64_t shown; /* the last count drawn (+1: none yet) */
  int show;
} fetch_progress;

static void fetched_cb(void *opaque, uint64_t received) {
  fetch_progress *fp = opaque;
  uint64_t now = fp->before + received;
  if (!fp->show || now == fp->shown)
    return;
  fp->shown = now;
  bs_progress_update(&fp->bar, (size_t)now, (size_t)fp->total);
}

static int fetch_all(bs_objstore *store, const export_list *l, const char *dir, long min_bytes) {
  char errstr[2048], path[PATH_MAX];
  if (make_dirs(dir, 1) != 0) {
    fprintf(stderr, "bmdstream " NAME ": cannot create %s: %s\n", dir, strerror(errno));
    return 1;
  }
  fetch_progress fp = {
      bs_progress_start(stderr, isatty(STDERR_FILENO), "bmdstream " NAME, "bytes fetched"), 0,
      l->total, l->total + 1, l->total > 0 && l->total >= (uint64_t)min_bytes};
  for (size_t i = 0; i < l->n; i++) {
    const export_file *f = &l->files[i];
    if (snprintf(path, sizeof(path), "%s/%s", dir, f->name) >= (int)sizeof(path)) {
      fprintf(stderr, "bmdstream " NAME ": %s/%s: path too long\n", dir, f->name);
      return 1;
    }
    if (make_dirs(path, 0) != 0) {
      fprintf(stderr, "bmdstream " NAME ": cannot create the folder of %s: %s\n", path,
              strerror(errno));
      return 1;
    }
    /* through "path.part-PID" and rename(): path is whole or untouched */
    if (bs_objstore_get_file_progress(store, f->key, path, fetched_cb, &fp, errstr,
                                      sizeof(errstr)) != BS_OK) {
      fprintf(stderr, "%sbmdstream " NAME ": %s\n", fp.show && fp.bar.tty ? "\n" : "", errstr);
      return 1;
    }
    fp.before += f->size;
    fetched_cb(&fp, 0); /* an empty file counts too */
  }
  fprintf(stderr, "bmdstream " NAME ": %zu files, %" PRIu64 " bytes, in %s\n", l->n, l->total, dir);
  return 0;
}

int bs_cmd_results(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg =
      bs_cli_config(NAME, "JOB_ID --user USERNAME (--out DIR | --list)", results_params,
                    sizeof(results_params) / sizeof(results_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  bs_db *db = NULL;
  bs_objstore *store = NULL;
  export_list l = {0};
  char errstr[2048];
  /* parse */
  const char *user = bs_config_get(cfg, "user"), *out = bs_config_get(cfg, "out");
  int list = bs_config_get_bool(cfg, "list");
  long min_bytes = bs_config_get_int(cfg, "progress_min_bytes");
  const char *job_id = argc > 1 ? argv[1] : "";
  rc = 2;
  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-') {
      fprintf(stderr, "bmdstream " NAME ": unknown flag '%s' (see --help)\n", argv[i]);
      goto done;
    }
  if (argc != 2 || !*job_id) {
    fprintf(stderr, "bmdstream " NAME ": expected one JOB_ID (see --help)\n");
    goto done;
  }
  if (strlen(job_id) > 36) {
    fprintf(stderr, "bmdstream " NAME ": '%.40s...' is not a job id\n", job_id);
    goto done;
  }
  if (!user || !*user) {
    fprintf(stderr, "bmdstream " NAME ": --user is required\n");
    goto done;
  }
  if (list == (out && *out)) {
    fprintf(stderr, "bmdstream " NAME ": give one of --out DIR and --list\n");
    goto done;
  }
  if (min_bytes < 0) {
    fprintf(stderr, "bmdstream " NAME ": --progress-min-bytes must be 0 or more\n");
    goto done;
  }
  /* validate */
  rc = 1;
  bs_job_row job;
  if (!(db = bs_cli_db(NAME, cfg)) || check_job(db, user, job_id, &job) != 0)
    goto done;
  bs_objstore_options so = bs_objstore_options_from_config(cfg);
  if (bs_objstore_new(&so, &store, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream " NAME ": %s\n", errstr);
    goto done;
  }
  if (list_exports(db, store, job_id, job.project_id, &l) != 0)
    goto done;
  /* act */
  if (list) {
    for (size_t i = 0; i < l.n; i++)
      printf("%s\t%" PRIu64 "\n", l.files[i].name, l.files[i].size);
    rc = 0;
  } else {
    rc = fetch_all(store, &l, out, min_bytes);
  }
done:
  export_list_clear(&l);
  bs_objstore_destroy(store);
  bs_db_destroy(db);
  bs_config_destroy(cfg);
  return rc;
}
