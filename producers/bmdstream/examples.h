/*
 * examples.h - example event data per topic (examples.c).
 */
#ifndef BS_EXAMPLES_H
#define BS_EXAMPLES_H

#include <jansson.h>

#include "bs/topics.h"

/* A new reference to a representative `data` object; NULL for the
 * dead-letter topic (it carries the original bytes) or out of memory. */
json_t *bs_example_data(bs_topic topic);

#endif
