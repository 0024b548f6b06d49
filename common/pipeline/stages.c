/*
 * stages.c - the table of the pipeline's stages (see bs/stages.h).
 *
 * A job's progress is split by the stages' expected share of the work:
 * the prefilter 0-0.15, the BMD fits 0.15-0.85, the category analysis
 * 0.85-1. Each stage starts where the one before it ended.
 */
#include "bs/stages.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* name, input, output, progress from, to, status once done,
 * message when started, when done (with the count of done_count), the
 * job's result's id in the output, the id of the result it exported, the
 * topic of its work items. */
const bs_stage_info bs_stage_infos[] = {
    {"import", -1, BS_TOPIC_EXPERIMENT_IMPORTED, 0.0, 0.0, "QUEUED", "queued",
     "imported %lld probes; waiting for the prefilter", "num_probes", NULL, NULL, -1},
    {"prefilter", BS_TOPIC_EXPERIMENT_IMPORTED, BS_TOPIC_PREFILTER_DONE, 0.0, 0.15, "RUNNING",
     "prefilter started", "prefilter done: %lld probes passed", "num_passed", NULL,
     "prefilter_result_id", -1},
    {"bmd", BS_TOPIC_PREFILTER_DONE, BS_TOPIC_BMD_DONE, 0.15, 0.85, "RUNNING",
     "BMD analysis started", "BMD analysis done: %lld probes fitted", "num_results",
     "bmd_result_id", "bmd_result_id", BS_TOPIC_BMD_CHUNKS},
    {"category", BS_TOPIC_BMD_DONE, BS_TOPIC_CATEGORY_DONE, 0.85, 1.0, "COMPLETED",
     "category analysis started", "completed: %lld categories", "num_categories", "bmd_result_id",
     "category_result_id", -1},
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

int bs_stage_export_prefix(const bs_stage_info *info, int64_t project_id, int64_t result_id,
                           char *buf, size_t size) {
  int n = snprintf(buf, size, "projects/%" PRId64 "/exports/%s/%" PRId64, project_id, info->name,
                   result_id);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

void bs_stage_info_done_message(const bs_stage_info *info, const json_t *data, char *buf,
                                size_t size) {
  long long count = (long long)json_integer_value(json_object_get(data, info->done_count));
  snprintf(buf, size, info->done, count);
}
