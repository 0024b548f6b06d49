/*
 * category_annot.c - the annotation of a category analysis: probe -> gene
 * rows and category -> gene rows, interned (see bmd/category.h), and the
 * small string map they use.
 */
#include "category_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, 64 bit: h = (h ^ byte) * 1099511628211, from 14695981039346656037. */
static uint64_t hash_str(const char *s) {
  uint64_t h = 14695981039346656037ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

void bmd_strmap_init(bmd_strmap *m) {
  memset(m, 0, sizeof(*m));
}

void bmd_strmap_free(bmd_strmap *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++)
    free(m->keys[i]);
  free(m->keys);
  free(m->slots);
  memset(m, 0, sizeof(*m));
}

size_t bmd_strmap_find(const bmd_strmap *m, const char *key) {
  if (m->slots_cap == 0)
    return (size_t)-1;
  size_t mask = m->slots_cap - 1;
  for (size_t s = (size_t)hash_str(key) & mask;; s = (s + 1) & mask) {
    size_t v = m->slots[s];
    if (v == 0)
      return (size_t)-1;
    if (strcmp(m->keys[v - 1], key) == 0)
      return v - 1;
  }
}

/* Rehash into twice the slots (load kept below 1/2). */
static int grow_slots(bmd_strmap *m) {
  size_t cap = m->slots_cap ? m->slots_cap * 2 : 64;
  size_t *slots = calloc(cap, sizeof(*slots));
  if (!slots)
    return -1;
  for (size_t i = 0; i < m->n; i++) {
    size_t s = (size_t)hash_str(m->keys[i]) & (cap - 1);
    while (slots[s])
      s = (s + 1) & (cap - 1);
    slots[s] = i + 1;
  }
  free(m->slots);
  m->slots = slots;
  m->slots_cap = cap;
  return 0;
}

size_t bmd_strmap_intern(bmd_strmap *m, const char *key, int *added) {
  if (added)
    *added = 0;
  size_t found = bmd_strmap_find(m, key);
  if (found != (size_t)-1)
    return found;
  if (2 * (m->n + 1) > m->slots_cap && grow_slots(m) != 0)
    return (size_t)-1;
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 32;
    char **keys = realloc(m->keys, cap * sizeof(*keys));
    if (!keys)
      return (size_t)-1;
    m->keys = keys;
    m->cap = cap;
  }
  char *copy = strdup(key);
  if (!copy)
    return (size_t)-1;
  size_t mask = m->slots_cap - 1, s = (size_t)hash_str(key) & mask;
  while (m->slots[s])
    s = (s + 1) & mask;
  m->keys[m->n] = copy;
  m->slots[s] = ++m->n;
  if (added)
    *added = 1;
  return m->n - 1;
}

int bmd_pairs_push(bmd_pairs *p, size_t a, size_t b) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 64;
    size_t *na = realloc(p->a, cap * sizeof(*na));
    if (!na)
      return -1;
    p->a = na;
    size_t *nb = realloc(p->b, cap * sizeof(*nb));
    if (!nb)
      return -1;
    p->b = nb;
    p->cap = cap;
  }
  p->a[p->n] = a;
  p->b[p->n] = b;
  p->n++;
  return 0;
}

void bmd_pairs_free(bmd_pairs *p) {
  free(p->a);
  free(p->b);
  memset(p, 0, sizeof(*p));
}

bmd_annotation *bmd_annotation_new(void) {
  return calloc(1, sizeof(bmd_annotation));
}

static void free_categories(bmd_annotation *a) {
  for (size_t i = 0; i < a->cats.n && i < a->names_cap; i++)
    free(a->cat_names[i]);
  free(a->cat_names);
  a->cat_names = NULL;
  a->names_cap = 0;
  bmd_strmap_free(&a->cats);
  bmd_strmap_free(&a->cat_seen);
  bmd_pairs_free(&a->cat_gene);
}

void bmd_annotation_destroy(bmd_annotation *a) {
  if (!a)
    return;
  free_categories(a);
  bmd_strmap_free(&a->probes);
  bmd_strmap_free(&a->genes);
  bmd_strmap_free(&a->probe_seen);
  bmd_pairs_free(&a->probe_gene);
  free(a);
}

/* Records the row (x, y) in seen once: 1 new, 0 seen, -1 out of memory. */
static int first_sight(bmd_strmap *seen, size_t x, size_t y) {
  char key[48];
  snprintf(key, sizeof(key), "%zu:%zu", x, y);
  int added;
  if (bmd_strmap_intern(seen, key, &added) == (size_t)-1)
    return -1;
  return added;
}

int bmd_annotation_add_probe_gene(bmd_annotation *a, const char *probe, const char *gene) {
  size_t p = bmd_strmap_intern(&a->probes, probe, NULL);
  size_t g = bmd_strmap_intern(&a->genes, gene, NULL);
  if (p == (size_t)-1 || g == (size_t)-1)
    return -1;
  int fresh = first_sight(&a->probe_seen, p, g);
  if (fresh <= 0)
    return fresh;
  return bmd_pairs_push(&a->probe_gene, p, g);
}

int bmd_annotation_add_category_gene(bmd_annotation *a, const char *id, const char *name,
                                     const char *gene) {
  int added;
  size_t c = bmd_strmap_intern(&a->cats, id, &added);
  if (c == (size_t)-1)
    return -1;
  if (added) {
    if (c >= a->names_cap) {
      size_t cap = a->names_cap ? a->names_cap * 2 : 32;
      char **names = realloc(a->cat_names, cap * sizeof(*names));
      if (!names)
        return -1;
      memset(names + a->names_cap, 0, (cap - a->names_cap) * sizeof(*names));
      a->cat_names = names;
      a->names_cap = cap;
    }
    a->cat_names[c] = strdup(name ? name : id);
    if (!a->cat_names[c])
      return -1;
  }
  size_t g = bmd_strmap_intern(&a->genes, gene, NULL);
  if (g == (size_t)-1)
    return -1;
  int fresh = first_sight(&a->cat_seen, c, g);
  if (fresh <= 0)
    return fresh;
  return bmd_pairs_push(&a->cat_gene, c, g);
}

int bmd_annotation_gene_level(bmd_annotation *a) {
  free_categories(a);
  /* genes of the probe map, in order of first appearance */
  for (size_t i = 0; i < a->probe_gene.n; i++) {
    const char *gene = a->genes.keys[a->probe_gene.b[i]];
    if (bmd_annotation_add_category_gene(a, gene, gene, gene) != 0)
      return -1;
  }
  return 0;
}

size_t bmd_annotation_n_probes(const bmd_annotation *a) {
  return a->probes.n;
}

size_t bmd_annotation_n_genes(const bmd_annotation *a) {
  return a->genes.n;
}

size_t bmd_annotation_n_categories(const bmd_annotation *a) {
  return a->cats.n;
}

const char *bmd_annotation_gene_id(const bmd_annotation *a, size_t gene) {
  return gene < a->genes.n ? a->genes.keys[gene] : NULL;
}

const char *bmd_annotation_category_id(const bmd_annotation *a, size_t cat) {
  return cat < a->cats.n ? a->cats.keys[cat] : NULL;
}

const char *bmd_annotation_category_name(const bmd_annotation *a, size_t cat) {
  return cat < a->cats.n ? a->cat_names[cat] : NULL;
}

size_t bmd_annotation_category_size(const bmd_annotation *a, size_t cat) {
  size_t n = 0;
  for (size_t i = 0; i < a->cat_gene.n; i++)
    n += a->cat_gene.a[i] == cat;
  return n;
}

size_t bmd_annotation_category_genes(const bmd_annotation *a, size_t cat, size_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < a->cat_gene.n; i++)
    if (a->cat_gene.a[i] == cat) {
      if (out)
        out[n] = a->cat_gene.b[i];
      n++;
    }
  return n;
}
