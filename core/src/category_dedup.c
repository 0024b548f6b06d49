/*
 * category_dedup.c - "eliminate gene set redundancy" (the deduplicate
 * option, bmd/category.h) as BMDExpress 3 does it: after the whole
 * analysis, Fisher's test included (CategoryAnalysisService.categoryAnalysis
 * calls CategoryAnalysisResults.deDuplicateGeneSets last):
 *
 *   key = the category's passed genes ("Entrez Gene IDs", getGenes),
 *         sorted; categories with the same key form a group;
 *   a group whose key is empty (no gene passed) is kept whole;
 *   otherwise, in the order of the results (non-GO analyses are not
 *   re-sorted), the first is kept, and so is each next one while it ties
 *   with that first on Percentage and BMD Median; the first that does not
 *   tie ends the group (it and all after it are dropped).
 *
 * BMDExpress then lists the groups in HashMap order; we keep the results'
 * order. Fisher's p-values are not recomputed (nor are they in BMDExpress).
 */
#include <stdlib.h>
#include <string.h>

#include "bmd/category.h"
#include "category_internal.h"

typedef struct dedup_key {
  size_t n;
  size_t *genes; /* gene table indices, ascending (the same order as ids) */
  size_t result; /* index into ca->results */
} dedup_key;

static int cmp_size(const void *x, const void *y) {
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  return (a > b) - (a < b);
}

/* By gene set, then by result index (groups keep the results' order). */
static int cmp_key(const void *x, const void *y) {
  const dedup_key *a = x, *b = y;
  if (a->n != b->n)
    return a->n < b->n ? -1 : 1;
  for (size_t i = 0; i < a->n; i++)
    if (a->genes[i] != b->genes[i])
      return a->genes[i] < b->genes[i] ? -1 : 1;
  return (a->result > b->result) - (a->result < b->result);
}

static int same_set(const dedup_key *a, const dedup_key *b) {
  return a->n == b->n && memcmp(a->genes, b->genes, a->n * sizeof(*a->genes)) == 0;
}

int bmd_category_dedup(bmd_category_analysis *ca) {
  size_t n = ca->n_results, total = 0;
  for (size_t i = 0; i < n; i++)
    total += ca->results[i].n;
  dedup_key *keys = malloc((n ? n : 1) * sizeof(*keys));
  size_t *store = malloc((total ? total : 1) * sizeof(*store));
  unsigned char *drop = calloc(n ? n : 1, 1);
  if (!keys || !store || !drop) {
    free(keys);
    free(store);
    free(drop);
    return -1;
  }
  /* gene table indices stand for gene ids: one row per gene */
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    const bmd_category_result *r = &ca->results[i];
    keys[i].n = r->n;
    keys[i].genes = store + off;
    keys[i].result = i;
    memcpy(keys[i].genes, r->genes, r->n * sizeof(*r->genes));
    qsort(keys[i].genes, r->n, sizeof(*r->genes), cmp_size);
    off += r->n;
  }
  qsort(keys, n, sizeof(*keys), cmp_key);
  for (size_t g = 0; g < n;) {
    size_t end = g + 1;
    while (end < n && same_set(&keys[g], &keys[end]))
      end++;
    if (keys[g].n > 0) {
      const bmd_category_result *first = &ca->results[keys[g].result];
      size_t k = g + 1;
      for (; k < end; k++) {
        const bmd_category_result *r = &ca->results[keys[k].result];
        if (!(r->percentage == first->percentage && r->bmd.median == first->bmd.median))
          break;
      }
      for (; k < end; k++)
        drop[keys[k].result] = 1;
    }
    g = end;
  }
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (drop[i])
      bmd_category_result_free(&ca->results[i]);
    else
      ca->results[kept++] = ca->results[i];
  }
  ca->n_results = kept;
  free(keys);
  free(store);
  free(drop);
  return 0;
}
