/*
 * bs/bus.h - the Kafka bus over librdkafka (2.0.2 on Debian 12): an
 * idempotent producer with a synchronous "produce and wait for delivery",
 * an at-least-once group consumer, topic creation through the Admin API and
 * the dead-letter helper (DESIGN.md §2-3, STYLE.md #11).
 *
 * Delivery contract (at-least-once, exactly-once effect):
 *   - the consumer runs with enable.auto.commit=true and
 *     enable.auto.offset.store=false: librdkafka's background committer
 *     (and every revoke and close) commits only offsets the program has
 *     *stored*, and it stores one (bs_consumer_store) only after the
 *     message's outputs are durable and its next event was delivered
 *     (bs_producer_send returns after the delivery report). A crash before
 *     the store re-delivers the message; idempotent writes make that
 *     harmless. bs_consumer_commit forces a synchronous commit.
 *   - the producer has enable.idempotence=true (acks=all, no duplicates or
 *     reordering on retries) and partitioner=murmur2_random, the Java
 *     client's, so keys (the experiment id) land on the same partition
 *     whichever client produced them.
 *   - one rebalance callback serves both protocols: for COOPERATIVE
 *     (cooperative-sticky, the default here) incremental assign/unassign,
 *     for EAGER assign/assign(NULL). Stored offsets are committed
 *     synchronously on revoke unless the assignment was lost.
 *
 * librdkafka 2.0.2 bugs designed around (notes/infra.md §2.9):
 *   - a cooperative consumer closed before its first assignment may crash:
 *     bs_consumer_destroy waits (bounded) for the first rebalance, and when
 *     it never came destroys without the close handshake;
 *   - closing while an incremental assignment arrives may hang:
 *     bs_consumer_destroy unsubscribes and polls until the assignment is
 *     empty before closing;
 *   - only rd_kafka_consumer_poll is used (batch APIs unsafe with
 *     rebalance); seek is not used.
 *
 * Errors: every call returns a bs_status; BS_ERR_RETRIABLE covers broker
 * trouble and time-outs (retry later, keep the offset), BS_ERR_PERMANENT a
 * message or setting that will never succeed. A *fatal* client error
 * (idempotence sequence lost, fenced, authentication) leaves the handle
 * unusable: bs_producer_fatal / bs_consumer_fatal then return non-zero and
 * the program must destroy the handle and exit or recreate it.
 *
 * librdkafka's log lines go through bs_log (facility, broker name kept).
 */
#ifndef BS_BUS_H
#define BS_BUS_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/config.h"
#include "bs/error.h"
#include "bs/topics.h"

/* A librdkafka property passed through unchanged (config keys kafka.*). */
typedef struct bs_bus_property {
  const char *key;
  const char *value;
} bs_bus_property;

/* Plain options, filled by the config module; all strings borrowed for the
 * duration of the _new call. */
typedef struct bs_bus_options {
  const char *bootstrap;             /* bootstrap.servers, e.g. "127.0.0.1:9092" */
  const char *client_id;             /* NULL: "bmdstream" */
  const char *group_id;              /* consumers only */
  const char *topic_prefix;          /* NULL or "" for none */
  const bs_bus_property *properties; /* applied after our defaults */
  size_t nproperties;
  const char *group_instance_id; /* consumers only: static membership
                                    (bs/instance.h); NULL: dynamic */
} bs_bus_options;

/* The most kafka.* properties bs_bus_options_from_config passes on. */
#define BS_BUS_MAX_PROPERTIES 64

/* The largest Kafka credentials file read (bytes). */
#define BS_BUS_CREDENTIALS_MAX 4096

/* Storage for the properties bs_bus_options_from_config hands over: the
 * caller keeps it (usually on its stack) as long as it uses the options.
 * text holds the strings of a credentials file's properties. */
typedef struct bs_bus_properties {
  bs_bus_property items[BS_BUS_MAX_PROPERTIES];
  size_t n;
  char text[BS_BUS_CREDENTIALS_MAX];
} bs_bus_properties;

/* The Kafka principal a client authenticates as (docs/security.md): the
 * pipeline's programs each as themselves ("bmdstream-import",
 * "bmdstream-prefilter", "bmdstream-bmd", "bmdstream-category",
 * "bmdstream-tracker"), `bmdstream acl` and `bmdstream replay` (which
 * resets groups and re-publishes into any topic) as "bmdstream-admin",
 * every other `bmdstream` command (topics, lag) as "bmdstream-operator". */
const char *bs_bus_principal(const char *client_id);

/* Appends the librdkafka properties of a credentials file to *props: path
 * is the file, or a directory holding "<principal>.properties". Lines are
 * "property=value" (librdkafka names, e.g. sasl.username), '#' comments,
 * as kcat -F reads them. A missing file, a malformed line, more than
 * BS_BUS_CREDENTIALS_MAX bytes or BS_BUS_MAX_PROPERTIES properties is
 * BS_ERR_PERMANENT with the file and line named; values are never put in
 * errstr or the log. */
bs_status bs_bus_load_credentials(const char *path, const char *principal, bs_bus_properties *props,
                                  char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Fills *opt from the shared settings of cfg (kafka_bootstrap,
 * topic_prefix, the credentials file of kafka_credentials for the client's
 * principal, then the kafka.* properties, which win; bs/config.h) with client_id and
 * group_id as given (NULL allowed). The properties are listed in *props and
 * opt->properties points there; every string stays borrowed from cfg or
 * the arguments. A caller may change fields of *opt afterwards (e.g. a
 * --bootstrap flag). More than BS_BUS_MAX_PROPERTIES properties is
 * BS_ERR_PERMANENT. */
bs_status bs_bus_options_from_config(const bs_config *cfg, const char *client_id,
                                     const char *group_id, bs_bus_properties *props,
                                     bs_bus_options *opt, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Error classes of librdkafka error codes. */
typedef enum { BS_BUS_OK = 0, BS_BUS_RETRIABLE, BS_BUS_PERMANENT, BS_BUS_FATAL } bs_bus_class;

bs_bus_class bs_bus_classify(rd_kafka_resp_err_t err);
/* BS_BUS_FATAL maps to BS_ERR_RETRIABLE (the message is fine; the client
 * is not): check bs_producer_fatal / bs_consumer_fatal. */
bs_status bs_bus_status(bs_bus_class cls);

/* ---- producer ------------------------------------------------------------ */

typedef struct bs_producer bs_producer;

typedef struct bs_bus_header {
  const char *name;
  const void *value; /* NULL for a null header */
  size_t size;
} bs_bus_header;

bs_status bs_producer_new(const bs_bus_options *opt, bs_producer **out, char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));
/* Flushes (up to 10 s) and destroys; NULL-safe. */
void bs_producer_destroy(bs_producer *p);

/* Makes the producer know topics[0..n) (full names) before its first
 * message to them: librdkafka asks for their leaders now, in the
 * background, and keeps them up to date while the producer lives. Without
 * it the first message to a topic waits for its leader to be found (about
 * a second in librdkafka 2.0: unknown topics are looked at by a 1 s
 * timer). Best effort: a topic that does not exist is only looked up
 * again when a message goes to it. At most BS_PRODUCER_MAX_WARM topics
 * are kept; the rest are ignored. */
#define BS_PRODUCER_MAX_WARM 8
void bs_producer_warm(bs_producer *p, const char *const *topics, size_t n);

/* Produces one message to `topic` (the full, prefixed name) and waits for
 * its delivery report, serving the producer's callbacks meanwhile.
 * timeout_ms < 0 waits for the report however long message.timeout.ms
 * makes it. Key and value are copied. */
bs_status bs_producer_send(bs_producer *p, const char *topic, const void *key, size_t key_len,
                           const void *value, size_t value_len, const bs_bus_header *headers,
                           size_t nheaders, int timeout_ms, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* bs_producer_send without headers, to the given partition of topic
 * (the caller chooses it: work items spread evenly, bs/stage.h). */
bs_status bs_producer_send_to(bs_producer *p, const char *topic, int32_t partition, const void *key,
                              size_t key_len, const void *value, size_t value_len, int timeout_ms,
                              char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* A batch: bs_producer_send_batched produces one message to the given
 * partition of topic (no headers; key and value copied) without waiting;
 * bs_producer_wait_batch waits for the delivery report of every message
 * so produced since the last wait (timeout_ms < 0: however long
 * message.timeout.ms makes it) and answers the first failure among them.
 * Many events at once (a stage's work items) pay one round trip to the
 * broker, not one each. */
bs_status bs_producer_send_batched(bs_producer *p, const char *topic, int32_t partition,
                                   const void *key, size_t key_len, const void *value,
                                   size_t value_len, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
bs_status bs_producer_wait_batch(bs_producer *p, int timeout_ms, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Republishes `msg` (borrowed) on `dlq_topic` with its original key, value
 * and headers, plus the origin headers
 *   dlq.topic, dlq.partition, dlq.offset, dlq.stage, dlq.error.class,
 *   dlq.error.msg (at most 1024 bytes), dlq.ts (RFC 3339 UTC)
 * and waits for delivery: store the input offset only after this returned
 * BS_OK. */
bs_status bs_producer_dead_letter(bs_producer *p, const char *dlq_topic,
                                  const rd_kafka_message_t *msg, const char *stage,
                                  bs_status error_class, const char *error_message, int timeout_ms,
                                  char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Non-zero after a fatal error; errstr receives its reason. */
int bs_producer_fatal(bs_producer *p, char *errstr, size_t errstr_size);
/* The underlying handle (borrowed), e.g. for the mock cluster in tests. */
rd_kafka_t *bs_producer_handle(bs_producer *p);

/* ---- consumer ------------------------------------------------------------ */

typedef struct bs_consumer bs_consumer;

/* Defaults: cooperative-sticky, auto.offset.reset=earliest,
 * allow.auto.create.topics=false, session.timeout.ms=10000 with
 * heartbeat.interval.ms=2000 (a member that died without coming back loses
 * its partitions to the others after 10 s, not librdkafka's 45); a
 * kafka.* property overrides each. opt->group_id is required; with
 * opt->group_instance_id the consumer is a static member (KIP-345): a
 * restart under the same id is handed the partitions back without waiting
 * for the old session to expire. Unsubscribing (bs_consumer_destroy) still
 * leaves the group, so a stopped instance's partitions move at once; only
 * a killed one keeps them, for its restart, until the session expires. */
bs_status bs_consumer_new(const bs_bus_options *opt, bs_consumer **out, char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));
/* Unsubscribes, waits for an empty assignment, commits, closes (see the
 * 2.0.2 notes above); NULL-safe. */
void bs_consumer_destroy(bs_consumer *c);

/* topics: full (prefixed) names. */
bs_status bs_consumer_subscribe(bs_consumer *c, const char *const *topics, size_t ntopics,
                                char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Waits up to timeout_ms for one message. BS_OK with *msg NULL: nothing
 * yet. BS_OK with *msg: the caller owns it (rd_kafka_message_destroy); the
 * log context is set to its topic/partition/offset. A consumer error is
 * logged and returned with its class. */
bs_status bs_consumer_poll(bs_consumer *c, int timeout_ms, rd_kafka_message_t **msg, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));

/* Marks msg as done (stores offset + 1), after its outputs are durable.
 * BS_ERR_NOT_FOUND: its partition was revoked meanwhile; the new owner
 * will re-deliver it, so drop the rest of that partition's batch. */
bs_status bs_consumer_store(bs_consumer *c, const rd_kafka_message_t *msg, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));

/* Commits the stored offsets now, synchronously (nothing stored: BS_OK). */
bs_status bs_consumer_commit(bs_consumer *c, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Transient failure (DESIGN.md §3): pause msg's partition and keep polling
 * (so the group keeps the member) while retrying the message in hand with
 * backoff; nothing more arrives from that partition until
 * bs_consumer_resume. A partition revoked meanwhile comes back unpaused to
 * its next owner, which re-reads from the committed offset. */
bs_status bs_consumer_pause(bs_consumer *c, const rd_kafka_message_t *msg, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));
bs_status bs_consumer_resume(bs_consumer *c, const rd_kafka_message_t *msg, char *errstr,
                             size_t errstr_size) __attribute__((warn_unused_result));

/* Number of partitions currently assigned; rebalances seen so far. */
int bs_consumer_assigned(bs_consumer *c);
int bs_consumer_rebalances(bs_consumer *c);

int bs_consumer_fatal(bs_consumer *c, char *errstr, size_t errstr_size);
rd_kafka_t *bs_consumer_handle(bs_consumer *c);

/* ---- topics (Admin API) -------------------------------------------------- */

/* Creates `names` (full names) with CreateTopics; a topic that already
 * exists counts as success. created[i] (if not NULL) is set to 1 for a
 * topic made now, 0 for one already there. */
bs_status bs_bus_create_topics(const bs_bus_options *opt, const char *const *names, size_t n,
                               int partitions, int replication_factor, int timeout_ms, int *created,
                               char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Creates the pipeline topics, opt->topic_prefix applied: each with
 * `partitions`, the work topic (bs/topics.h) with at least
 * BS_WORK_TOPIC_PARTITIONS. */
bs_status bs_bus_create_pipeline_topics(const bs_bus_options *opt, int partitions,
                                        int replication_factor, int timeout_ms,
                                        int created[BS_TOPIC_COUNT], char *errstr,
                                        size_t errstr_size) __attribute__((warn_unused_result));

/* ---- ACLs (Admin API) ---------------------------------------------------- */

/* One permission: principal ("User:bmdstream-bmd") may do operation on the
 * resource (a topic, a group, or the cluster "kafka-cluster") of that
 * literal name, from any host. */
typedef struct bs_bus_acl {
  rd_kafka_ResourceType_t resource; /* RD_KAFKA_RESOURCE_TOPIC, _GROUP or _BROKER */
  char name[256];
  char principal[128];
  rd_kafka_AclOperation_t operation;
} bs_bus_acl;

/* Creates the ALLOW bindings with CreateAcls (existing ones are kept, so
 * it can run any number of times); needs a principal allowed to alter the
 * cluster's ACLs. The first refused binding is named in errstr. */
bs_status bs_bus_create_acls(const bs_bus_options *opt, const bs_bus_acl *acls, size_t n,
                             int timeout_ms, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
