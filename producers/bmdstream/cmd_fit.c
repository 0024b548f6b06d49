/*
 * cmd_fit.c - `bmdstream fit --data FILE.csv [--models hill,power,...]
 * [--variance constant|nonconstant] [--bmr-type sd|rel|abs] [--bmr X]`:
 * fits dose-response models to one dataset and prints JSON on stdout:
 *   {"models":[{"model":..,"converged":..,"parameters":{..},"loglik":..,
 *     "aic":..,"bmd":..,"bmdl":..,"bmdu":..,"fit_p":..}], "best":{...}}
 * FILE.csv has the header `dose,response` (one row per animal or sample)
 * or `dose,n,mean,sd` (one row per dose group). Not estimable -> null.
 */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmd/fit.h"
#include "bmd/select.h"
#include "bs/bmd_export.h"
#include "bs/config.h"
#include "bs/log.h"

static void usage(FILE *out) {
  fprintf(out, "usage: bmdstream fit --data FILE.csv [--models hill,power,linear,poly2,poly3,"
               "poly4,exp2,exp3,exp4,exp5]\n"
               "                      [--variance constant|nonconstant] [--bmr-type sd|rel|abs]"
               " [--bmr X]\n"
               "                      [--direction auto|up|down] [--no-limits]\n"
               "FILE.csv: header `dose,response` (individual) or `dose,n,mean,sd` (summary).\n");
}

/* Splits a CSV line in place on commas; returns the field count. */
static size_t split(char *line, char **fields, size_t max) {
  size_t n = 0;
  char *s = line;
  while (n < max) {
    fields[n++] = s;
    char *c = strchr(s, ',');
    if (!c)
      break;
    *c = '\0';
    s = c + 1;
  }
  for (size_t i = 0; i < n; i++) {
    char *f = fields[i];
    while (*f == ' ' || *f == '\t' || *f == '"')
      f++;
    char *e = f + strlen(f);
    while (e > f &&
           (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '"' || e[-1] == '\r' || e[-1] == '\n'))
      *--e = '\0';
    fields[i] = f;
  }
  return n;
}

/* One data row of the CSV: dose, response (individual) or dose, n, mean,
 * sd (summary), and its line number for messages. */
typedef struct csv_row {
  double v[4];
  size_t line;
} csv_row;

/* Stable insertion sort of rows by dose (a handful of rows). */
static void sort_by_dose(csv_row *rows, size_t n) {
  for (size_t i = 1; i < n; i++) {
    csv_row v = rows[i];
    size_t j = i;
    while (j > 0 && rows[j - 1].v[0] > v.v[0]) {
      rows[j] = rows[j - 1];
      j--;
    }
    rows[j] = v;
  }
}

/* Summary rows in any order, sorted by dose; one row per dose. */
static int summary_stats(const char *path, csv_row *rows, size_t n, bmd_suffstat **out) {
  sort_by_dose(rows, n);
  for (size_t i = 1; i < n; i++)
    if (rows[i].v[0] == rows[i - 1].v[0]) {
      fprintf(stderr, "bmdstream fit: %s:%zu: dose %g already on line %zu (one row per dose)\n",
              path, rows[i].line, rows[i].v[0], rows[i - 1].line);
      return -1;
    }
  bmd_suffstat *ss = bmd_suffstat_new(n);
  if (!ss)
    return -1;
  for (size_t i = 0; i < n; i++) {
    ss->dose[i] = rows[i].v[0];
    ss->n[i] = rows[i].v[1];
    ss->mean[i] = rows[i].v[2];
    ss->sd[i] = rows[i].v[3];
  }
  *out = ss;
  return 0;
}

/* Individual rows (dose, response) reduced to per-dose statistics. */
static int individual_stats(const char *path, const csv_row *rows, size_t n, bmd_suffstat **out) {
  char err[256];
  double *xy = malloc(2 * n * sizeof(*xy)); /* doses, then responses */
  if (!xy)
    return -1;
  for (size_t i = 0; i < n; i++) {
    xy[i] = rows[i].v[0];
    xy[n + i] = rows[i].v[1];
  }
  int rc = bmd_suffstat_from_individual(xy, xy + n, n, out, err, sizeof(err));
  if (rc != 0)
    fprintf(stderr, "bmdstream fit: %s: %s\n", path, err);
  free(xy);
  return rc;
}

/* Reads the CSV into sufficient statistics; errors name file, line, field. */
static int read_csv(const char *path, bmd_suffstat **out) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  csv_row *rows = NULL;
  size_t n = 0, room = 0, lineno = 0;
  int summary = -1, rc = -1;
  static const char *const sum_names[] = {"dose", "n", "mean", "sd"};
  *out = NULL;
  if (!f) {
    fprintf(stderr, "bmdstream fit: %s: %s\n", path, strerror(errno));
    return -1;
  }
  while (getline(&line, &cap, f) >= 0) {
    lineno++;
    char *fields[8];
    size_t nf = split(line, fields, 8);
    if (nf == 1 && fields[0][0] == '\0')
      continue;
    if (summary < 0) {
      if (nf == 2 && strcmp(fields[0], "dose") == 0 && strcmp(fields[1], "response") == 0)
        summary = 0;
      else if (nf == 4 && strcmp(fields[0], "dose") == 0 && strcmp(fields[1], "n") == 0 &&
               strcmp(fields[2], "mean") == 0 && strcmp(fields[3], "sd") == 0)
        summary = 1;
      else {
        fprintf(stderr,
                "bmdstream fit: %s:%zu: header must be `dose,response` or `dose,n,mean,sd`\n", path,
                lineno);
        goto done;
      }
      continue;
    }
    size_t want = summary ? 4 : 2;
    if (nf != want) {
      fprintf(stderr, "bmdstream fit: %s:%zu: expected %zu fields, found %zu\n", path, lineno, want,
              nf);
      goto done;
    }
    if (n == room) {
      room = room ? 2 * room : 64;
      csv_row *grown = realloc(rows, room * sizeof(*rows));
      if (!grown) {
        fprintf(stderr, "bmdstream fit: out of memory\n");
        goto done;
      }
      rows = grown;
    }
    double *v = rows[n].v;
    for (size_t i = 0; i < want; i++) {
      const char *name = summary ? sum_names[i] : (i == 0 ? "dose" : "response");
      if (bs_config_parse_double(fields[i], &v[i]) != 0) {
        fprintf(stderr, "bmdstream fit: %s:%zu: field '%s': not a number: '%s'\n", path, lineno,
                name, fields[i]);
        goto done;
      }
      if ((i == 0 && v[i] < 0) || (summary && i == 1 && !(v[i] > 0)) ||
          (summary && i == 3 && v[i] < 0)) {
        fprintf(stderr, "bmdstream fit: %s:%zu: field '%s': out of range: '%s'\n", path, lineno,
                name, fields[i]);
        goto done;
      }
    }
    rows[n++].line = lineno;
  }
  if (summary < 0 || n == 0) {
    fprintf(stderr, "bmdstream fit: %s: no data rows\n", path);
    goto done;
  }
  rc = summary ? summary_stats(path, rows, n, out) : individual_stats(path, rows, n, out);
done:
  free(line);
  free(rows);
  fclose(f);
  return rc;
}

/* The flags' words, indexed by the enum they set. */
static const char *const variance_names[] = {
    [BMD_VARIANCE_CONSTANT] = "constant", [BMD_VARIANCE_NONCONSTANT] = "nonconstant", NULL};
static const char *const bmr_type_names[] = {
    [BMD_BMR_SD] = "sd", [BMD_BMR_REL] = "rel", [BMD_BMR_ABS] = "abs", NULL};

/* The index of value in names (NULL-terminated), or -1 after saying on
 * stderr which words the flag wants. */
static int parse_choice(const char *flag, const char *value, const char *const *names,
                        const char *want) {
  for (int k = 0; names[k]; k++)
    if (strcmp(value, names[k]) == 0)
      return k;
  fprintf(stderr, "bmdstream fit: %s: want %s\n", flag, want);
  return -1;
}

/* The JSON's "status" word of each fit status. */
static const char *const status_names[] = {
    [BMD_FIT_OK] = "converged",
    [BMD_FIT_MAXEVAL] = "max_evaluations",
    [BMD_FIT_FAILED] = "failed",
    [BMD_FIT_TOO_FEW_GROUPS] = "too_few_dose_groups",
};

static const char *status_name(bmd_fit_status s) {
  return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "failed";
}

/* The stored model JSON (bs_bmd_model_json) with what a peer needs to
 * check the fit: status, n_free, fit_df and the limits' profile points. */
static json_t *model_json(const bmd_fit_result *r) {
  json_t *o = bs_bmd_model_json(r);
  json_object_set_new(o, "status", json_string(status_name(r->status)));
  json_object_set_new(o, "n_free", json_integer(r->n_free));
  json_object_set_new(o, "fit_df", bs_json_number(r->fit_df));
  /* profile solutions at the limits, so that a peer can check them; for
   * an unbounded limit ("bmdl": null) the witness instead: the farthest
   * dose the profile search reached and its solution, still inside the
   * confidence region */
  const double *lim[2] = {r->bmdl_params, r->bmdu_params};
  const double reach[2] = {r->bmdl_reach, r->bmdu_reach};
  const char *key[2] = {"bmdl_parameters", "bmdu_parameters"};
  const char *wkey[2] = {"bmdl_unbounded", "bmdu_unbounded"};
  for (int l = 0; l < 2; l++) {
    json_t *lp = isfinite(lim[l][0]) ? bs_bmd_params_json(r, lim[l]) : NULL;
    if (isfinite(reach[l]) && lp) {
      json_t *w = json_object();
      json_object_set_new(w, "profile_dose", bs_json_number(reach[l]));
      json_object_set_new(w, "parameters", lp);
      json_object_set_new(o, key[l], json_null());
      json_object_set_new(o, wkey[l], w);
    } else {
      json_object_set_new(o, key[l], lp ? lp : json_null());
      json_object_set_new(o, wkey[l], json_null());
    }
  }
  return o;
}

static int parse_models(const char *list, int *models, size_t *n) {
  char *dup = strdup(list), *save = NULL;
  if (!dup)
    return -1;
  *n = 0;
  for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int m = bmd_model_parse(t);
    if (m < 0 || *n >= BMD_MODEL_COUNT) {
      fprintf(stderr, "bmdstream fit: --models: unknown model '%s'\n", t);
      free(dup);
      return -1;
    }
    models[(*n)++] = m;
  }
  free(dup);
  return *n > 0 ? 0 : -1;
}

int bs_cmd_fit(int argc, char **argv) {
  static const struct option lopts[] = {{"data", required_argument, NULL, 'd'},
                                        {"models", required_argument, NULL, 'm'},
                                        {"variance", required_argument, NULL, 'v'},
                                        {"bmr-type", required_argument, NULL, 't'},
                                        {"bmr", required_argument, NULL, 'b'},
                                        {"direction", required_argument, NULL, 'D'},
                                        {"no-limits", no_argument, NULL, 'L'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *data = NULL;
  int models[BMD_MODEL_COUNT];
  size_t n_models = 0;
  bmd_fit_options opt = bmd_fit_options_default();
  int rc = 1, c, k;
  bmd_suffstat *ss = NULL;
  bmd_fit_result *res = NULL;
  bmd_fit_memo *memo = NULL;
  json_t *root = NULL;
  for (int i = 0; i < BMD_MODEL_COUNT; i++)
    models[n_models++] = i;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
    switch (c) {
    case 'd':
      data = optarg;
      break;
    case 'm':
      if (parse_models(optarg, models, &n_models) != 0)
        return 2;
      break;
    case 'v':
      if ((k = parse_choice("--variance", optarg, variance_names, "constant or nonconstant")) < 0)
        return 2;
      opt.variance = (bmd_variance)k;
      break;
    case 't':
      if ((k = parse_choice("--bmr-type", optarg, bmr_type_names, "sd, rel or abs")) < 0)
        return 2;
      opt.bmr_type = (bmd_bmr_type)k;
      break;
    case 'b':
      if (bs_config_parse_double(optarg, &opt.bmr) != 0 || !(opt.bmr > 0)) {
        fprintf(stderr, "bmdstream fit: --bmr: want a number > 0\n");
        return 2;
      }
      break;
    case 'D':
      opt.direction = strcmp(optarg, "up") == 0 ? 1 : strcmp(optarg, "down") == 0 ? -1 : 0;
      break;
    case 'L':
      opt.compute_limits = 0;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (!data) {
    usage(stderr);
    return 2;
  }
  if (read_csv(data, &ss) != 0)
    return 1;
  bmd_aod aod;
  if (bmd_aod_compute(ss, opt.variance, &aod) != 0) {
    fprintf(stderr, "bmdstream fit: %s: analysis of deviance failed\n", data);
    goto done;
  }
  res = calloc(n_models, sizeof(*res));
  memo = bmd_fit_memo_new();
  if (!res || !memo)
    goto done;
  root = json_object();
  json_t *arr = json_array();
  json_object_set_new(root, "models", arr);
  for (size_t i = 0; i < n_models; i++) {
    char err[256];
    if (bmd_fit_run_memo(ss, (bmd_model)models[i], &opt, &aod, memo, &res[i], err, sizeof(err)) !=
        0) {
      fprintf(stderr, "bmdstream fit: %s: %s\n", data, err);
      goto done;
    }
    json_array_append_new(arr, model_json(&res[i]));
  }
  bmd_select_options sopt = bmd_select_options_default();
  bmd_select_result sel;
  bmd_select_best(res, n_models, ss, &sopt, &sel);
  if (sel.best >= 0) {
    json_t *b = model_json(&res[sel.best]);
    json_object_set_new(b, "bmd", bs_json_number(sel.bmd));
    json_object_set_new(b, "bmdl", bs_json_number(sel.bmdl));
    json_object_set_new(b, "bmdu", bs_json_number(sel.bmdu));
    json_object_set_new(b, "hill_flag", json_integer(sel.hill_flag));
    json_object_set_new(root, "best", b);
  } else {
    json_object_set_new(root, "best", json_null());
  }
  char *txt = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
  if (txt) {
    puts(txt);
    free(txt);
    rc = 0;
  }
done:
  json_decref(root);
  bmd_fit_memo_destroy(memo);
  free(res);
  bmd_suffstat_destroy(ss);
  return rc;
}
