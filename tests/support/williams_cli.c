/*
 * williams_cli.c - test helper: runs bmd_williams_run on a small TSV so the
 * Python reference test can compare it with an independent computation.
 *
 * usage: williams_cli FILE [permutations [seed [threads]]]
 * FILE: first line "dose<TAB>d_1<TAB>...<TAB>d_N" (any order), then one
 * line per probe "id<TAB>v_1<TAB>...<TAB>v_N". Prints "id<TAB>T<TAB>p" per
 * probe in input order, numbers with 17 significant digits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "bmd/dataset.h"
#include "bmd/williams.h"

#define MAX_LINE (1 << 20)
#define MAX_COLS 4096
#define MAX_ROWS 100000

/* Splits line at tabs in place (trailing newline removed); returns the
 * number of fields. */
static size_t split(char *line, char **fields, size_t max) {
  line[strcspn(line, "\r\n")] = '\0';
  size_t n = 0;
  for (char *tok = line; tok && n < max;) {
    fields[n++] = tok;
    char *tab = strchr(tok, '\t');
    if (tab)
      *tab++ = '\0';
    tok = tab;
  }
  return n;
}

static int parse_num(const char *s, double *out) {
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  return end != s && *end == '\0' && errno == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  if (argc < 2) {
    fprintf(stderr, "usage: williams_cli FILE [permutations [seed [threads]]]\n");
    return 2;
  }
  bmd_williams_options o = bmd_williams_options_default();
  if (argc > 2)
    o.permutations = (unsigned)strtoul(argv[2], NULL, 10);
  if (argc > 3)
    o.seed = strtoull(argv[3], NULL, 10);
  if (argc > 4)
    o.threads = (unsigned)strtoul(argv[4], NULL, 10);

  int rc = 1;
  FILE *f = NULL;
  char *line = NULL, **fields = NULL;
  double *doses = NULL, *values = NULL, *stat = NULL, *p = NULL;
  char **ids = NULL;
  bmd_dataset *ds = NULL;
  size_t n = 0, rows = 0, lineno = 0;
  line = malloc(MAX_LINE);
  fields = malloc(MAX_COLS * sizeof(char *));
  f = fopen(argv[1], "r");
  if (!line || !fields || !f) {
    fprintf(stderr, "williams_cli: %s: %s\n", argv[1], f ? "out of memory" : strerror(errno));
    goto done;
  }
  while (fgets(line, MAX_LINE, f)) {
    lineno++;
    size_t nf = split(line, fields, MAX_COLS);
    if (lineno == 1) {
      n = nf - 1;
      doses = malloc(n * sizeof(double));
      values = malloc(MAX_ROWS * n * sizeof(double));
      ids = calloc(MAX_ROWS, sizeof(char *));
      if (!doses || !values || !ids)
        goto oom;
      for (size_t s = 0; s < n; s++)
        if (parse_num(fields[s + 1], &doses[s]) != 0) {
          fprintf(stderr, "williams_cli: %s:1: column %zu: bad dose '%s'\n", argv[1], s + 2,
                  fields[s + 1]);
          goto done;
        }
      continue;
    }
    if (nf != n + 1 || rows == MAX_ROWS) {
      fprintf(stderr, "williams_cli: %s:%zu: %zu fields, want %zu\n", argv[1], lineno, nf, n + 1);
      goto done;
    }
    if (!(ids[rows] = strdup(fields[0])))
      goto oom;
    for (size_t s = 0; s < n; s++)
      if (parse_num(fields[s + 1], &values[rows * n + s]) != 0) {
        fprintf(stderr, "williams_cli: %s:%zu: column %zu: bad value '%s'\n", argv[1], lineno,
                s + 2, fields[s + 1]);
        goto done;
      }
    rows++;
  }
  if (rows == 0) {
    fprintf(stderr, "williams_cli: %s: no probes\n", argv[1]);
    goto done;
  }
  if (!(ds = bmd_dataset_new(rows, n)))
    goto oom;
  memcpy(ds->doses, doses, n * sizeof(double));
  memcpy(ds->values, values, rows * n * sizeof(double));
  for (size_t r = 0; r < rows; r++) {
    ds->probe_ids[r] = ids[r];
    ids[r] = NULL;
  }
  stat = malloc(rows * sizeof(double));
  p = malloc(rows * sizeof(double));
  if (!stat || !p || bmd_dataset_group(ds) != 0)
    goto oom;
  char err[512];
  if (bmd_williams_run(ds, &o, stat, p, err, sizeof(err)) != 0) {
    fprintf(stderr, "williams_cli: %s: %s\n", argv[1], err);
    goto done;
  }
  for (size_t r = 0; r < rows; r++)
    printf("%s\t%.17g\t%.17g\n", ds->probe_ids[r], stat[r], p[r]);
  rc = 0;
  goto done;
oom:
  fprintf(stderr, "williams_cli: out of memory\n");
done:
  if (f)
    fclose(f);
  if (ids)
    for (size_t r = 0; r < rows; r++)
      free(ids[r]);
  free(ids);
  free(line);
  free(fields);
  free(doses);
  free(values);
  free(stat);
  free(p);
  bmd_dataset_destroy(ds);
  return rc;
}
