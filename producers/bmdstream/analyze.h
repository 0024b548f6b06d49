/*
 * analyze.h - `bmdstream analyze`'s parts: the command line
 * (cmd_analyze.c) and a BMDExpress 3 analyze config as settings
 * (analyze_config.c). The analysis itself is the steps the pipeline runs
 * (bs/steps.h), with the settings of the one settings module
 * (bs/settings.h).
 */
#ifndef BS_ANALYZE_H
#define BS_ANALYZE_H

#include <jansson.h>
#include <stddef.h>

#include "bs/settings_bmdx.h"

/* --config FILE.json: the first analysis of the config (its first
 * expression set, prefilter, BMDS and category sections) set into sparse
 * and its files into *a; what the file holds that this run leaves out is
 * named on stderr. -1 with errstr on a bad or unsupported file. */
int bs_analyze_config_apply(const char *path, json_t *sparse, bs_bmdx_analysis *a, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));

#endif
