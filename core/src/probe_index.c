/*
 * probe_index.c - a dataset's probe ids sorted for lookup by id (see
 * bmd/dataset.h). Entries are ordered by id, then row, so that among rows
 * of one id the first is found: bsearch lands on some entry of the id,
 * and the entries before it of the same id are the earlier rows.
 */
#include <stdlib.h>
#include <string.h>

#include "bmd/dataset.h"

typedef struct id_row {
  const char *id;
  size_t row;
} id_row;

struct bmd_probe_index {
  size_t n; /* the dataset's n_probes */
  id_row *entries;
};

/* By id, then row. */
static int compare_id_row(const void *a, const void *b) {
  const id_row *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->row > y->row) - (x->row < y->row);
}

static int compare_id(const void *a, const void *b) {
  return strcmp(((const id_row *)a)->id, ((const id_row *)b)->id);
}

bmd_probe_index *bmd_probe_index_new(const bmd_dataset *ds) {
  bmd_probe_index *idx = calloc(1, sizeof(*idx));
  if (!idx)
    return NULL;
  idx->n = ds->n_probes;
  idx->entries = malloc((idx->n ? idx->n : 1) * sizeof(*idx->entries));
  if (!idx->entries) {
    free(idx);
    return NULL;
  }
  for (size_t i = 0; i < idx->n; i++)
    idx->entries[i] = (id_row){ds->probe_ids[i], i};
  qsort(idx->entries, idx->n, sizeof(*idx->entries), compare_id_row);
  return idx;
}

void bmd_probe_index_destroy(bmd_probe_index *idx) {
  if (!idx)
    return;
  free(idx->entries);
  free(idx);
}

size_t bmd_probe_index_find(const bmd_probe_index *idx, const char *id) {
  if (!id)
    return idx->n;
  id_row key = {id, 0};
  const id_row *hit = bsearch(&key, idx->entries, idx->n, sizeof(key), compare_id);
  while (hit && hit > idx->entries && strcmp(hit[-1].id, id) == 0)
    hit--;
  return hit ? hit->row : idx->n;
}
