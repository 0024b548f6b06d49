/*
 * wait.c - `bmdstream-import --wait`: follow a job in the jobs table (kept
 * current by the tracker) with a progress bar on stderr.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bs/jobs.h"
#include "import.h"

static void draw(int tty, const bs_job_row *row) {
  int width = 30, filled = (int)(row->progress * width + 0.5);
  char bar[64];
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  fprintf(stderr, "%s[%s] %3.0f%% %-9s %.60s%s", tty ? "\r" : "", bar, row->progress * 100.0,
          bs_job_status_name(row->status), row->message, tty ? "\033[K" : "\n");
  fflush(stderr);
}

int bs_import_wait(bs_db *db, const char *job_id) {
  int tty = isatty(STDERR_FILENO);
  bs_job_row last;
  memset(&last, 0, sizeof(last));
  last.progress = -1;
  char errstr[1024];
  int misses = 0;
  for (;;) {
    bs_job_row row;
    bs_status st = bs_job_get(db, job_id, &row, errstr, sizeof(errstr));
    if (st == BS_ERR_RETRIABLE && ++misses < 60) {
      sleep(1);
      continue;
    }
    if (st != BS_OK) {
      fprintf(stderr, "%sbmdstream-import: lost the job: %s\n", tty ? "\n" : "", errstr);
      return 2;
    }
    misses = 0;
    if (row.status != last.status || row.progress != last.progress ||
        strcmp(row.message, last.message) != 0) {
      draw(tty, &row);
      last = row;
    }
    if (row.status == BS_JOB_COMPLETED) {
      if (tty)
        fputc('\n', stderr);
      return 0;
    }
    if (row.status == BS_JOB_FAILED) {
      fprintf(stderr, "%sjob %s FAILED: %s\n", tty ? "\n" : "", job_id,
              row.error[0] ? row.error : row.message);
      return 1;
    }
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
  }
}
