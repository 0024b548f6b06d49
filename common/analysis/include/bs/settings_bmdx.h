/*
 * bs/settings_bmdx.h - a BMDExpress 3 analyze config (bs/bmdx_config.h)
 * as settings (bs/settings.h): one analysis of the config, that is one
 * expression set with one prefilter, one BMDS and one category section,
 * becomes a sparse settings object and the input files it names, so that
 * `analyze --config` and the flags meet in the same settings JSON.
 */
#ifndef BS_SETTINGS_BMDX_H
#define BS_SETTINGS_BMDX_H

#include <jansson.h>
#include <stddef.h>

#include "bs/bmdx_config.h"

#define BS_BMDX_NONE ((size_t)-1)

/* The files one analysis reads (new strings, resolved against basePath;
 * NULL when absent), BMDExpress's numberOfThreads (0: not given) and what
 * it asks for that we run differently ("; "-separated, empty when none). */
typedef struct bs_bmdx_analysis {
  char *matrix, *probe_map, *category_map;
  unsigned threads;
  char notes[1024];
} bs_bmdx_analysis;

/* Sets into sparse (borrowed, an object) the settings of the analysis made
 * of expressionDataConfigs[expression], preFilterConfigs[prefilter],
 * bmdsConfigs[bmds] and categoryAnalysisConfigs[category] (each index may
 * be BS_BMDX_NONE: no prefilter, no BMD step, no categories), and fills
 * *a. -1 with errstr naming the file and key of what cannot be run. */
int bs_settings_from_bmdx(const bs_bmdx_config *cfg, size_t expression, size_t prefilter,
                          size_t bmds, size_t category, json_t *sparse, bs_bmdx_analysis *a,
                          char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

void bs_bmdx_analysis_free(bs_bmdx_analysis *a);

/* One run of a config's plan (bs/bmdx_plan.h) as normalized settings:
 * bs_settings_from_bmdx for its sections, its expression file into
 * a->matrix, then flags (a sparse object from bs_settings_take_flags, may
 * be NULL) over them, then bs_settings_resolve with the run's files
 * (bs_bmdx_run_files of `files` and the config's). New reference in *settings; -1
 * with errstr. */
struct bs_bmdx_run;
struct bs_analysis_inputs;
int bs_settings_from_bmdx_run(const bs_bmdx_config *cfg, const struct bs_bmdx_run *r,
                              const json_t *flags, const struct bs_analysis_inputs *files,
                              json_t **settings, bs_bmdx_analysis *a, char *errstr,
                              size_t errstr_size) __attribute__((warn_unused_result));

/* The settings of the prefilter whose result run r's prefilter takes
 * (r->input_prefilter: its own section's, flags over them, as
 * bs_settings_from_bmdx_run makes them) into *input (new reference);
 * *input NULL when r takes a data set. -1 with errstr. */
int bs_settings_from_bmdx_input(const bs_bmdx_config *cfg, const struct bs_bmdx_run *r,
                                const json_t *flags, const struct bs_analysis_inputs *files,
                                json_t **input, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The annotation files of run r: files given beside the config (flags,
 * may be NULL) over the run's own (a, from its section); none for a run
 * that ends before the category step. A category map or GMT given
 * replaces the run's category files; a probe map given replaces the run's
 * probe map, and is the one probe map of GO and pathway sections that name
 * none (BMDExpress maps their probes by the chip's annotation, which we do
 * not download: docs/categories.md). */
void bs_bmdx_run_files(const struct bs_bmdx_run *r, const bs_bmdx_analysis *a,
                       const struct bs_analysis_inputs *given, struct bs_analysis_inputs *out);

#endif
