/*
 * acls.h - the Kafka permissions of the pipeline's principals for one
 * deployment (topic prefix), as `bmdstream acl apply` creates them.
 *
 *   bmdstream-import      write experiment-imported
 *   bmdstream-<stage>     read its input topic and its group
 *                         <prefix>bmdstream-<stage>; write its output,
 *                         job-events and dead-letter
 *   bmdstream-tracker     read job-events and every stage's output, its
 *                         group; write dead-letter
 *   bmdstream-operator    create and describe (and
 *                         the configs of) every topic; read dead-letter;
 *                         describe the four consumer groups (`bmdstream
 *                         topics`, `lag`, the runbook's dead-letter look)
 *
 * bmdstream-admin, the only super user, makes these and runs `bmdstream
 * replay`; nobody else is allowed anything (the broker's
 * allow.everyone.if.no.acl.found is false).
 */
#ifndef BS_ACLS_H
#define BS_ACLS_H

#include <stddef.h>

#include "bs/bus.h"

/* The most bindings bs_pipeline_acls makes. */
#define BS_PIPELINE_ACLS_MAX 96

/* Fills acls[] with the bindings for topic prefix (NULL or "": none);
 * returns how many, or 0 when a name does not fit (prefix too long). */
size_t bs_pipeline_acls(const char *prefix, bs_bus_acl acls[BS_PIPELINE_ACLS_MAX]);

#endif
