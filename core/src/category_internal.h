/*
 * category_internal.h - private pieces of the category analysis: a string
 * -> index map (open addressing, FNV-1a) and the annotation's layout.
 */
#ifndef BMD_CATEGORY_INTERNAL_H
#define BMD_CATEGORY_INTERNAL_H

#include <stddef.h>

#include "bmd/category.h"

/* Interned strings: each distinct key gets the next index; keys owned. */
typedef struct bmd_strmap {
  size_t n, cap;    /* keys stored; capacity of keys[] */
  char **keys;      /* n owned strings, by index */
  size_t slots_cap; /* power of two */
  size_t *slots;    /* index + 1, 0 = empty */
} bmd_strmap;

void bmd_strmap_init(bmd_strmap *m);
void bmd_strmap_free(bmd_strmap *m);
/* Index of key, or (size_t)-1 when absent. */
size_t bmd_strmap_find(const bmd_strmap *m, const char *key);
/* Index of key, adding it when absent; (size_t)-1 when out of memory.
 * *added (may be NULL) tells whether it was new. */
size_t bmd_strmap_intern(bmd_strmap *m, const char *key, int *added);

/* A growable list of index pairs. */
typedef struct bmd_pairs {
  size_t n, cap;
  size_t *a, *b;
} bmd_pairs;

int bmd_pairs_push(bmd_pairs *p, size_t a, size_t b);
void bmd_pairs_free(bmd_pairs *p);

struct bmd_annotation {
  bmd_strmap probes; /* probe ids of the probe map */
  bmd_strmap genes;  /* gene ids, from either file */
  bmd_strmap cats;   /* category ids */
  char **cat_names;  /* names_cap entries, the first cats.n owned */
  size_t names_cap;
  bmd_pairs probe_gene;  /* (probe, gene) rows, unique */
  bmd_pairs cat_gene;    /* (category, gene) rows, unique */
  bmd_strmap probe_seen; /* "p:g" keys of probe rows seen */
  bmd_strmap cat_seen;   /* "c:g" keys of category rows seen */
};

struct bmd_category_analysis {
  size_t n_genes;
  bmd_cat_gene *genes; /* gene table */
  size_t *gene_probes; /* storage of every gene's probe list */
  double *gene_fcs;    /* and of their |fold changes| */
  size_t n_results;
  bmd_category_result *results;
  bmd_strmap models; /* interned model names */
  size_t universe, passed;
  int conflicts_done;     /* bmd_category_conflicts ran */
  double conflict_cutoff; /* its r cut-off */
};

/* Eliminates gene-set redundancy in ca's results (category_dedup.c):
 * 0, or -1 when out of memory (ca unchanged). */
int bmd_category_dedup(bmd_category_analysis *ca);

/* Frees the arrays a result owns. */
void bmd_category_result_free(bmd_category_result *r);

#endif
