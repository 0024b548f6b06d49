/*
 * test_progress.c - progress as a redrawn bar on a terminal and as plain
 * lines (one per tenth, no carriage return) in a file or a pipe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bs/progress.h"

/* Everything written by updates 0..total in steps of 1. */
static char *run(int tty, size_t total) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  bs_progress p = bs_progress_start(f, tty, "bmdstream analyze", "probes fitted");
  for (size_t done = 0; done <= total; done++)
    bs_progress_update(&p, done, total);
  fclose(f);
  return text;
}

static size_t count(const char *s, const char *what) {
  size_t n = 0;
  for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
    n++;
  return n;
}

/* A file: 11 lines for 0%, 10%, ..., 100%, no \r; the last says 1000 of 1000. */
static void test_lines_in_a_log(void **state) {
  (void)state;
  char *text = run(0, 1000);
  assert_null(strchr(text, '\r'));
  assert_int_equal(count(text, "\n"), 11);
  assert_non_null(strstr(text, "bmdstream analyze:   0% 0 of 1000 probes fitted\n"));
  assert_non_null(strstr(text, "bmdstream analyze:  50% 500 of 1000 probes fitted\n"));
  assert_non_null(strstr(text, "bmdstream analyze: 100% 1000 of 1000 probes fitted\n"));
  free(text);
  /* fewer units than tenths: each tenth reached once, still 100% last */
  text = run(0, 3);
  assert_int_equal(count(text, "\n"), 4); /* 0%, 33%, 66%, 100% */
  free(text);
}

/* A terminal: redrawn once per percent (101 draws), one newline at the end. */
static void test_bar_on_a_terminal(void **state) {
  (void)state;
  char *text = run(1, 1000);
  assert_int_equal(count(text, "\r"), 101);
  assert_int_equal(count(text, "\n"), 1);
  assert_non_null(strstr(text, "[###############...............]  50% 500 of 1000"));
  assert_non_null(strstr(text, "100% 1000 of 1000 probes fitted\033[K\n"));
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lines_in_a_log),
      cmocka_unit_test(test_bar_on_a_terminal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
