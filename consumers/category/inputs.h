/*
 * inputs.h - what the category stage reads besides the matrix: the BMD
 * result's fits (as the gather held them, or rebuilt from its
 * probe_stats.json.gz, every probe, so that the category step runs on the
 * values `bmdstream analyze` holds in memory) and the annotation objects,
 * fetched into temporary files.
 */
#ifndef BS_CATEGORY_INPUTS_H
#define BS_CATEGORY_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "bmd/probes.h"
#include "bs/db.h"
#include "bs/event_data.h"
#include "bs/objstore.h"
#include "bs/settings.h"

/* The fits of BMD result result_id of project project_id over ds: *fits
 * new (free), *n entries, in the BMD stage's order. They are read from
 * the fits object the gather stored (bs/bmd_fits_object.h); when it is
 * missing, of another build or does not hold the result's count of fits,
 * they are rebuilt from the results_s3_key object (probe_stats.json.gz,
 * which must lie under the project's prefix). */
bs_status bs_category_load_fits(bs_db *db, bs_objstore *store, int64_t project_id,
                                int64_t result_id, const bmd_dataset *ds, bmd_probe_fit **fits,
                                size_t *n, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The annotation objects named by keys, each in a new temporary file. */
typedef struct bs_annotation_files {
  char probe_map[64], category_map[64], gmt[64]; /* "" when not fetched */
  bs_analysis_inputs paths;                      /* pointing into the above, NULL when "" */
  /* the GO and Reactome objects (data.annotation.*_key), "" when not fetched */
  char go_obo[64], go_annotations[64], pathway_annotations[64];
} bs_annotation_files;

/* Fetches keys and ontology (borrowed) into files; a missing object is
 * PERMANENT. Call bs_annotation_files_remove afterwards, whatever the
 * result. */
bs_status bs_annotation_files_fetch(bs_objstore *store, const bs_analysis_inputs *keys,
                                    const bs_ontology_keys *ontology, bs_annotation_files *files,
                                    char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The fetched GO and Reactome copies in place of the paths the settings
 * name (s->go.obo, s->go.annotations, s->pathway.annotations); a file
 * not fetched (no key: an upstream event naming a path the consumer's
 * machine holds) leaves the settings' path. */
void bs_annotation_files_use(const bs_annotation_files *files, bs_settings *s);
void bs_annotation_files_remove(bs_annotation_files *files);

#endif
