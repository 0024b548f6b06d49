/*
 * bs/instance.h - a consumer instance's static group membership
 * (Kafka KIP-345): its group.instance.id, unique among the live members of
 * its group and the same again when the instance is restarted.
 *
 * A killed consumer that comes back under the id it had is handed its
 * partitions at once; under a new id the coordinator would first wait for
 * the dead member's session to expire. So the id is made of what survives
 * a restart:
 *
 *   group.instance.id = <program>-<host name>-<number>
 *
 * and the number is claimed on the host with an exclusive lock (flock) on
 * <lock_dir>/bmdstream-<group>-<h>-<number>.lock, where h is the first 12
 * hex digits of the SHA-256 of the bootstrap servers (another cluster's
 * group of the same name is another group). The kernel releases the lock
 * when the process ends, however it ends, so a live process always holds
 * the number it runs under and no two live processes on a host share one;
 * the host name keeps hosts apart.
 *
 * The setting ("instance") is one of
 *   auto   the lowest number no live instance of the group holds on this
 *          host (0 for the first, 1 for a second, ...; a restarted
 *          instance takes the number its dead predecessor freed);
 *   N      exactly that number (0..9999), refused when a live process
 *          holds it;
 *   none   no static membership (a dynamic member: a restart waits for
 *          the old session to expire).
 * A holder that is exiting (killed a moment ago) is waited for, up to
 * 10 s, rather than taken for alive.
 */
#ifndef BS_INSTANCE_H
#define BS_INSTANCE_H

#include <stddef.h>

#include "bs/error.h"

typedef struct bs_instance bs_instance;

/* The largest instance number plus one. */
#define BS_INSTANCE_MAX 10000

/* Claims an instance number for program (e.g. "bmdstream-bmd") in group
 * on the cluster bootstrap, as setting says, holding its lock file in
 * lock_dir (all borrowed). BS_OK with *out new (destroy it when the
 * consumer is closed); BS_ERR_PERMANENT for a bad setting, a number held
 * by a live process, or no number free; BS_ERR_RETRIABLE when the lock
 * file cannot be opened. */
bs_status bs_instance_claim(const char *setting, const char *program, const char *group,
                            const char *bootstrap, const char *lock_dir, bs_instance **out,
                            char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* The group.instance.id (borrowed), or NULL for a dynamic member. */
const char *bs_instance_id(const bs_instance *inst);

/* The claimed number, -1 for a dynamic member. */
int bs_instance_number(const bs_instance *inst);

/* Releases the number (closes the lock file); NULL is fine. */
void bs_instance_destroy(bs_instance *inst);

#endif
