/*
 * dataset.c - the expression matrix: allocation, stable sort by dose,
 * dose groups.
 */
#include "bmd/dataset.h"

#include <stdlib.h>
#include <string.h>

bmd_dataset *bmd_dataset_new(size_t n_probes, size_t n_samples) {
  bmd_dataset *ds = calloc(1, sizeof(*ds));
  if (!ds)
    return NULL;
  ds->n_probes = n_probes;
  ds->n_samples = n_samples;
  ds->probe_ids = calloc(n_probes ? n_probes : 1, sizeof(char *));
  ds->sample_ids = calloc(n_samples ? n_samples : 1, sizeof(char *));
  ds->doses = calloc(n_samples ? n_samples : 1, sizeof(double));
  size_t cells = n_probes * n_samples;
  ds->values = calloc(cells > 0 ? cells : 1, sizeof(double));
  if (!ds->probe_ids || !ds->sample_ids || !ds->doses || !ds->values) {
    bmd_dataset_destroy(ds);
    return NULL;
  }
  return ds;
}

/* Frees an owned array of n owned strings; NULL is safe. */
static void free_strings(char **strings, size_t n) {
  for (size_t i = 0; strings && i < n; i++)
    free(strings[i]);
  free(strings);
}

void bmd_dataset_destroy(bmd_dataset *ds) {
  if (!ds)
    return;
  free_strings(ds->probe_ids, ds->n_probes);
  free_strings(ds->sample_ids, ds->n_samples);
  free(ds->doses);
  free(ds->values);
  free(ds->group_dose); /* the block of the three group arrays */
  free(ds);
}

/* Stable insertion sort of sample indices by dose: n is a few dozen. */
static void sort_indices_by_dose(const double *doses, size_t *order, size_t n) {
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  for (size_t i = 1; i < n; i++) {
    size_t v = order[i];
    size_t j = i;
    while (j > 0 && doses[order[j - 1]] > doses[v]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = v;
  }
}

int bmd_dataset_group(bmd_dataset *ds) {
  size_t n = ds->n_samples;
  size_t *order = malloc((n ? n : 1) * sizeof(*order));
  double *row = malloc((n ? n : 1) * sizeof(*row));
  char **ids = malloc((n ? n : 1) * sizeof(*ids));
  if (!order || !row || !ids)
    goto fail;

  sort_indices_by_dose(ds->doses, order, n);
  for (size_t s = 0; s < n; s++)
    row[s] = ds->doses[order[s]];
  memcpy(ds->doses, row, n * sizeof(*row));
  for (size_t s = 0; s < n; s++)
    ids[s] = ds->sample_ids[order[s]];
  memcpy(ds->sample_ids, ids, n * sizeof(*ids));
  for (size_t p = 0; p < ds->n_probes; p++) {
    double *r = ds->values + p * n;
    for (size_t s = 0; s < n; s++)
      row[s] = r[order[s]];
    memcpy(r, row, n * sizeof(*row));
  }

  size_t groups = 0;
  for (size_t s = 0; s < n; s++)
    if (s == 0 || ds->doses[s] != ds->doses[s - 1])
      groups++;
  /* One block of G = max(groups, 1) entries per array, doubles first so
   * that the size_t arrays after them are aligned:
   * group_dose (G doubles) | group_start (G) | group_size (G). */
  size_t room = groups ? groups : 1;
  free(ds->group_dose);
  ds->group_dose = calloc(1, room * (sizeof(double) + 2 * sizeof(size_t)));
  ds->group_start = ds->group_dose ? (size_t *)(ds->group_dose + room) : NULL;
  ds->group_size = ds->group_start ? ds->group_start + room : NULL;
  if (!ds->group_dose)
    goto fail;
  size_t g = 0;
  for (size_t s = 0; s < n; s++) {
    if (s == 0 || ds->doses[s] != ds->doses[s - 1]) {
      ds->group_dose[g] = ds->doses[s];
      ds->group_start[g] = s;
      g++;
    }
    ds->group_size[g - 1]++;
  }
  ds->n_groups = groups;
  free(order);
  free(row);
  free(ids);
  return 0;
fail:
  free(order);
  free(row);
  free(ids);
  return -1;
}
