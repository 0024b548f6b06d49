/*
 * config.c - bmdstream-import --config FILE.json: a BMDExpress 3 analyze
 * config into the pipeline, the same runs as `bmdstream analyze --config`
 * (bs/bmdx_plan.h): each expression file of the config becomes one
 * experiment, each run of it one job with that run's settings (one
 * normalized settings object per job, flags over the config's). Runs of
 * the same prefilter are separate jobs: their prefilter results are
 * computed once per job, not shared. A run whose curve fit takes another
 * prefilter's result (data set > williams > curve fit) carries that
 * prefilter's settings as data.input_parameters (its section's, flags
 * over them, as `analyze --config` makes them): the prefilter stage runs
 * it first, then the run's prefilter on the probes it passed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/accounts.h"
#include "bs/bmdx_plan.h"
#include "bs/log.h"
#include "bs/matrix_import.h"
#include "bs/rerun.h"
#include "bs/settings_bmdx.h"
#include "import.h"

enum { EXIT_SKIPPED = 3 };

static int bad(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "bmdstream-import: ");
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return 2;
}

static int log_base_of(const json_t *settings) {
  return bs_settings_log_base_parse(
      json_string_value(bs_settings_get(settings, "prefilter.log_base")));
}

/* Imports every data set, publishes every run; job ids on stdout. */
static int publish(bs_config *cfg, const bs_bmdx_config *bc, const bs_bmdx_plan *plan,
                   json_t **settings, json_t **inputs, const bs_analysis_inputs *files,
                   char (*jobs)[37]) {
  char err[2048];
  int64_t project = bs_config_get_int(cfg, "project"), user_id = 0;
  bs_db *db = NULL;
  bs_objstore *store = NULL;
  bs_producer *producer = NULL;
  bs_signer *signer = NULL;
  bs_bus_properties props;
  bs_bus_options bo;
  bs_objstore_options so = bs_objstore_options_from_config(cfg);
  int rc = 1;
  if (bs_objstore_new(&so, &store, err, sizeof err) != BS_OK ||
      bs_db_connect_from_config(cfg, "bmdstream-import", &db, err, sizeof err) != BS_OK ||
      bs_import_identity(cfg, db, &signer, &user_id, err, sizeof err) != BS_OK ||
      bs_project_authorize(db, user_id, project, err, sizeof err) != BS_OK ||
      bs_bus_options_from_config(cfg, "bmdstream-import", NULL, &props, &bo, err, sizeof err) !=
          BS_OK ||
      bs_producer_new(&bo, &producer, err, sizeof err) != BS_OK)
    goto done;
  for (size_t d = 0; d < plan->n_datasets; d++) {
    const bs_bmdx_dataset *set = &plan->datasets[d];
    int base = (int)bc->expression[set->expression].log_base;
    for (size_t i = 0; i < plan->n_runs; i++)
      if (strcmp(plan->runs[i].matrix, set->matrix) == 0) {
        base = log_base_of(settings[i]);
        break;
      }
    bmd_dataset *ds = NULL;
    int64_t experiment = 0;
    char key[256], field[1024];
    if (bs_matrix_import_file(set->matrix, NULL, (bmd_log_base)base, &ds, field, sizeof field) !=
        0) {
      snprintf(err, sizeof err, "%s: expressionDataConfigs[%zu].inputFileName: %s", bc->path,
               set->expression, field);
      goto done;
    }
    if (bs_import_store_experiment(db, store, project, set->name, ds, &experiment, key, err,
                                   sizeof err) != 0) {
      bmd_dataset_destroy(ds);
      goto done;
    }
    fprintf(stderr, "imported experiment %" PRId64 " (%zu probes x %zu samples, %s) as %s\n",
            experiment, ds->n_probes, ds->n_samples, set->name, key);
    for (size_t i = 0; i < plan->n_runs; i++) {
      const bs_bmdx_run *r = &plan->runs[i];
      if (strcmp(r->matrix, set->matrix) != 0 || r->expression != set->expression)
        continue;
      char tag[32];
      snprintf(tag, sizeof tag, "-%zu", i + 1); /* each run's annotation files apart */
      json_t *data = bs_import_event_data(store, user_id, project, experiment, key, ds, settings[i],
                                          &files[i], tag, err, sizeof err);
      if (data && inputs[i] && json_object_set(data, "input_parameters", inputs[i]) != 0) {
        json_decref(data);
        data = NULL;
        snprintf(err, sizeof err, "out of memory building the event");
      }
      int ok = data && bs_rerun_submit(db, producer, bs_config_get(cfg, "topic_prefix"),
                                       "/bmdstream/import", signer, data, "analysis", jobs[i], err,
                                       sizeof err) == BS_OK;
      json_decref(data);
      if (!ok) {
        bmd_dataset_destroy(ds);
        goto done;
      }
      printf("%s\n", jobs[i]);
      fflush(stdout);
      fprintf(stderr, "job %s: %s\n", jobs[i], r->chain);
    }
    bmd_dataset_destroy(ds);
  }
  rc = 0;
done:
  if (rc != 0)
    fprintf(stderr, "bmdstream-import: %s\n", err);
  bs_producer_destroy(producer);
  bs_signer_destroy(signer);
  bs_objstore_destroy(store);
  bs_db_destroy(db);
  return rc;
}

int bs_import_config(bs_config *cfg, const char *path, const json_t *flags) {
  char err[2048];
  static const char *const single[] = {"matrix", "matrix_key", "name"};
  for (size_t i = 0; i < 3; i++) {
    const char *v = bs_config_get(cfg, single[i]);
    if (v && *v)
      return bad("--%s: not with --config %s (the config names the expression data)",
                 i == 0   ? "matrix"
                 : i == 1 ? "matrix-key"
                          : "name",
                 path);
  }
  if (bs_config_get_bool(cfg, "register_only"))
    return bad("--register-only: not with --config %s%s", path, "");
  bs_bmdx_config *bc = bs_bmdx_config_read(path, err, sizeof err);
  bs_bmdx_plan *plan = bc ? bs_bmdx_plan_make(bc, err, sizeof err) : NULL;
  if (!plan) {
    bs_bmdx_config_destroy(bc);
    return bad("%s%s", err, "");
  }
  size_t n = plan->n_runs;
  json_t **settings = calloc(n ? n : 1, sizeof *settings);
  json_t **inputs = calloc(n ? n : 1, sizeof *inputs); /* NULL: the run takes a data set */
  bs_bmdx_analysis *an = calloc(n ? n : 1, sizeof *an);
  bs_analysis_inputs *files = calloc(n ? n : 1, sizeof *files);
  char(*jobs)[37] = calloc(n ? n : 1, sizeof *jobs);
  bs_analysis_inputs given = {bs_config_get(cfg, "probe_map"), bs_config_get(cfg, "category_map"),
                              bs_config_get(cfg, "gmt")};
  int rc = settings && inputs && an && files && jobs ? 0 : bad("out of memory%s%s", "", "");
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (bs_settings_from_bmdx_run(bc, &plan->runs[i], flags, &given, &settings[i], &an[i], err,
                                  sizeof err) != 0 ||
        bs_settings_from_bmdx_input(bc, &plan->runs[i], flags, &given, &inputs[i], err,
                                    sizeof err) != 0)
      rc = bad("%s: %s", plan->runs[i].name, err);
    else
      bs_bmdx_run_files(&plan->runs[i], &an[i], &given, &files[i]);
  }
  if (rc == 0 && bs_config_get_bool(cfg, "print_settings")) {
    for (size_t i = 0; i < n; i++) {
      json_t *line =
          json_pack("{s:s, s:s, s:s, s:O}", "name", plan->runs[i].name, "matrix",
                    plan->runs[i].matrix, "chain", plan->runs[i].chain, "settings", settings[i]);
      if (line && inputs[i])
        json_object_set(line, "input_settings", inputs[i]);
      char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
      if (text)
        printf("%s\n", text);
      free(text);
      json_decref(line);
    }
    goto done;
  }
  if (rc == 0 && bs_config_get_int(cfg, "project") <= 0)
    rc = bad("--project is required (see --help)%s%s", "", "");
  if (rc != 0)
    goto done;
  bs_log_init("bmdstream-import", bs_log_level_parse(bs_config_get(cfg, "log_level")));
  for (size_t i = 0; i < bc->n_unsupported; i++)
    fprintf(stderr, "bmdstream-import: %s: not run: %s\n", path, bc->unsupported[i]);
  for (size_t i = 0; i < plan->n_skips; i++)
    fprintf(stderr, "bmdstream-import: %s: skipped: %s%s%s%s: %s\n", path, plan->skips[i].name,
            plan->skips[i].name[0] ? " (" : "", plan->skips[i].section,
            plan->skips[i].name[0] ? ")" : "", plan->skips[i].reason);
  rc = publish(cfg, bc, plan, settings, inputs, files, jobs);
  if (rc == 0 && bs_config_get_bool(cfg, "wait")) {
    bs_db *db = NULL;
    if (bs_db_connect_from_config(cfg, "bmdstream-import", &db, err, sizeof err) != BS_OK) {
      fprintf(stderr, "bmdstream-import: %s\n", err);
      rc = 1;
    }
    for (size_t i = 0; i < n && db; i++)
      if (bs_import_wait(db, jobs[i]) != 0)
        rc = 1;
    bs_db_destroy(db);
  }
  if (rc == 0 && plan->n_skips > 0)
    rc = EXIT_SKIPPED;
done:
  for (size_t i = 0; i < n; i++) {
    json_decref(settings ? settings[i] : NULL);
    json_decref(inputs ? inputs[i] : NULL);
    if (an)
      bs_bmdx_analysis_free(&an[i]);
  }
  free(settings);
  free(inputs);
  free(an);
  free(files);
  free(jobs);
  bs_bmdx_plan_destroy(plan);
  bs_bmdx_config_destroy(bc);
  return rc;
}
