/*
 * inputs.c - the category stage's inputs (see inputs.h).
 */
#include "inputs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/bmd_export.h"
#include "bs/bmd_fits_object.h"
#include "bs/log.h"

/* The fits from the result's probe_stats.json.gz (results_s3_key). */
static bs_status fits_from_json(bs_db *db, bs_objstore *store, int64_t project_id,
                                int64_t result_id, const bmd_dataset *ds, bmd_probe_fit **fits,
                                size_t *n, char *errstr, size_t errstr_size) {
  char key[512], inner[512];
  const bs_db_param params[] = {BS_DB_INT64(result_id)};
  PGresult *res = NULL;
  void *gz = NULL, *text = NULL;
  size_t gz_len = 0, len = 0;
  bs_status st = bs_db_query_row(db, "SELECT results_s3_key FROM bmd_results WHERE id = $1::bigint",
                                 1, params, &res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "BMD result %" PRId64 " does not exist or has no stored results",
             result_id);
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK)
    goto done;
  snprintf(key, sizeof(key), "%s", PQgetvalue(res, 0, 0));
  if (bs_objstore_check_project_key(key, project_id, "bmd_results.results_s3_key", errstr,
                                    errstr_size) != 0) {
    st = BS_ERR_PERMANENT;
    goto done;
  }
  st = bs_objstore_get(store, key, (size_t)4 << 30, &gz, &gz_len, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "%s: the BMD results object is missing", key);
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK)
    goto done;
  st = BS_ERR_PERMANENT;
  if (bs_gzip_decompress(gz, gz_len, (size_t)16 << 30, &text, &len, inner, sizeof(inner)) != 0) {
    snprintf(errstr, errstr_size, "%s: %s", key, inner);
    goto done;
  }
  if (bs_bmd_probes_from_json_text(ds, text, len, fits, n, inner, sizeof(inner)) != 0) {
    snprintf(errstr, errstr_size, "%s: %s", key, inner);
    goto done;
  }
  st = BS_OK;
done:
  free(text);
  free(gz);
  PQclear(res);
  return st;
}

bs_status bs_category_load_fits(bs_db *db, bs_objstore *store, int64_t project_id,
                                int64_t result_id, const bmd_dataset *ds, bmd_probe_fit **fits,
                                size_t *n, char *errstr, size_t errstr_size) {
  *fits = NULL;
  *n = 0;
  /* the fits the gather holds, when it stored them and this build can
   * read them, as many as the result counts; else from the JSON */
  const bs_db_param params[] = {BS_DB_INT64(result_id)};
  PGresult *res = NULL;
  bs_status st = bs_db_query_row(db,
                                 "SELECT num_results FROM bmd_results WHERE id = $1::bigint "
                                 "AND results_s3_key IS NOT NULL AND num_results IS NOT NULL",
                                 1, params, &res, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    return fits_from_json(db, store, project_id, result_id, ds, fits, n, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  size_t count = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  char key[256], why[512];
  bs_bmd_fits_object_key(project_id, result_id, key, sizeof(key));
  st = bs_bmd_fits_object_get(store, key, ds->n_probes, fits, n, why, sizeof(why));
  if (st == BS_OK && *n == count)
    return BS_OK;
  if (st == BS_OK) {
    snprintf(why, sizeof(why), "%s: %zu fits, the result has %zu", key, *n, count);
    free(*fits);
    *fits = NULL;
    *n = 0;
  }
  if (st == BS_ERR_RETRIABLE) { /* the store's trouble, not the object's */
    snprintf(errstr, errstr_size, "%s", why);
    return st;
  }
  if (st == BS_ERR_NOT_FOUND) /* a result of an earlier version */
    bs_info("BMD result %" PRId64 ": no %s; its fits are read from probe_stats.json.gz", result_id,
            key);
  else
    bs_notice("BMD result %" PRId64 ": %s; its fits are read from probe_stats.json.gz", result_id,
              why);
  return fits_from_json(db, store, project_id, result_id, ds, fits, n, errstr, errstr_size);
}

/* Downloads key into a new temporary file; its path into path. */
static bs_status fetch(bs_objstore *store, const char *key, char path[64], char *errstr,
                       size_t errstr_size) {
  snprintf(path, 64, "/tmp/bmdstream-annot-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) {
    path[0] = '\0';
    snprintf(errstr, errstr_size, "cannot create a temporary file");
    return BS_ERR_RETRIABLE;
  }
  close(fd);
  bs_status st = bs_objstore_get_file(store, key, path, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "%s: the annotation object is missing", key);
    st = BS_ERR_PERMANENT;
  }
  return st;
}

bs_status bs_annotation_files_fetch(bs_objstore *store, const bs_analysis_inputs *keys,
                                    const bs_ontology_keys *ontology, bs_annotation_files *files,
                                    char *errstr, size_t errstr_size) {
  memset(files, 0, sizeof(*files));
  const char *from[] = {keys->probe_map,  keys->category_map,       keys->gmt,
                        ontology->go_obo, ontology->go_annotations, ontology->pathway_annotations};
  char *into[] = {files->probe_map, files->category_map,   files->gmt,
                  files->go_obo,    files->go_annotations, files->pathway_annotations};
  bs_status st = BS_OK;
  for (size_t i = 0; st == BS_OK && i < 6; i++)
    if (from[i])
      st = fetch(store, from[i], into[i], errstr, errstr_size);
  files->paths.probe_map = files->probe_map[0] ? files->probe_map : NULL;
  files->paths.category_map = files->category_map[0] ? files->category_map : NULL;
  files->paths.gmt = files->gmt[0] ? files->gmt : NULL;
  return st;
}

void bs_annotation_files_use(const bs_annotation_files *files, bs_settings *s) {
  if (files->go_obo[0])
    snprintf(s->go.obo, sizeof(s->go.obo), "%s", files->go_obo);
  if (files->go_annotations[0])
    snprintf(s->go.annotations, sizeof(s->go.annotations), "%s", files->go_annotations);
  if (files->pathway_annotations[0])
    snprintf(s->pathway.annotations, sizeof(s->pathway.annotations), "%s",
             files->pathway_annotations);
}

void bs_annotation_files_remove(bs_annotation_files *files) {
  char *paths[] = {files->probe_map, files->category_map,   files->gmt,
                   files->go_obo,    files->go_annotations, files->pathway_annotations};
  for (size_t i = 0; i < 6; i++)
    if (paths[i][0])
      unlink(paths[i]);
  memset(files, 0, sizeof(*files));
}
