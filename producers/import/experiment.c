/*
 * experiment.c - the steps of an import that one matrix and one job take
 * (import.h): the experiment's rows and matrix.bin, then the annotation
 * files and the experiment-imported data. main.c runs them once,
 * config.c once per expression file and once per run.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/experiments.h"
#include "bs/matrix_bin.h"
#include "import.h"

typedef struct put_job {
  bs_objstore *store;
  const char *key;
  const void *bin;
  size_t len;
  bs_status st;
  char errstr[512];
} put_job;

static void *put_thread(void *arg) {
  put_job *j = arg;
  j->st = bs_objstore_put(j->store, j->key, j->bin, j->len, "application/octet-stream", j->errstr,
                          sizeof(j->errstr));
  return NULL;
}

int bs_import_store_experiment(bs_db *db, bs_objstore *store, int64_t project, const char *name,
                               const bmd_dataset *ds, int64_t *experiment, char key[256],
                               char *errstr, size_t errstr_size) {
  if (bs_experiment_insert(db, project, name, ds, experiment, errstr, errstr_size) != BS_OK)
    return -1;
  snprintf(key, 256, "projects/%" PRId64 "/experiments/%" PRId64 "/matrix.bin", project,
           *experiment);
  void *bin = NULL;
  size_t len = 0;
  if (bs_matrix_bin_encode(ds, &bin, &len) != 0) {
    snprintf(errstr, errstr_size, "out of memory encoding matrix.bin");
    return -1;
  }
  /* matrix.bin goes up while the rows go in (the store and the database
   * are separate connections); the key is set once both are done, so that
   * an experiment's key always names a stored object */
  put_job job = {store, key, bin, len, BS_ERR_RETRIABLE, ""};
  pthread_t thread;
  int threaded = pthread_create(&thread, NULL, put_thread, &job) == 0;
  if (!threaded)
    put_thread(&job);
  bs_status st = bs_experiment_store_rows(db, *experiment, ds, errstr, errstr_size);
  if (threaded)
    pthread_join(thread, NULL);
  free(bin);
  if (st == BS_OK && job.st != BS_OK) {
    snprintf(errstr, errstr_size, "%s", job.errstr);
    st = job.st;
  }
  if (st == BS_OK)
    st = bs_experiment_set_matrix_key(db, *experiment, key, errstr, errstr_size);
  return st == BS_OK ? 0 : -1;
}

/* Uploads a local annotation file to key; NULL path: nothing. */
static int upload(bs_objstore *store, const char *path, const char *key, char *errstr,
                  size_t errstr_size) {
  if (!path || !*path)
    return 0;
  return bs_objstore_put_file(store, key, path, "text/plain", errstr, errstr_size) == BS_OK ? 0
                                                                                            : -1;
}

/* The GO and Reactome files the settings name (category.go.obo,
 * category.go.annotations, category.pathway.annotations: paths on this
 * machine) uploaded next to the matrix, their keys into annotation as
 * go_obo_key, go_annotations_key, pathway_annotations_key: the category
 * stage reads its own copies, not the paths. Only the files the settings'
 * category type reads. */
static int add_ontology(bs_objstore *store, const json_t *settings, const char *dir,
                        const char *tag, json_t *annotation, char *errstr, size_t errstr_size) {
  static const struct {
    const char *type, *setting, *stem, *ext, *field;
  } files[] = {
      {"go", "category.go.obo", "go", ".obo", "go_obo_key"},
      {"go", "category.go.annotations", "go_annotations", ".txt", "go_annotations_key"},
      {"pathway", "category.pathway.annotations", "pathway_annotations", ".txt",
       "pathway_annotations_key"},
  };
  const char *type = json_string_value(bs_settings_get(settings, "category.type"));
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    const char *path = json_string_value(bs_settings_get(settings, files[i].setting));
    if (!type || strcmp(type, files[i].type) != 0 || !path || !*path)
      continue;
    char name[64], key[256];
    snprintf(name, sizeof name, "%s%s%s", files[i].stem, tag, files[i].ext);
    snprintf(key, sizeof key, "%s/%s", dir, name);
    if (upload(store, path, key, errstr, errstr_size) != 0)
      return -1;
    if (json_object_set_new(annotation, files[i].field, json_string(key)) != 0) {
      snprintf(errstr, errstr_size, "out of memory building the event");
      return -1;
    }
  }
  return 0;
}

json_t *bs_import_event_data(bs_objstore *store, int64_t user_id, int64_t project,
                             int64_t experiment, const char *matrix_key, const bmd_dataset *ds,
                             const json_t *settings, const bs_analysis_inputs *files,
                             const char *tag, char *errstr, size_t errstr_size) {
  char pmap[256], cmap[256], gmt[256], dir[128];
  snprintf(dir, sizeof dir, "projects/%" PRId64 "/experiments/%" PRId64, project, experiment);
  snprintf(pmap, sizeof pmap, "%s/probe_map%s.txt", dir, tag);
  snprintf(cmap, sizeof cmap, "%s/category_map%s.txt", dir, tag);
  snprintf(gmt, sizeof gmt, "%s/gene_sets%s.gmt", dir, tag);
  const char *pm = files->probe_map, *cm = files->category_map, *gm = files->gmt;
  if (upload(store, pm, pmap, errstr, errstr_size) != 0 ||
      upload(store, cm, cmap, errstr, errstr_size) != 0 ||
      upload(store, gm, gmt, errstr, errstr_size) != 0)
    return NULL;
  json_t *data = json_pack(
      "{s:I, s:I, s:I, s:s, s:I, s:I, s:O, s:{s:s?, s:s?, s:s?}}", "user_id", (json_int_t)user_id,
      "project_id", (json_int_t)project, "experiment_id", (json_int_t)experiment, "matrix_key",
      matrix_key, "num_probes", (json_int_t)ds->n_probes, "num_samples", (json_int_t)ds->n_samples,
      "parameters", settings, "annotation", "probe_map_key", pm && *pm ? pmap : NULL,
      "category_map_key", cm && *cm ? cmap : NULL, "gmt_key", gm && *gm ? gmt : NULL);
  if (!data)
    snprintf(errstr, errstr_size, "out of memory building the event");
  else if (add_ontology(store, settings, dir, tag, json_object_get(data, "annotation"), errstr,
                        errstr_size) != 0) {
    json_decref(data);
    data = NULL;
  }
  return data;
}
