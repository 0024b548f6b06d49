/*
 * topics.c - names of the pipeline's topics, with the optional prefix.
 */
#include "bs/topics.h"

#include <stdio.h>
#include <string.h>

static const char *const topic_names[BS_TOPIC_COUNT] = {
    "experiment-imported", "prefilter-done", "bmd-done",   "category-done",
    "job-events",          "dead-letter",    "bmd-chunks",
};

const char *bs_topic_name(bs_topic topic) {
  if ((int)topic < 0 || topic >= BS_TOPIC_COUNT)
    return NULL;
  return topic_names[topic];
}

int bs_topic_from_name(const char *name) {
  for (int i = 0; name && i < BS_TOPIC_COUNT; i++)
    if (strcmp(name, topic_names[i]) == 0)
      return i;
  return -1;
}

int bs_topic_full_name(const char *prefix, bs_topic topic, char *buf, size_t size) {
  const char *name = bs_topic_name(topic);
  if (!name)
    return -1;
  int n = snprintf(buf, size, "%s%s", prefix ? prefix : "", name);
  return (n < 0 || (size_t)n >= size) ? -1 : 0;
}
