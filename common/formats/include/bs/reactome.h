/*
 * bs/reactome.h - Reactome pathway categories from Reactome's public
 * gene -> pathway file (docs/categories.md, "Pathway categories"):
 * NCBI2Reactome.txt or NCBI2Reactome_All_Levels.txt, six tab-separated
 * columns without header:
 *   0 Entrez gene id, 1 pathway stable id (R-HSA-109581), 2 URL,
 *   3 pathway name, 4 evidence code (TAS, IEA), 5 species (Homo sapiens).
 * Plain or gzip. Each pathway with a platform gene becomes one category
 * (id = stable id, name = pathway name) of a bmd_annotation, the way
 * BMDExpress 3's REACTOME analysis makes them (GenesPathways.fileGenes2Maps
 * in auerbachs/BMDExpress-3 util/categoryanalysis/catmap: a gene of the
 * chip's probe map -> its pathway ids, "R-<organism>-" stable ids, titles
 * from the pathway list).
 *
 * Malformed lines are refused with "file:line: reason".
 */
#ifndef BS_REACTOME_H
#define BS_REACTOME_H

#include <stddef.h>

#include "bmd/category.h"

/* What happened to the file's lines; each line is counted once, in the
 * first of these that applies (in this order). */
typedef struct bs_reactome_counts {
  size_t lines;         /* all lines read */
  size_t comments;      /* blank and '#' lines */
  size_t other_species; /* column 6 is not the species asked for */
  size_t off_platform;  /* gene not among the annotation's (probe map's) genes */
  size_t repeated;      /* a (gene, pathway) pair seen before (another evidence code) */
  size_t used;          /* (gene, pathway) pairs kept */
} bs_reactome_counts;

/* Adds the Reactome pathways of the file to a, whose genes (from a probe
 * map of Entrez ids read before) are the platform; species: keep only
 * rows whose column 6 equals it (NULL or "": any). Categories are added
 * in the order the file first names them, each one's genes in platform
 * order. Refused (-1 with errstr): a line without exactly 6 columns, an
 * empty gene, name or species, a pathway id not starting "R-", a file
 * without rows, or rows none of which is of the species asked for. */
int bs_reactome_add(bmd_annotation *a, const char *path, const char *species,
                    bs_reactome_counts *counts, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
