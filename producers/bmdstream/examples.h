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

/* The key the example experiment-imported is signed with: RFC 8032 §7.1
 * TEST 1's secret key (published, so no user may register its public key
 * for real use) as PKCS#8 PEM; key id 21fe31dfa154a261626bf854046fd227. */
#define BS_EXAMPLE_SIGNING_KEY                                                                     \
  "-----BEGIN PRIVATE KEY-----\n"                                                                  \
  "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"                             \
  "-----END PRIVATE KEY-----\n"

#endif
