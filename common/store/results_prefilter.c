/*
 * results_prefilter.c - prefilter_results and prefilter_result_details.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/results.h"
#include "bs/settings.h"

static void copy_escape(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r')
      fputc('\\', f), fputc(*s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\', f);
    else
      fputc(*s, f);
  }
}

static void copy_num(FILE *f, double v) {
  if (isfinite(v))
    fprintf(f, "\t%.17g", v);
  else
    fputs("\t\\N", f);
}

bs_status bs_results_upsert_prefilter(bs_db *db, int64_t project_id, int64_t experiment_id,
                                      const char *method, const json_t *settings,
                                      int64_t *prefilter_id, char *errstr, size_t errstr_size) {
  char hash[65], name[96], proj[32], exp[32];
  if (bs_settings_hash(settings, hash) != 0) {
    snprintf(errstr, errstr_size, "out of memory hashing the prefilter settings");
    return BS_ERR_RETRIABLE;
  }
  snprintf(name, sizeof(name), "%s-%.16s", method, hash);
  snprintf(proj, sizeof(proj), "%" PRId64, project_id);
  snprintf(exp, sizeof(exp), "%" PRId64, experiment_id);
  char *info = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);
  const char *params[] = {proj, exp, name, method, hash, info};
  PGresult *r = NULL;
  /* DO UPDATE (a no-op assignment) so that RETURNING yields the id of an
   * existing row too. */
  bs_status st = bs_db_exec(db,
                            "INSERT INTO prefilter_results (project_id, experiment_id, name, "
                            "method, params_hash, parameters) VALUES ($1::bigint, $2::bigint, $3, "
                            "$4, $5, $6::jsonb) ON CONFLICT (experiment_id, params_hash) DO UPDATE "
                            "SET name = EXCLUDED.name RETURNING id",
                            6, params, &r, errstr, errstr_size);
  free(info);
  if (st == BS_OK)
    *prefilter_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  return st;
}

bs_status bs_results_store_prefilter(bs_db *db, int64_t prefilter_id, const bmd_dataset *ds,
                                     const double *statistic, const bmd_prefilter_result *res,
                                     const char *export_prefix, char *errstr, size_t errstr_size) {
  bs_status st = bs_db_begin(db, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  st = bs_db_exec(db,
                  "CREATE TEMP TABLE pf_staging (probe_id varchar(255), statistic float8, "
                  "p_value float8, adjusted_p_value float8, best_fold_change float8, "
                  "fold_changes float8[], noel_dose float8, loel_dose float8, passed boolean) "
                  "ON COMMIT DROP",
                  0, NULL, NULL, errstr, errstr_size);
  if (st != BS_OK)
    goto fail;
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  for (size_t p = 0; f && p < res->n_probes; p++) {
    copy_escape(f, ds->probe_ids[p]);
    copy_num(f, statistic ? statistic[p] : NAN);
    copy_num(f, res->p_raw[p]);
    copy_num(f, res->p_adj[p]);
    copy_num(f, res->max_fc[p]);
    fputs("\t{", f);
    for (size_t l = 0; l < res->n_levels; l++) {
      double v = res->fc[p * res->n_levels + l];
      if (isfinite(v))
        fprintf(f, "%s%.17g", l ? "," : "", v);
      else
        fprintf(f, "%sNULL", l ? "," : "");
    }
    fputc('}', f);
    size_t lotel = res->lotel[p];
    copy_num(f, lotel ? ds->group_dose[lotel - 1] : NAN);
    copy_num(f, lotel ? ds->group_dose[lotel] : NAN);
    fprintf(f, "\t%s\n", res->verdict[p] == BMD_PREFILTER_PASSED ? "t" : "f");
  }
  if (f)
    fclose(f);
  if (!text) {
    snprintf(errstr, errstr_size, "out of memory");
    st = BS_ERR_RETRIABLE;
    goto fail;
  }
  st = bs_db_copy_in(db, "COPY pf_staging FROM STDIN", text, len, errstr, errstr_size);
  free(text);
  if (st != BS_OK)
    goto fail;
  char pid[32], tested[32], passed[32];
  snprintf(pid, sizeof(pid), "%" PRId64, prefilter_id);
  snprintf(tested, sizeof(tested), "%zu", res->n_probes);
  snprintf(passed, sizeof(passed), "%zu", res->n_passed);
  const char *ip[] = {pid};
  st = bs_db_exec(db,
                  "INSERT INTO prefilter_result_details (prefilter_id, probe_id, statistic, "
                  "p_value, adjusted_p_value, best_fold_change, fold_changes, noel_dose, "
                  "loel_dose, passed) SELECT $1::bigint, * FROM pf_staging ON CONFLICT DO NOTHING",
                  1, ip, NULL, errstr, errstr_size);
  if (st != BS_OK)
    goto fail;
  const char *up[] = {pid, tested, passed, export_prefix};
  st = bs_db_exec(db,
                  "UPDATE prefilter_results SET num_tested = $2::int, num_passed = $3::int, "
                  "results_s3_key = $4 WHERE id = $1::bigint",
                  4, up, NULL, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_db_commit(db, errstr, errstr_size);
  if (st == BS_OK)
    return BS_OK;
fail:
  bs_db_rollback(db);
  return st;
}
