/*
 * bs/stages.h - the pipeline's stages, one row each: the event that starts
 * a stage and the one it publishes, its share of a job's progress, and
 * what the job's status and message say when it starts and when it is
 * done. The stage runtime (bs/stage.h) and the job tracker both read this
 * table, so the two cannot tell a job's story differently.
 *
 * The importer is the first row: it publishes experiment-imported, after
 * which the job is QUEUED for the prefilter.
 */
#ifndef BS_STAGES_H
#define BS_STAGES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/topics.h"

typedef struct bs_stage_info {
  const char *name;       /* program bmdstream-<name>; "stage" in job events */
  int input;              /* the bs_topic that starts it; -1 for none */
  bs_topic output;        /* the event it publishes when done */
  double progress_from;   /* the job's progress when it starts ... */
  double progress_to;     /* ... and once its output is out */
  const char *status;     /* the job's status once its output is out */
  const char *started;    /* the job's message when it starts */
  const char *done;       /* ... once its output is out: a format of one %lld, */
  const char *done_count; /* the output data's count it shows */
  const char *result_key; /* the output data's id of the job's result; NULL: none */
  const char *export_key; /* the output data's id of the result whose exports the
                             stage wrote (bs_stage_export_prefix); NULL: none */
  int work;               /* a bs_topic of work items the stage publishes to
                             itself: its instances share them as one group
                             (docs/architecture.md, "one experiment over many
                             BMD workers"); -1 for none */
} bs_stage_info;

/* The rows, in pipeline order. */
extern const bs_stage_info bs_stage_infos[];
extern const size_t bs_stage_infos_count;

/* The row of a stage name, or of the stage that publishes topic; NULL when
 * there is none. */
const bs_stage_info *bs_stage_info_find(const char *name);
const bs_stage_info *bs_stage_info_of_output(bs_topic topic);

/* Where a stage writes the exports of its result result_id:
 * "projects/<project_id>/exports/<stage name>/<result_id>" (the step adds
 * "/<file>"). The stages write there and the tracker records it for the
 * job (bs/jobs.h), so the two cannot disagree. 128 bytes always suffice
 * (two 64-bit ids and a stage name); -1 when buf is too small. */
int bs_stage_export_prefix(const bs_stage_info *info, int64_t project_id, int64_t result_id,
                           char *buf, size_t size);

/* The row's done message for the data of its output event (borrowed; a
 * missing count reads 0), written into buf. */
void bs_stage_info_done_message(const bs_stage_info *info, const json_t *data, char *buf,
                                size_t size);

#endif
