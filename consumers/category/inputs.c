/*
 * inputs.c - the category stage's inputs (see inputs.h).
 */
#include "inputs.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/annotation.h"

static double num(const json_t *v) {
  return json_is_number(v) ? json_number_value(v) : NAN;
}

bs_status bs_category_load_probes(bs_db *db, bs_objstore *store, int64_t result_id,
                                  bmd_result_probes *out, char *errstr, size_t errstr_size) {
  memset(out, 0, sizeof(*out));
  char rid[32];
  snprintf(rid, sizeof(rid), "%" PRId64, result_id);
  const char *params[] = {rid};
  PGresult *res = NULL;
  bs_status st = bs_db_exec(db, "SELECT results_s3_key FROM bmd_results WHERE id = $1::bigint", 1,
                            params, &res, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
    snprintf(errstr, errstr_size, "BMD result %s does not exist or has no stored results", rid);
    PQclear(res);
    return BS_ERR_PERMANENT;
  }
  char key[512];
  snprintf(key, sizeof(key), "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
  void *gz = NULL, *text = NULL;
  size_t gz_len = 0, len = 0;
  st = bs_objstore_get(store, key, (size_t)4 << 30, &gz, &gz_len, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "%s: the BMD results object is missing", key);
    return BS_ERR_PERMANENT;
  }
  if (st != BS_OK)
    return st;
  char inner[256];
  if (bs_gzip_decompress(gz, gz_len, (size_t)16 << 30, &text, &len, inner, sizeof(inner)) != 0) {
    free(gz);
    snprintf(errstr, errstr_size, "%s: %s", key, inner);
    return BS_ERR_PERMANENT;
  }
  free(gz);
  json_error_t jerr;
  out->root = json_loadb(text, len, 0, &jerr);
  free(text);
  if (!json_is_array(out->root)) {
    snprintf(errstr, errstr_size, "%s: not a JSON array of probe results (%s)", key, jerr.text);
    bs_category_probes_free(out);
    return BS_ERR_PERMANENT;
  }
  out->n = json_array_size(out->root);
  out->probes = calloc(out->n ? out->n : 1, sizeof(*out->probes));
  for (size_t i = 0; out->probes && i < out->n; i++) {
    json_t *p = json_array_get(out->root, i), *best = json_object_get(p, "best");
    bmd_cat_probe *cp = &out->probes[i];
    cp->id = json_string_value(json_object_get(p, "probe_id"));
    cp->max_fold_change = num(json_object_get(p, "max_fold_change"));
    cp->bmd = cp->bmdl = cp->bmdu = cp->fit_p = cp->r_squared = NAN;
    if (json_is_object(best)) {
      cp->bmd = num(json_object_get(best, "bmd"));
      cp->bmdl = num(json_object_get(best, "bmdl"));
      cp->bmdu = num(json_object_get(best, "bmdu"));
      cp->fit_p = num(json_object_get(best, "fit_p"));
      cp->r_squared = num(json_object_get(best, "r_squared"));
      cp->direction = (int)json_integer_value(json_object_get(best, "direction"));
      cp->model = json_string_value(json_object_get(best, "model"));
    }
    if (!cp->id) {
      snprintf(errstr, errstr_size, "%s: entry %zu has no probe_id", key, i);
      bs_category_probes_free(out);
      return BS_ERR_PERMANENT;
    }
  }
  return BS_OK;
}

void bs_category_probes_free(bmd_result_probes *p) {
  json_decref(p->root);
  free(p->probes);
  memset(p, 0, sizeof(*p));
}

/* Downloads key into a new temporary file; its path into path. */
static bs_status fetch(bs_objstore *store, const char *key, char path[64], char *errstr,
                       size_t errstr_size) {
  snprintf(path, 64, "/tmp/bmdstream-annot-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) {
    snprintf(errstr, errstr_size, "cannot create a temporary file");
    return BS_ERR_RETRIABLE;
  }
  close(fd);
  bs_status st = bs_objstore_get_file(store, key, path, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND) {
    snprintf(errstr, errstr_size, "%s: the annotation object is missing", key);
    st = BS_ERR_PERMANENT;
  }
  if (st != BS_OK)
    unlink(path);
  return st;
}

bs_status bs_category_load_annotation(bs_objstore *store, const json_t *settings, char *const *ids,
                                      size_t n_ids, bmd_annotation **out, char *errstr,
                                      size_t errstr_size) {
  *out = NULL;
  const char *type = json_string_value(json_object_get(settings, "type"));
  const char *pkey = json_string_value(json_object_get(settings, "probe_map_key"));
  const char *ckey = json_string_value(json_object_get(settings, "category_map_key"));
  const char *gkey = json_string_value(json_object_get(settings, "gmt_key"));
  if (!type) {
    snprintf(errstr, errstr_size, "parameters.category.type is missing");
    return BS_ERR_PERMANENT;
  }
  int gene_level = !strcmp(type, "gene");
  if (!gene_level && !pkey) {
    snprintf(errstr, errstr_size,
             "parameters.category: a category map or GMT needs a probe map (probe_map_key)");
    return BS_ERR_PERMANENT;
  }
  if (!gene_level && !ckey && !gkey) {
    snprintf(errstr, errstr_size, "parameters.category: type %s needs a category map or GMT key",
             type);
    return BS_ERR_PERMANENT;
  }
  char ppath[64] = "", cpath[64] = "", gpath[64] = "";
  bs_status st = BS_OK;
  if (pkey)
    st = fetch(store, pkey, ppath, errstr, errstr_size);
  if (st == BS_OK && ckey && !gene_level)
    st = fetch(store, ckey, cpath, errstr, errstr_size);
  if (st == BS_OK && gkey && !gene_level)
    st = fetch(store, gkey, gpath, errstr, errstr_size);
  if (st == BS_OK && pkey) {
    *out = bs_annotation_load(ppath, cpath[0] ? cpath : NULL, gpath[0] ? gpath : NULL, gene_level,
                              errstr, errstr_size);
    if (!*out)
      st = BS_ERR_PERMANENT;
  } else if (st == BS_OK) {
    /* No probe map: each probe id is its own gene. */
    *out = bmd_annotation_new();
    for (size_t i = 0; *out && i < n_ids; i++)
      if (bmd_annotation_add_probe_gene(*out, ids[i], ids[i]) != 0)
        st = BS_ERR_RETRIABLE;
    if (st == BS_OK && gene_level && bmd_annotation_gene_level(*out) != 0)
      st = BS_ERR_RETRIABLE;
    if (st != BS_OK && st != BS_ERR_PERMANENT)
      snprintf(errstr, errstr_size, "out of memory building the annotation");
  }
  if (ppath[0])
    unlink(ppath);
  if (cpath[0])
    unlink(cpath);
  if (gpath[0])
    unlink(gpath);
  if (st != BS_OK) {
    bmd_annotation_destroy(*out);
    *out = NULL;
  }
  return st;
}

bs_status bs_category_options(const json_t *settings, bmd_category_options *opt,
                              bmd_tpod_options *tpod, char *errstr, size_t errstr_size) {
  *opt = bmd_category_options_default();
  *tpod = bmd_tpod_options_default();
  json_t *f = json_object_get(settings, "filters");
  if (!json_is_object(f)) {
    snprintf(errstr, errstr_size, "parameters.category.filters is missing");
    return BS_ERR_PERMANENT;
  }
  for (int i = 0; i < BMD_CAT_FILTER_COUNT; i++)
    opt->filter_on[i] = 0;
  opt->filter_on[BMD_CAT_FILTER_HIGH_DOSE] =
      json_is_true(json_object_get(f, "remove_bmd_above_highest_dose"));
  json_t *v;
  if (json_is_number(v = json_object_get(f, "fit_p_min"))) {
    opt->filter_on[BMD_CAT_FILTER_FIT_P] = 1;
    opt->fit_p_min = json_number_value(v);
  }
  if (json_is_number(v = json_object_get(f, "bmdu_bmdl_ratio_max"))) {
    opt->filter_on[BMD_CAT_FILTER_BMDU_BMDL] = 1;
    opt->bmdu_bmdl_max = json_number_value(v);
  }
  if (json_is_number(v = json_object_get(f, "bmd_bmdl_ratio_max"))) {
    opt->filter_on[BMD_CAT_FILTER_BMD_BMDL] = 1;
    opt->bmd_bmdl_max = json_number_value(v);
  }
  if (json_is_number(v = json_object_get(f, "fold_change_min"))) {
    opt->filter_on[BMD_CAT_FILTER_FOLD_CHANGE] = 1;
    opt->fold_change_min = json_number_value(v);
  }
  if (json_is_integer(v = json_object_get(f, "min_genes"))) {
    tpod->min_set_genes = (size_t)json_integer_value(v);
  }
  if (json_is_number(v = json_object_get(f, "min_genes_fraction_percent")))
    tpod->min_set_fraction = json_number_value(v) / 100.0;
  return BS_OK;
}
