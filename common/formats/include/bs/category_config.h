/*
 * bs/category_config.h - one entry of a BMDExpress 3 `analyze` config's
 * `categoryAnalysisConfigs` (CategoryConfig.java: @type defined | gene |
 * go | pathway) as bmd_category_options. What we run: "defined" (probe
 * and category files), "gene", "go" (from GO files we are given, not
 * BMDExpress's downloads) and "pathway" REACTOME (from Reactome's file we
 * are given); the filters removePromiscuousProbes,
 * removeBMDGreaterHighDose, bmdPValueCutoff, bmdRSquaredCutoff,
 * bmdBMDLRatioMin, bmduBMDRatioMin, bmduBMDLRatioMin (maxima, despite the
 * names), nFoldBelowLowestDose, maxFoldChange, removeAdverseDirection
 * (1 UP, -1 DOWN, 0 or null neither), minGenesInSet, maxGenesInSet,
 * identifyConflictingProbeSets with correlationCutoffForConflictingProbeSets
 * (null: 0, BMDExpress's unset value) and deduplicateGeneSets. Anything
 * else that would change the result (BioPlanet pathways, prefilter
 * p-value, curve-fit, Z-score, model fold change and step-function
 * filters, IVIVE) is refused by name. warnings stays for settings that
 * only add output we do not write (none at present).
 */
#ifndef BS_CATEGORY_CONFIG_H
#define BS_CATEGORY_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "bmd/category.h"

typedef enum bs_category_kind {
  BS_CATEGORY_DEFINED = 0,
  BS_CATEGORY_GENE,
  BS_CATEGORY_CONFIG_GO,     /* "go" with our extension keys (docs/categories.md, GO categories) */
  BS_CATEGORY_CONFIG_PATHWAY /* "pathway", signalingPathway REACTOME (Pathway categories) */
} bs_category_kind;

typedef struct bs_category_config {
  bs_category_kind kind;
  const char *probe_file;               /* "probeFilePath" (defined), borrowed from the JSON */
  const char *category_file;            /* "categoryFilePath" (defined), borrowed */
  const char *input_name, *output_name; /* borrowed, may be NULL */
  /* go: "goCategory" (biological_process, molecular_function,
   * cellular_component or universal; absent: biological_process) and our
   * extension keys "goOboFile", "goAnnotationFile" (borrowed, may be NULL:
   * then the settings category.go.obo / .annotations must name them);
   * "probeFilePath" is read for go too */
  const char *go_category, *go_obo_file, *go_annotation_file;
  /* pathway (signalingPathway REACTOME; BioPlanet is refused as not
   * supported): our extension keys "pathwayAnnotationFile" (Reactome's
   * NCBI2Reactome.txt) and "pathwaySpecies" (borrowed, may be NULL: then
   * the settings category.pathway.* must say); "probeFilePath" is read too */
  const char *pathway_annotation_file, *pathway_species;
  bmd_category_options options;
  char warnings[1024]; /* "; "-separated, empty when none */
} bs_category_config;

/* Parses section (an object); where names it in messages, e.g.
 * "categoryAnalysisConfigs[0]". Returns 0, or -1 with errstr naming the
 * key and why. */
int bs_category_config_parse(const json_t *section, const char *where, bs_category_config *out,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

#endif
