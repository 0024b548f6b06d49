/*
 * results_rows.c - the upsert by settings hash and the detail rows'
 * transaction that the result stores share (see results_internal.h).
 */
#include "results_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "bs/settings.h"

bs_status bs_results_upsert_hashed(bs_db *db, const char *insert_sql, int64_t project_id,
                                   int64_t parent_id, const char *kind, const char *what,
                                   const json_t *settings, int64_t *id, char *errstr,
                                   size_t errstr_size) {
  char hash[65], name[96];
  if (bs_settings_hash(settings, hash) != 0) {
    bs_set_err(errstr, errstr_size, "out of memory hashing the %s settings", what);
    return BS_ERR_RETRIABLE;
  }
  snprintf(name, sizeof(name), "%s-%.16s", kind, hash);
  char *info = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);
  const bs_db_param params[] = {BS_DB_INT64(project_id), BS_DB_INT64(parent_id), BS_DB_TEXT(name),
                                BS_DB_TEXT(kind),        BS_DB_TEXT(hash),       BS_DB_TEXT(info)};
  bs_status st = bs_db_query_id(db, insert_sql, 6, params, id, errstr, errstr_size);
  free(info);
  return st;
}

bs_status bs_results_store_rows(bs_db *db, bs_copy_rows *copy, const char *table,
                                const char *columns, const char *staging,
                                const char *staging_columns, const char *update_sql, size_t nparams,
                                const bs_db_param *params, char *errstr, size_t errstr_size) {
  bs_status st = bs_db_begin(db, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_copy_rows_load(copy, db, table, columns, staging, staging_columns, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_db_query(db, update_sql, nparams, params, NULL, errstr, errstr_size);
  st = bs_db_end(db, st, errstr, errstr_size);
  bs_copy_rows_destroy(copy);
  return st;
}
