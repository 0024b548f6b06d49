/*
 * bs/topics.h - the pipeline's Kafka topics (DESIGN.md §2) and their names.
 *
 * Stage topics are named exactly; an optional prefix (config key
 * topic_prefix, e.g. "lab1.") is put in front of every one of them.
 */
#ifndef BS_TOPICS_H
#define BS_TOPICS_H

#include <stddef.h>

typedef enum {
  BS_TOPIC_EXPERIMENT_IMPORTED = 0,
  BS_TOPIC_PREFILTER_DONE,
  BS_TOPIC_BMD_DONE,
  BS_TOPIC_CATEGORY_DONE,
  BS_TOPIC_JOB_EVENTS,
  BS_TOPIC_DEAD_LETTER,
  BS_TOPIC_BMD_CHUNKS, /* the BMD stage's work items: chunks of one experiment's probes */
  BS_TOPIC_COUNT
} bs_topic;

/* The least number of partitions of a work topic (BS_TOPIC_BMD_CHUNKS):
 * as many workers as partitions share it, and 12 splits evenly over 1, 2,
 * 3, 4, 6 or 12 of them. */
#define BS_WORK_TOPIC_PARTITIONS 12

/* The unprefixed name, e.g. "bmd-done"; NULL for an out-of-range value. */
const char *bs_topic_name(bs_topic topic);

/* The topic of an unprefixed name; -1 when unknown. */
int bs_topic_from_name(const char *name);

/* Writes prefix + name into buf; -1 when it does not fit (or bad topic). */
int bs_topic_full_name(const char *prefix, bs_topic topic, char *buf, size_t size);

#endif
