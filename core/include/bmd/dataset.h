/*
 * bmd/dataset.h - an expression matrix as the analysis sees it.
 *
 * Samples are held sorted by ascending dose (stable, as BMDExpress does);
 * consecutive samples with equal dose form a dose group. Values are stored
 * row-major, one row per probe: value(p, s) = values[p * n_samples + s].
 * The struct is plain data so the prefilter and fitting loops can read it
 * without calls; build it only with bmd_dataset_new() and let
 * bmd_dataset_group() fill the group arrays.
 */
#ifndef BMD_DATASET_H
#define BMD_DATASET_H

#include <stddef.h>

/* BMDExpress's log-transformation flag: it never changes the data, only
 * fold-change arithmetic and the relative-BMR conversion. */
typedef enum bmd_log_base {
  BMD_LOG_NONE = 0,
  BMD_LOG_BASE2,
  BMD_LOG_BASE10,
  BMD_LOG_NATURAL
} bmd_log_base;

typedef struct bmd_dataset {
  size_t n_probes;
  size_t n_samples;
  char **probe_ids;  /* owned, n_probes NUL-terminated strings */
  char **sample_ids; /* owned, n_samples strings */
  double *doses;     /* owned, n_samples, ascending after bmd_dataset_group */
  double *values;    /* owned, n_probes * n_samples, row-major */
  bmd_log_base log_base;
  /* dose groups, filled by bmd_dataset_group() */
  size_t n_groups;
  double *group_dose;  /* n_groups, ascending; owns one block with the two below */
  size_t *group_start; /* first sample index of each group */
  size_t *group_size;  /* replicates per group */
} bmd_dataset;

/* New zero-filled dataset with room for the given shape; NULL when out of
 * memory. The id arrays are allocated (entries NULL) for the caller to fill
 * with malloc'd strings, which the dataset then owns. */
bmd_dataset *bmd_dataset_new(size_t n_probes, size_t n_samples);

/* Frees everything the dataset owns; NULL is safe. */
void bmd_dataset_destroy(bmd_dataset *ds);

/* Sorts samples by ascending dose (stable, permuting sample ids and every
 * probe row alike) and fills the dose-group arrays. Returns 0, or -1 when
 * out of memory. */
int bmd_dataset_group(bmd_dataset *ds) __attribute__((warn_unused_result));

/* An index of a dataset's probe ids, sorted by (id, row), for finding
 * rows by id in O(log n_probes). */
typedef struct bmd_probe_index bmd_probe_index;

/* The index of ds (borrowed: it must outlive the index with its ids
 * unchanged); NULL when out of memory. */
bmd_probe_index *bmd_probe_index_new(const bmd_dataset *ds);

/* Frees the index; NULL is safe. */
void bmd_probe_index_destroy(bmd_probe_index *idx);

/* The first row whose probe id is id; n_probes when there is none or id
 * is NULL. */
size_t bmd_probe_index_find(const bmd_probe_index *idx, const char *id);

/* Pointer to the row of probe p (borrowed). */
static inline const double *bmd_dataset_row(const bmd_dataset *ds, size_t p) {
  return ds->values + p * ds->n_samples;
}

#endif
