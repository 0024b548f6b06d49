/*
 * bmdstream-import - starts an analysis (DESIGN.md §1):
 *
 *   1. reads a BMDExpress expression file (--matrix, plain or gzip), or an
 *      object an upstream system already uploaded (--matrix-key: BMDExpress
 *      text, gzip or matrix.bin);
 *   2. proves the user by the signing key (--key; identity.c) and checks
 *      that the key's owner owns --project;
 *   3. inserts the experiment row, stores projects/{p}/experiments/{e}/
 *      matrix.bin and, meanwhile, the treatment and probe-response rows,
 *      then sets the experiment's matrix key (experiment.c);
 *   4. uploads the annotation files (probe map, category map or GMT) next
 *      to the matrix;
 *   5. creates the job (QUEUED) and publishes experiment-imported (the
 *      producer made before step 1, so that it is connected by now), signed
 *      with the key (bs/signature.h), with
 *      every analysis setting filled in (bs/settings.h: the same flags as
 *      `bmdstream analyze`, the same JSON; --print-settings prints it and
 *      exits) and the annotation keys;
 *   6. prints the job id; with --wait follows the job to its end.
 *
 * --register-only stops after step 4 and prints the event's data (without
 * job_id) as JSON: an upstream system then publishes experiment-imported
 * itself with a job id of its own (schemas/README.md, "Publishing
 * experiment-imported yourself"; examples/upstream_producer.py).
 */
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/accounts.h"
#include "bs/experiments.h"
#include "bs/log.h"
#include "bs/matrix_bin.h"
#include "bs/matrix_import.h"
#include "bs/objstore.h"
#include "bs/rerun.h"
#include "bs/topics.h"
#include "import.h"

#define MAX_MATRIX_BYTES ((size_t)4 << 30)

static int fail(const char *what) {
  fprintf(stderr, "bmdstream-import: %s\n", what);
  return 1;
}

/* The dataset from a local file or an uploaded object. */
static int load(const bs_config *cfg, bs_objstore *store, bmd_log_base base, bmd_dataset **ds,
                char *errstr, size_t errstr_size) {
  const char *file = bs_config_get(cfg, "matrix"), *key = bs_config_get(cfg, "matrix_key");
  if (file && *file)
    return bs_matrix_import_file(file, NULL, base, ds, errstr, errstr_size);
  void *buf = NULL;
  size_t len = 0;
  if (bs_objstore_get(store, key, MAX_MATRIX_BYTES, &buf, &len, errstr, errstr_size) != BS_OK)
    return -1;
  int rc;
  if (len >= 8 && memcmp(buf, "BMDMATRX", 8) == 0) {
    rc = bs_matrix_bin_decode(buf, len, ds, errstr, errstr_size);
    if (rc == 0)
      (*ds)->log_base = base;
  } else {
    rc = bs_matrix_import_buffer(buf, len, key, NULL, base, ds, errstr, errstr_size);
  }
  free(buf);
  return rc;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  bs_log_init("bmdstream-import", -1);
  char errstr[2048];
  bs_config *cfg = NULL;
  json_t *settings = NULL;
  const char *bmdx = NULL;
  int parsed = bs_import_parse(argc, argv, &cfg, &settings, &bmdx);
  if (parsed >= 0)
    return parsed;
  if (bmdx) {
    int rc = bs_import_config(cfg, bmdx, settings);
    json_decref(settings);
    bs_config_destroy(cfg);
    return rc;
  }
  if (bs_config_get_bool(cfg, "print_settings")) {
    int printed = bs_settings_print(stdout, settings);
    json_decref(settings);
    bs_config_destroy(cfg);
    return printed == 0 ? 0 : 1;
  }
  bs_log_init("bmdstream-import", bs_log_level_parse(bs_config_get(cfg, "log_level")));

  int rc = 1;
  bs_db *db = NULL;
  bs_objstore *store = NULL;
  bs_producer *producer = NULL;
  bs_signer *signer = NULL;
  bmd_dataset *ds = NULL;
  json_t *data = NULL;
  const char *file = bs_config_get(cfg, "matrix"), *mkey = bs_config_get(cfg, "matrix_key");
  int64_t project = bs_config_get_int(cfg, "project"), user_id = 0, experiment = 0;
  int base = bs_settings_log_base_parse(
      json_string_value(bs_settings_get(settings, "prefilter.log_base")));
  if (project <= 0 || (!file == !mkey)) {
    fprintf(stderr, "bmdstream-import: --project and one of --matrix/--matrix-key are "
                    "required (see --help)\n");
    rc = 2;
    goto done;
  }
  int register_only = bs_config_get_bool(cfg, "register_only");
  if (register_only && bs_config_get_bool(cfg, "wait")) {
    fprintf(stderr, "bmdstream-import: --register-only starts no job to --wait for\n");
    rc = 2;
    goto done;
  }
  /* The producer first: it connects, gets its idempotence id and finds
   * experiment-imported's leader in the background while the matrix is
   * read and stored, instead of after. */
  bs_bus_properties props;
  bs_bus_options bo;
  char topic[256];
  if (!register_only) {
    if (bs_bus_options_from_config(cfg, "bmdstream-import", NULL, &props, &bo, errstr,
                                   sizeof(errstr)) != BS_OK ||
        bs_producer_new(&bo, &producer, errstr, sizeof(errstr)) != BS_OK) {
      rc = fail(errstr);
      goto done;
    }
    bs_topic_full_name(bs_config_get(cfg, "topic_prefix"), BS_TOPIC_EXPERIMENT_IMPORTED, topic,
                       sizeof(topic));
    bs_producer_warm(producer, (const char *const[]){topic}, 1);
  }
  bs_objstore_options so = bs_objstore_options_from_config(cfg);
  if (bs_objstore_new(&so, &store, errstr, sizeof(errstr)) != BS_OK ||
      bs_db_connect_from_config(cfg, "bmdstream-import", &db, errstr, sizeof(errstr)) != BS_OK) {
    rc = fail(errstr);
    goto done;
  }
  if (bs_import_identity(cfg, db, &signer, &user_id, errstr, sizeof(errstr)) != BS_OK ||
      bs_project_authorize(db, user_id, project, errstr, sizeof(errstr)) != BS_OK) {
    rc = fail(errstr);
    goto done;
  }
  if (mkey &&
      bs_objstore_check_project_key(mkey, project, "--matrix-key", errstr, sizeof(errstr)) != 0) {
    rc = fail(errstr);
    goto done;
  }
  if (load(cfg, store, (bmd_log_base)base, &ds, errstr, sizeof(errstr)) != 0) {
    rc = fail(errstr);
    goto done;
  }
  /* The experiment's name: --name, else the file name without extension. */
  char name[256];
  const char *given = bs_config_get(cfg, "name");
  if (given && *given) {
    snprintf(name, sizeof(name), "%s", given);
  } else {
    char path[4096];
    snprintf(path, sizeof(path), "%s", file ? file : mkey);
    snprintf(name, sizeof(name), "%s", basename(path));
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
      *dot = '\0';
  }
  char key[256];
  if (bs_import_store_experiment(db, store, project, name, ds, &experiment, key, errstr,
                                 sizeof(errstr)) != 0) {
    rc = fail(errstr);
    goto done;
  }
  bs_analysis_inputs files = {bs_config_get(cfg, "probe_map"), bs_config_get(cfg, "category_map"),
                              bs_config_get(cfg, "gmt")};
  data = bs_import_event_data(store, user_id, project, experiment, key, ds, settings, &files, "",
                              errstr, sizeof(errstr));
  if (!data) {
    rc = fail(errstr);
    goto done;
  }
  if (register_only) {
    char *text = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
      rc = fail("out of memory printing the event's data");
      goto done;
    }
    printf("%s\n", text);
    free(text);
    fprintf(stderr,
            "registered experiment %" PRId64 " (%zu probes x %zu samples, %s) as %s; no job, "
            "no event\n",
            experiment, ds->n_probes, ds->n_samples, name, key);
    rc = 0;
    goto done;
  }

  char job[37];
  if (bs_rerun_submit(db, producer, bs_config_get(cfg, "topic_prefix"), "/bmdstream/import", signer,
                      data, "analysis", job, errstr, sizeof(errstr)) != BS_OK) {
    rc = fail(errstr);
    goto done;
  }
  printf("%s\n", job);
  fflush(stdout);
  fprintf(stderr, "imported experiment %" PRId64 " (%zu probes x %zu samples, %s) as %s; job %s\n",
          experiment, ds->n_probes, ds->n_samples, name, key, job);
  rc = bs_config_get_bool(cfg, "wait") ? bs_import_wait(db, job) : 0;
done:
  json_decref(data);
  json_decref(settings);
  bmd_dataset_destroy(ds);
  bs_producer_destroy(producer);
  bs_signer_destroy(signer);
  bs_objstore_destroy(store);
  bs_db_destroy(db);
  bs_config_destroy(cfg);
  return rc;
}
