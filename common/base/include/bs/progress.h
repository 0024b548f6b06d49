/*
 * bs/progress.h - progress of a long step on a stream (stderr), drawn as
 * suits where it goes: on a terminal one bar redrawn in place
 * ("\r[#####.....]  50% fitted 500 of 1000 probes", the line cleared);
 * on a file or a pipe (CI logs, nohup output) one plain line per tenth of
 * the work and one at the end, never carriage returns.
 *
 * Not thread-safe: callers serialise (the BMD driver calls its progress
 * callback under a lock).
 */
#ifndef BS_PROGRESS_H
#define BS_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct bs_progress {
  FILE *out;          /* borrowed */
  int tty;            /* 1: redraw in place */
  const char *prefix; /* borrowed, e.g. "bmdstream analyze" */
  const char *what;   /* borrowed, e.g. "probes fitted" */
  int last_tenth;     /* the last tenth written as a line (-1: none) */
  int last_percent;   /* the last percent drawn (-1: none) */
} bs_progress;

/* A progress on out; tty says how to draw (isatty of its descriptor). */
bs_progress bs_progress_start(FILE *out, int tty, const char *prefix, const char *what);

/* done of total units; draws only when something visible changed, and
 * ends the bar's line when done == total. */
void bs_progress_update(bs_progress *p, size_t done, size_t total);

#endif
