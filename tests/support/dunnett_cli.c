/*
 * dunnett_cli.c - test helper: runs bmd_dunnett_test on designs read from
 * stdin so the Python reference test can compare it with scipy.stats.dunnett.
 *
 * usage: dunnett_cli < DESIGNS
 * One design per line: "ALTERNATIVE<TAB>control<TAB>group 1<TAB>..." with
 * ALTERNATIVE two-sided, greater or less and each group its values
 * separated by commas. Prints one line per design: the statistics, a tab,
 * the p-values (each list comma-separated, 17 significant digits).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "bmd/dunnett.h"

#define MAX_LINE (1 << 16)
#define MAX_GROUPS 64
#define MAX_VALUES 4096

static int parse_alternative(const char *s, bmd_dunnett_alternative *alt) {
  if (strcmp(s, "two-sided") == 0)
    *alt = BMD_DUNNETT_TWO_SIDED;
  else if (strcmp(s, "greater") == 0)
    *alt = BMD_DUNNETT_GREATER;
  else if (strcmp(s, "less") == 0)
    *alt = BMD_DUNNETT_LESS;
  else
    return -1;
  return 0;
}

/* Parses the tab-separated groups of line (modified) into values/sizes;
 * returns the number of groups, or 0 on a bad number. */
static size_t parse_groups(char *line, double *values, size_t *sizes) {
  size_t n_groups = 0, n = 0;
  for (char *group = strtok(line, "\t"); group && n_groups < MAX_GROUPS;
       group = strtok(NULL, "\t")) {
    sizes[n_groups] = 0;
    for (char *p = group; *p && n < MAX_VALUES;) {
      char *end;
      errno = 0;
      values[n] = strtod(p, &end);
      if (end == p || errno != 0 || (*end != ',' && *end != '\0'))
        return 0;
      n++;
      sizes[n_groups]++;
      p = *end == ',' ? end + 1 : end;
    }
    n_groups++;
  }
  return n_groups;
}

int main(void) {
  gsl_set_error_handler_off();
  int rc = 1;
  char *line = malloc(MAX_LINE);
  double *values = malloc(MAX_VALUES * sizeof(double));
  double t[MAX_GROUPS], p[MAX_GROUPS];
  size_t sizes[MAX_GROUPS];
  bmd_dunnett_workspace *w = bmd_dunnett_workspace_new(MAX_GROUPS);
  if (!line || !values || !w) {
    fprintf(stderr, "dunnett_cli: out of memory\n");
    goto done;
  }
  for (size_t lineno = 1; fgets(line, MAX_LINE, stdin); lineno++) {
    line[strcspn(line, "\r\n")] = '\0';
    char *tab = strchr(line, '\t');
    bmd_dunnett_alternative alt;
    if (!tab) {
      fprintf(stderr, "dunnett_cli: line %zu: no groups\n", lineno);
      goto done;
    }
    *tab = '\0';
    if (parse_alternative(line, &alt) != 0) {
      fprintf(stderr, "dunnett_cli: line %zu: bad alternative '%s'\n", lineno, line);
      goto done;
    }
    size_t n_groups = parse_groups(tab + 1, values, sizes);
    if (n_groups < 2 || bmd_dunnett_test(w, values, sizes, n_groups, alt, t, p) != 0) {
      fprintf(stderr, "dunnett_cli: line %zu: bad design\n", lineno);
      goto done;
    }
    for (size_t i = 0; i + 1 < n_groups; i++)
      printf("%s%.17g", i ? "," : "", t[i]);
    putchar('\t');
    for (size_t i = 0; i + 1 < n_groups; i++)
      printf("%s%.17g", i ? "," : "", p[i]);
    putchar('\n');
  }
  rc = 0;
done:
  bmd_dunnett_workspace_destroy(w);
  free(line);
  free(values);
  return rc;
}
