/*
 * go_annotation.c - GO gene annotations (GAF 2.x or NCBI gene2go) into
 * GO categories of a bmd_annotation (bs/go.h).
 *
 * The format is told from the first line that is not blank: '!' (the
 * "!gaf-version: 2.2" header) is a GAF, '#' (gene2go's "#tax_id GeneID
 * GO_ID ..." header) is gene2go; without a header, 15 to 17 tab-separated
 * columns is a GAF and 8 is gene2go.
 *
 *   GAF (0-based columns): 1 DB object id, 2 symbol, 3 qualifier ('|'-
 *     separated, "NOT" among them negates), 4 GO id, 6 evidence code,
 *     8 aspect P/F/C, 12 taxon ("taxon:9606", a second "|taxon:N" is the
 *     interacting organism).
 *   gene2go: 0 tax_id, 1 GeneID, 2 GO_ID, 3 Evidence, 4 Qualifier
 *     ("NOT enables" negates), 5 GO_term, 6 PubMed, 7 Category.
 *
 * Propagation: gene g is in the category of term T when some kept direct
 * annotation (g, D) has T = D or T an ancestor of D over is_a / part_of,
 * and T's namespace is the aspect asked for (any with universal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/error.h"
#include "bs/go.h"
#include "go_internal.h"

#define MAX_COLUMNS 18

typedef struct go_pair {
  size_t gene, term, seq;
} go_pair;

typedef struct pairs {
  go_pair *v;
  size_t n, cap;
} pairs;

static int pairs_add(pairs *p, size_t gene, size_t term) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 1024;
    go_pair *v = realloc(p->v, cap * sizeof(*v));
    if (!v)
      return -1;
    p->v = v;
    p->cap = cap;
  }
  p->v[p->n] = (go_pair){gene, term, p->n};
  p->n++;
  return 0;
}

static int by_gene(const void *a, const void *b) {
  const go_pair *x = a, *y = b;
  if (x->gene != y->gene)
    return x->gene < y->gene ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_term(const void *a, const void *b) {
  const go_pair *x = a, *y = b;
  if (x->term != y->term)
    return x->term < y->term ? -1 : 1;
  return x->gene < y->gene ? -1 : x->gene > y->gene;
}

/* Splits line at tabs into f[0..n) (in place); n may exceed max, then
 * only max are stored. */
static size_t split(char *line, char **f, size_t max) {
  size_t n = 0;
  for (char *s = line;; n++) {
    char *tab = strchr(s, '\t');
    if (n < max)
      f[n] = s;
    if (!tab)
      return n + 1;
    *tab = '\0';
    s = tab + 1;
  }
}

/* The '|'- or space-separated words of q include "NOT". */
static int negated(const char *q) {
  for (const char *s = q; *s;) {
    size_t n = strcspn(s, "| ");
    if (n == 3 && strncmp(s, "NOT", 3) == 0)
      return 1;
    s += n;
    s += strspn(s, "| ");
  }
  return 0;
}

static int excluded(const bs_go_options *opt, const char *code) {
  for (size_t i = 0; i < opt->n_exclude_evidence; i++)
    if (strcmp(opt->exclude_evidence[i], code) == 0)
      return 1;
  return 0;
}

/* A decimal taxon id (> 0), or -1. */
static long parse_taxon(const char *s, size_t n) {
  long v = 0;
  if (n == 0 || n > 12)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v > 0 ? v : -1;
}

typedef struct reader {
  bs_go_ontology *o;
  const bs_go_options *opt;
  bs_go_counts *counts;
  const go_map *genes; /* platform gene id -> gene index */
  pairs direct;
  go_lines r;
  int format; /* -1 until told */
  char *errstr;
  size_t errstr_size;
} reader;

static int bad(reader *rd, const char *what) {
  bs_set_err(rd->errstr, rd->errstr_size, "%s:%zu: %s", rd->r.path, rd->r.lineno, what);
  return -1;
}

/* The row's checks and counts in bs_go_counts' order, then the pair. */
static int keep(reader *rd, int is_not, const char *evidence, long taxon, const char *go_id,
                size_t gene) {
  bs_go_counts *c = rd->counts;
  if (strncmp(go_id, "GO:", 3) != 0 || !go_id[3])
    return bad(rd, "the GO id column does not hold a GO id (GO:nnnnnnn)");
  if (!*evidence)
    return bad(rd, "empty evidence code");
  if (is_not) {
    c->not_qualified++;
    return 0;
  }
  if (excluded(rd->opt, evidence)) {
    c->excluded_evidence++;
    return 0;
  }
  if (rd->opt->taxon > 0 && taxon != rd->opt->taxon) {
    c->other_taxon++;
    return 0;
  }
  size_t t = bs_go_term_find(rd->o, go_id);
  if (t == (size_t)-1) {
    c->unknown_term++;
    return 0;
  }
  if (bs_go_term_obsolete(rd->o, t)) {
    c->obsolete_term++;
    return 0;
  }
  if (gene == (size_t)-1) {
    c->off_platform++;
    return 0;
  }
  c->used++;
  if (pairs_add(&rd->direct, gene, t) != 0)
    return bad(rd, "out of memory");
  return 0;
}

static int gaf_row(reader *rd, char **f, size_t n) {
  char msg[96];
  if (n < 15 || n > 17) {
    snprintf(msg, sizeof(msg), "expected 15 to 17 tab-separated GAF columns, got %zu", n);
    return bad(rd, msg);
  }
  if (!f[8][0] || f[8][1] || !strchr("PFC", f[8][0]))
    return bad(rd, "aspect (column 9) must be P, F or C");
  if (strncmp(f[12], "taxon:", 6) != 0)
    return bad(rd, "taxon (column 13) must be taxon:<NCBI id>");
  long taxon = parse_taxon(f[12] + 6, strcspn(f[12] + 6, "|"));
  if (taxon < 0)
    return bad(rd, "taxon (column 13) must be taxon:<NCBI id>");
  size_t gene = go_map_get(rd->genes, f[2]);
  if (gene == (size_t)-1)
    gene = go_map_get(rd->genes, f[1]);
  return keep(rd, negated(f[3]), f[6], taxon, f[4], gene);
}

static int gene2go_row(reader *rd, char **f, size_t n) {
  char msg[96];
  if (n != 8) {
    snprintf(msg, sizeof(msg), "expected 8 tab-separated gene2go columns, got %zu", n);
    return bad(rd, msg);
  }
  long taxon = parse_taxon(f[0], strlen(f[0]));
  if (taxon < 0)
    return bad(rd, "tax_id (column 1) must be a positive integer");
  if (!f[1][0])
    return bad(rd, "empty GeneID (column 2)");
  return keep(rd, negated(f[4]), f[3], taxon, f[2], go_map_get(rd->genes, f[1]));
}

static int read_line(reader *rd) {
  char *line = rd->r.buf, *f[MAX_COLUMNS];
  rd->counts->lines++;
  if (!line[strspn(line, " \t")]) {
    rd->counts->comments++;
    return 0;
  }
  if (rd->format < 0) {
    if (line[0] == '!')
      rd->format = BS_GO_FORMAT_GAF;
    else if (line[0] == '#')
      rd->format = BS_GO_FORMAT_GENE2GO;
    else {
      char *copy = strdup(line);
      size_t n = copy ? split(copy, f, MAX_COLUMNS) : 0;
      free(copy);
      if (n >= 15 && n <= 17)
        rd->format = BS_GO_FORMAT_GAF;
      else if (n == 8)
        rd->format = BS_GO_FORMAT_GENE2GO;
      else
        return bad(rd, "neither a GAF (a !gaf-version header, or 15 to 17 columns) nor an NCBI "
                       "gene2go file (a #tax_id header, or 8 columns)");
    }
    rd->counts->format = (bs_go_format)rd->format;
  }
  if (line[0] == (rd->format == BS_GO_FORMAT_GAF ? '!' : '#')) {
    rd->counts->comments++;
    return 0;
  }
  size_t n = split(line, f, MAX_COLUMNS);
  return rd->format == BS_GO_FORMAT_GAF ? gaf_row(rd, f, n) : gene2go_row(rd, f, n);
}

/* The categories: every (term, gene) of the propagation, added in term
 * then gene order. */
static int add_categories(bmd_annotation *a, bs_go_ontology *o, const bs_go_options *opt,
                          pairs *direct, char *errstr, size_t errstr_size) {
  size_t n_terms = bs_go_ontology_n_terms(o);
  size_t *start = malloc((direct->n ? direct->n : 1) * sizeof(size_t));
  size_t *anc = malloc(n_terms * sizeof(size_t));
  pairs all = {0};
  int rc = -1;
  if (!start || !anc)
    goto oom;
  qsort(direct->v, direct->n, sizeof(go_pair), by_gene);
  for (size_t i = 0, j; i < direct->n; i = j) {
    size_t m = 0;
    for (j = i; j < direct->n && direct->v[j].gene == direct->v[i].gene; j++)
      start[m++] = direct->v[j].term;
    size_t k = bs_go_term_ancestors(o, start, m, anc);
    for (size_t q = 0; q < k; q++)
      if ((opt->aspect == BS_GO_UNIVERSAL || bs_go_term_aspect(o, anc[q]) == opt->aspect) &&
          pairs_add(&all, direct->v[i].gene, anc[q]) != 0)
        goto oom;
  }
  qsort(all.v, all.n, sizeof(go_pair), by_term);
  for (size_t i = 0; i < all.n; i++) {
    size_t t = all.v[i].term;
    if (bmd_annotation_add_category_gene(a, bs_go_term_id(o, t), bs_go_term_name(o, t),
                                         bmd_annotation_gene_id(a, all.v[i].gene)) != 0)
      goto oom;
  }
  rc = 0;
  goto done;
oom:
  bs_set_err(errstr, errstr_size, "GO categories: out of memory");
done:
  free(start);
  free(anc);
  free(all.v);
  return rc;
}

int bs_go_annotation_add(bmd_annotation *a, bs_go_ontology *o, const char *path,
                         const bs_go_options *opt, bs_go_counts *counts, char *errstr,
                         size_t errstr_size) {
  go_map genes = {0};
  reader rd = {o, opt, counts, &genes, {0}, {0}, -1, errstr, errstr_size};
  memset(counts, 0, sizeof(*counts));
  int rc = -1;
  size_t n_genes = bmd_annotation_n_genes(a);
  for (size_t g = 0; g < n_genes; g++)
    if (go_map_put(&genes, bmd_annotation_gene_id(a, g), g, NULL) != 0) {
      bs_set_err(errstr, errstr_size, "%s: out of memory", path);
      goto done;
    }
  if (go_lines_open(&rd.r, path, errstr, errstr_size) != 0)
    goto done;
  int got;
  while ((got = go_lines_next(&rd.r, errstr, errstr_size)) == 1)
    if (read_line(&rd) != 0)
      goto done;
  if (got < 0)
    goto done;
  if (rd.format < 0) {
    bs_set_err(errstr, errstr_size, "%s: no annotation rows", path);
    goto done;
  }
  rc = add_categories(a, o, opt, &rd.direct, errstr, errstr_size);
done:
  go_lines_close(&rd.r);
  go_map_free(&genes);
  free(rd.direct.v);
  return rc;
}
