/*
 * bs/replay.h - replaying the pipeline (DESIGN §3): move a consumer
 * group's committed offsets (to the earliest offset, an offset, or the
 * first offset at a time), and re-publish a time window of a topic. Both
 * have a dry run that computes and reports without changing anything.
 */
#ifndef BS_REPLAY_H
#define BS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "bs/bus.h"

typedef enum { BS_RESET_EARLIEST, BS_RESET_OFFSET, BS_RESET_TIME } bs_reset_kind;

typedef struct bs_reset_target {
  bs_reset_kind kind;
  int64_t offset;  /* BS_RESET_OFFSET: clamped to [low, high] watermarks */
  int64_t time_ms; /* BS_RESET_TIME: first offset with timestamp >= time */
} bs_reset_target;

typedef struct bs_reset_row {
  int32_t partition;
  int64_t current; /* committed before, -1 if none */
  int64_t target;  /* new committed offset */
} bs_reset_row;

/* Resets `group` on every partition of `topic`. Refused (PERMANENT) while
 * the group has active members, unless force is set (the broker may still
 * refuse a group that is not empty). rows[0..*nrows) report each
 * partition (caller frees *rows). dry_run: compute, change nothing. */
bs_status bs_replay_reset_group(const bs_bus_options *opt, const char *group, const char *topic,
                                const bs_reset_target *target, int force, int dry_run,
                                bs_reset_row **rows, size_t *nrows, char *errstr,
                                size_t errstr_size) __attribute__((warn_unused_result));

/* Re-publishes every message of `topic` with from_ms <= timestamp < to_ms
 * to `to_topic` (the same topic when NULL), keeping key, value and headers
 * and adding replay.topic / replay.partition / replay.offset headers.
 * *count receives the number of messages (found, when dry_run). */
bs_status bs_replay_window(const bs_bus_options *opt, const char *topic, int64_t from_ms,
                           int64_t to_ms, const char *to_topic, int dry_run, size_t *count,
                           char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

#endif
