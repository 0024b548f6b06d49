/*
 * stages.c - the table of the pipeline's stages (see bs/stages.h).
 *
 * A job's progress is split by the stages' expected share of the work:
 * the prefilter 0-0.15, the BMD fits 0.15-0.85, the category analysis
 * 0.85-1. Each stage starts where the one before it ended.
 */
#include "bs/stages.h"

#include <stdio.h>
#include <string.h>

const bs_stage_info bs_stage_infos[] = {
    {.name = "import",
     .input = -1,
     .output = BS_TOPIC_EXPERIMENT_IMPORTED,
     .progress_from = 0.0,
     .progress_to = 0.0,
     .status = "QUEUED",
     .started = "queued",
     .done = "imported %lld probes; waiting for the prefilter",
     .done_count = "num_probes",
     .result_key = NULL},
    {.name = "prefilter",
     .input = BS_TOPIC_EXPERIMENT_IMPORTED,
     .output = BS_TOPIC_PREFILTER_DONE,
     .progress_from = 0.0,
     .progress_to = 0.15,
     .status = "RUNNING",
     .started = "prefilter started",
     .done = "prefilter done: %lld probes passed",
     .done_count = "num_passed",
     .result_key = NULL},
    {.name = "bmd",
     .input = BS_TOPIC_PREFILTER_DONE,
     .output = BS_TOPIC_BMD_DONE,
     .progress_from = 0.15,
     .progress_to = 0.85,
     .status = "RUNNING",
     .started = "BMD analysis started",
     .done = "BMD analysis done: %lld probes fitted",
     .done_count = "num_results",
     .result_key = "bmd_result_id"},
    {.name = "category",
     .input = BS_TOPIC_BMD_DONE,
     .output = BS_TOPIC_CATEGORY_DONE,
     .progress_from = 0.85,
     .progress_to = 1.0,
     .status = "COMPLETED",
     .started = "category analysis started",
     .done = "completed: %lld categories",
     .done_count = "num_categories",
     .result_key = "bmd_result_id"},
};
const size_t bs_stage_infos_count = sizeof(bs_stage_infos) / sizeof(bs_stage_infos[0]);

const bs_stage_info *bs_stage_info_find(const char *name) {
  for (size_t i = 0; name && i < bs_stage_infos_count; i++)
    if (strcmp(bs_stage_infos[i].name, name) == 0)
      return &bs_stage_infos[i];
  return NULL;
}

const bs_stage_info *bs_stage_info_of_output(bs_topic topic) {
  for (size_t i = 0; i < bs_stage_infos_count; i++)
    if (bs_stage_infos[i].output == topic)
      return &bs_stage_infos[i];
  return NULL;
}

void bs_stage_info_done_message(const bs_stage_info *info, const json_t *data, char *buf,
                                size_t size) {
  long long count = (long long)json_integer_value(json_object_get(data, info->done_count));
  snprintf(buf, size, info->done, count);
}
