/*
 * bs/go.h - Gene Ontology categories from the standard GO files
 * (docs/categories.md, "GO categories"):
 *   - the ontology: an OBO 1.2 file (go-basic.obo style): [Term] stanzas
 *     with id, name, namespace, alt_id, is_a, relationship, is_obsolete;
 *   - gene annotations: a GAF 2.x file, or NCBI's gene2go; the format is
 *     told from the content, gzip is accepted.
 * Annotations are propagated up is_a and part_of (only those relations;
 * other relationships, intersection_of and Typedef stanzas are ignored),
 * alt_ids are mapped to their term, obsolete terms are ignored, NOT-
 * qualified annotations are excluded; each term of the chosen aspect with
 * a gene on the platform becomes one category (id = GO accession, name =
 * term name) of a bmd_annotation (bmd/category.h).
 *
 * Malformed lines are refused with "file:line: reason". Cycles in the
 * graph do not hang: every walk marks the terms it has seen.
 */
#ifndef BS_GO_H
#define BS_GO_H

#include <stddef.h>

#include "bmd/category.h"

typedef enum bs_go_aspect {
  BS_GO_BIOLOGICAL_PROCESS = 0,
  BS_GO_MOLECULAR_FUNCTION,
  BS_GO_CELLULAR_COMPONENT,
  BS_GO_UNIVERSAL /* all three */
} bs_go_aspect;

/* "biological_process", ... "universal"; parse gives -1 when unknown. */
const char *bs_go_aspect_name(bs_go_aspect aspect);
int bs_go_aspect_parse(const char *name);

/* ---- the ontology -------------------------------------------------- */

typedef struct bs_go_ontology bs_go_ontology;

/* Reads an OBO file (plain or gzip). NULL with errstr ("file:line:
 * reason") on a malformed line, a [Term] without id, a live term without
 * a known namespace, a duplicate id, or an is_a / part_of naming no term. */
bs_go_ontology *bs_go_ontology_read(const char *path, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void bs_go_ontology_destroy(bs_go_ontology *o);

/* Terms in file order, obsolete ones included; index < count. */
size_t bs_go_ontology_n_terms(const bs_go_ontology *o);
/* The term of an id or alt_id; (size_t)-1 when unknown. */
size_t bs_go_term_find(const bs_go_ontology *o, const char *id);
const char *bs_go_term_id(const bs_go_ontology *o, size_t t);   /* borrowed */
const char *bs_go_term_name(const bs_go_ontology *o, size_t t); /* borrowed */
int bs_go_term_obsolete(const bs_go_ontology *o, size_t t);
bs_go_aspect bs_go_term_aspect(const bs_go_ontology *o, size_t t);
/* The GO level: 1 for a root (a live term without is_a / part_of parent),
 * else 1 + the least level of its parents (the shortest path to a root);
 * 0 when no root is reachable (a cycle) or the term is obsolete. */
unsigned bs_go_term_level(const bs_go_ontology *o, size_t t);

/* The terms[0..n) and all their ancestors over is_a and part_of, each
 * once, into out (room for bs_go_ontology_n_terms), in breadth-first
 * order; returns their number. Not thread-safe (uses the ontology's
 * marks, which is also what stops a walk around a cycle). */
size_t bs_go_term_ancestors(bs_go_ontology *o, const size_t *terms, size_t n, size_t *out);

/* ---- annotations --------------------------------------------------- */

typedef struct bs_go_options {
  bs_go_aspect aspect;
  const char *const *exclude_evidence; /* evidence codes to drop (IEA, ND, ...) */
  size_t n_exclude_evidence;
  long taxon; /* NCBI taxon id the annotation must have; 0: any */
} bs_go_options;

typedef enum bs_go_format { BS_GO_FORMAT_GAF = 0, BS_GO_FORMAT_GENE2GO } bs_go_format;

/* What happened to the annotation file's lines. Each line is counted once,
 * in the first of these that applies (in this order). */
typedef struct bs_go_counts {
  bs_go_format format;
  size_t lines;             /* all lines read */
  size_t comments;          /* blank, '!' (GAF) and '#' (gene2go) lines */
  size_t not_qualified;     /* a NOT qualifier: the gene is not annotated */
  size_t excluded_evidence; /* evidence code in the exclude list */
  size_t other_taxon;       /* another taxon than options.taxon */
  size_t unknown_term;      /* GO id neither an id nor an alt_id of the ontology */
  size_t obsolete_term;     /* annotated to an obsolete term */
  size_t off_platform;      /* gene not among the annotation's (probe map's) genes */
  size_t used;              /* direct annotations kept */
} bs_go_counts;

/* Adds the GO categories of the annotation file to a, whose genes (from a
 * probe map read before) are the platform: a GAF row names a platform
 * gene by its symbol (column 3) or, failing that, its DB object id
 * (column 2, e.g. an Entrez id under DB NCBIGene); a gene2go row by its
 * GeneID. Categories are added in ontology order, genes in platform order.
 * o's marks are used (see bs_go_term_ancestors). Returns 0, or -1 with
 * errstr ("file:line: reason"). */
int bs_go_annotation_add(bmd_annotation *a, bs_go_ontology *o, const char *path,
                         const bs_go_options *opt, bs_go_counts *counts, char *errstr,
                         size_t errstr_size) __attribute__((warn_unused_result));

#endif
