/*
 * reactome.c - Reactome's gene -> pathway file (NCBI2Reactome.txt and its
 * _All_Levels variant) into pathway categories of a bmd_annotation
 * (bs/reactome.h). The line reader and the string map are the GO readers'
 * (go_internal.h).
 *
 * A row: 0 gene, 1 pathway stable id, 2 URL, 3 name, 4 evidence, 5 species.
 * Gene g is in pathway P's category when some row (g, P) of the species
 * asked for names a platform gene g; a pair named by several rows (one per
 * evidence code in Reactome's file) counts once. The _All_Levels file
 * already lists every ancestor pathway of a gene's reaction, so nothing is
 * propagated here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/error.h"
#include "bs/reactome.h"
#include "go_internal.h"

#define N_COLUMNS 6

typedef struct rx_pair {
  size_t path, gene;
} rx_pair;

typedef struct reader {
  go_lines r;
  const char *species;
  bs_reactome_counts *counts;
  go_map genes, paths; /* platform gene -> index; pathway id -> index (keys in ids) */
  char **ids, **names; /* pathways in order of first sight, owned */
  size_t n_paths, cap_paths;
  rx_pair *pairs;
  size_t n_pairs, cap_pairs;
  size_t rows;             /* rows read (not blank or comment) */
  char first_species[128]; /* of the first row, for the error naming no match */
  char *errstr;
  size_t errstr_size;
} reader;

static int bad(reader *rd, const char *what) {
  bs_set_err(rd->errstr, rd->errstr_size, "%s:%zu: %s", rd->r.path, rd->r.lineno, what);
  return -1;
}

static int oom(reader *rd) {
  bs_set_err(rd->errstr, rd->errstr_size, "%s: out of memory", rd->r.path);
  return -1;
}

/* Splits line at tabs into f[0..max); the number of fields (max + 1 when
 * there are more). */
static size_t split(char *line, char **f, size_t max) {
  size_t n = 0;
  for (char *p = line;; p++) {
    if (n < max)
      f[n] = p;
    n++;
    p = strchr(p, '\t');
    if (!p || n > max)
      break;
    *p = '\0';
  }
  return n;
}

/* The index of pathway id (added with its name on first sight). */
static size_t pathway_of(reader *rd, const char *id, const char *name) {
  size_t p = go_map_get(&rd->paths, id);
  if (p != (size_t)-1)
    return p;
  if (rd->n_paths == rd->cap_paths) {
    size_t cap = rd->cap_paths ? 2 * rd->cap_paths : 64;
    char **ids = realloc(rd->ids, cap * sizeof(*ids));
    if (!ids)
      return (size_t)-1;
    rd->ids = ids;
    char **names = realloc(rd->names, cap * sizeof(*names));
    if (!names)
      return (size_t)-1;
    rd->names = names;
    rd->cap_paths = cap;
  }
  p = rd->n_paths;
  rd->ids[p] = strdup(id);
  rd->names[p] = rd->ids[p] ? strdup(name) : NULL;
  if (!rd->names[p]) {
    free(rd->ids[p]);
    return (size_t)-1;
  }
  rd->n_paths++;
  if (go_map_put(&rd->paths, rd->ids[p], p, NULL) != 0)
    return (size_t)-1;
  return p;
}

static int read_line(reader *rd) {
  char *line = rd->r.buf, *f[N_COLUMNS];
  rd->counts->lines++;
  if (!line[strspn(line, " \t")] || line[0] == '#') {
    rd->counts->comments++;
    return 0;
  }
  size_t n = split(line, f, N_COLUMNS);
  if (n != N_COLUMNS) {
    char why[160];
    snprintf(why, sizeof why,
             "expected 6 tab-separated columns (gene, pathway id, URL, pathway name, evidence, "
             "species), found %s%zu",
             n > N_COLUMNS ? "more than " : "", n > N_COLUMNS ? (size_t)N_COLUMNS : n);
    return bad(rd, why);
  }
  if (!f[0][0])
    return bad(rd, "empty gene id (column 1)");
  if (strncmp(f[1], "R-", 2) != 0 || !f[1][2])
    return bad(rd, "pathway id (column 2) is not a Reactome stable id (R-<species>-<number>)");
  if (!f[3][0])
    return bad(rd, "empty pathway name (column 4)");
  if (!f[5][0])
    return bad(rd, "empty species (column 6)");
  if (rd->rows++ == 0)
    snprintf(rd->first_species, sizeof rd->first_species, "%s", f[5]);
  if (rd->species && rd->species[0] && strcmp(f[5], rd->species) != 0) {
    rd->counts->other_species++;
    return 0;
  }
  size_t g = go_map_get(&rd->genes, f[0]);
  if (g == (size_t)-1) {
    rd->counts->off_platform++;
    return 0;
  }
  size_t p = pathway_of(rd, f[1], f[3]);
  if (p == (size_t)-1)
    return oom(rd);
  if (rd->n_pairs == rd->cap_pairs) {
    size_t cap = rd->cap_pairs ? 2 * rd->cap_pairs : 256;
    rx_pair *v = realloc(rd->pairs, cap * sizeof(*v));
    if (!v)
      return oom(rd);
    rd->pairs = v;
    rd->cap_pairs = cap;
  }
  rd->pairs[rd->n_pairs++] = (rx_pair){p, g};
  return 0;
}

static int by_path_gene(const void *x, const void *y) {
  const rx_pair *a = x, *b = y;
  if (a->path != b->path)
    return a->path < b->path ? -1 : 1;
  return a->gene < b->gene ? -1 : a->gene > b->gene;
}

/* Pairs sorted by (pathway first sight, platform gene); a pair equal to
 * the one before is a repeated row. */
static int add_categories(bmd_annotation *a, reader *rd) {
  qsort(rd->pairs, rd->n_pairs, sizeof(rx_pair), by_path_gene);
  for (size_t i = 0; i < rd->n_pairs; i++) {
    const rx_pair *q = &rd->pairs[i];
    if (i > 0 && q->path == q[-1].path && q->gene == q[-1].gene) {
      rd->counts->repeated++;
      continue;
    }
    rd->counts->used++;
    if (bmd_annotation_add_category_gene(a, rd->ids[q->path], rd->names[q->path],
                                         bmd_annotation_gene_id(a, q->gene)) != 0)
      return oom(rd);
  }
  return 0;
}

int bs_reactome_add(bmd_annotation *a, const char *path, const char *species,
                    bs_reactome_counts *counts, char *errstr, size_t errstr_size) {
  reader rd = {.species = species, .counts = counts, .errstr = errstr, .errstr_size = errstr_size};
  memset(counts, 0, sizeof(*counts));
  rd.r.path = path;
  int rc = -1, got;
  size_t n_genes = bmd_annotation_n_genes(a);
  for (size_t g = 0; g < n_genes; g++)
    if (go_map_put(&rd.genes, bmd_annotation_gene_id(a, g), g, NULL) != 0) {
      oom(&rd);
      goto done;
    }
  if (go_lines_open(&rd.r, path, errstr, errstr_size) != 0)
    goto done;
  while ((got = go_lines_next(&rd.r, errstr, errstr_size)) == 1)
    if (read_line(&rd) != 0)
      goto done;
  if (got < 0)
    goto done;
  if (rd.rows == 0) {
    bs_set_err(errstr, errstr_size, "%s: no pathway rows", path);
    goto done;
  }
  if (rd.rows == counts->other_species) {
    bs_set_err(errstr, errstr_size,
               "%s: no row of species \"%s\" (column 6; the first row's is \"%s\")", path, species,
               rd.first_species);
    goto done;
  }
  rc = add_categories(a, &rd);
done:
  go_lines_close(&rd.r);
  go_map_free(&rd.genes);
  go_map_free(&rd.paths);
  for (size_t i = 0; i < rd.n_paths; i++) {
    free(rd.ids[i]);
    free(rd.names[i]);
  }
  free(rd.ids);
  free(rd.names);
  free(rd.pairs);
  return rc;
}
