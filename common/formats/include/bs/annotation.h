/*
 * bs/annotation.h - reading category annotation files into a
 * bmd_annotation (bmd/category.h):
 *   - a BMDExpress probe map: header row, then `probe<TAB>gene` (columns
 *     0 and 1, as the BMDExpress CLI reads them; example header
 *     `Array Probe<TAB>Category Component`);
 *   - a BMDExpress category map: header row, then `id<TAB>name<TAB>gene`
 *     (example header `Category ID<TAB>Category Name<TAB>Category Component`);
 *   - a GMT gene-set file: `name<TAB>description<TAB>gene<TAB>gene...`, no
 *     header (MSigDB, Reactome and GO exports);
 * plus gene-level mode (bmd_annotation_gene_level: each gene its own set).
 *
 * Files may be gzip-compressed (read through zlib, plain files too); CRLF
 * line ends are accepted; extra columns are ignored; a gene field holding
 * several ids separated by ';' maps the probe to each of them (it is then
 * promiscuous). Malformed files are refused with "file:line: reason".
 */
#ifndef BS_ANNOTATION_H
#define BS_ANNOTATION_H

#include <stddef.h>

#include "bmd/category.h"

/* Each adds the file's rows to a (borrowed). Returns 0, or -1 with errstr
 * filled; a may then hold the rows read before the error. */
int bs_annotation_read_probe_map(bmd_annotation *a, const char *path, char *errstr,
                                 size_t errstr_size) __attribute__((warn_unused_result));
int bs_annotation_read_category_map(bmd_annotation *a, const char *path, char *errstr,
                                    size_t errstr_size) __attribute__((warn_unused_result));
int bs_annotation_read_gmt(bmd_annotation *a, const char *path, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* A new annotation from a probe map and one of: a category map, a GMT
 * file, or gene_level = 1. NULL with errstr filled on error. */
bmd_annotation *bs_annotation_load(const char *probe_map, const char *category_map, const char *gmt,
                                   int gene_level, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
