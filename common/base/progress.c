/*
 * progress.c - a progress bar or progress lines (see bs/progress.h).
 */
#include "bs/progress.h"

#define BAR_WIDTH 30

bs_progress bs_progress_start(FILE *out, int tty, const char *prefix, const char *what) {
  bs_progress p = {out, tty, prefix, what, -1, -1};
  return p;
}

void bs_progress_update(bs_progress *p, size_t done, size_t total) {
  if (total == 0)
    return;
  int percent = (int)(100.0 * (double)done / (double)total);
  if (p->tty) {
    if (percent == p->last_percent && done != total)
      return;
    p->last_percent = percent;
    char bar[BAR_WIDTH + 1];
    int filled = percent * BAR_WIDTH / 100;
    for (int i = 0; i < BAR_WIDTH; i++)
      bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    /* \r back to the line's start, \033[K clears what a longer line left */
    fprintf(p->out, "\r%s: [%s] %3d%% %zu of %zu %s\033[K%s", p->prefix, bar, percent, done, total,
            p->what, done == total ? "\n" : "");
  } else {
    int tenth = done == total ? 10 : percent / 10;
    if (tenth == p->last_tenth || (tenth == 0 && done != 0))
      return;
    p->last_tenth = tenth;
    fprintf(p->out, "%s: %3d%% %zu of %zu %s\n", p->prefix, percent, done, total, p->what);
  }
  fflush(p->out);
}
