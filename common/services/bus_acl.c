/*
 * bus_acl.c - ACL bindings made through the Admin API (CreateAcls); see
 * bs/bus.h. Creating a binding that exists already is no error for the
 * broker, so the call is idempotent.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bs/log.h"
#include "bus_internal.h"

static const char *resource_name(rd_kafka_ResourceType_t r) {
  return r == RD_KAFKA_RESOURCE_TOPIC   ? "topic"
         : r == RD_KAFKA_RESOURCE_GROUP ? "group"
                                        : "cluster";
}

/* The answer for each binding, in the order sent. */
static bs_status check_results(rd_kafka_event_t *ev, const bs_bus_acl *acls, size_t n, char *errstr,
                               size_t errstr_size) {
  size_t nres = 0;
  const rd_kafka_acl_result_t **res =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &nres);
  for (size_t i = 0; i < nres && i < n; i++) {
    const rd_kafka_error_t *e = rd_kafka_acl_result_error(res[i]);
    if (!e)
      continue;
    snprintf(errstr, errstr_size, "create ACL %s %s %s %s: %s (%s)", acls[i].principal,
             rd_kafka_AclOperation_name(acls[i].operation), resource_name(acls[i].resource),
             acls[i].name, rd_kafka_error_string(e), rd_kafka_error_name(e));
    return bs_bus_status(bs_bus_classify(rd_kafka_error_code(e)));
  }
  return BS_OK;
}

bs_status bs_bus_create_acls(const bs_bus_options *opt, const bs_bus_acl *acls, size_t n,
                             int timeout_ms, char *errstr, size_t errstr_size) {
  bus_admin a;
  rd_kafka_event_t *ev = NULL;
  char why[512];
  bs_status st =
      bus_admin_open(opt, RD_KAFKA_ADMIN_OP_CREATEACLS, timeout_ms, &a, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  st = BS_ERR_PERMANENT;
  rd_kafka_AclBinding_t **bindings = calloc(n ? n : 1, sizeof(*bindings));
  if (!bindings) {
    snprintf(errstr, errstr_size, "kafka admin: out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    bindings[i] = rd_kafka_AclBinding_new(
        acls[i].resource, acls[i].name, RD_KAFKA_RESOURCE_PATTERN_LITERAL, acls[i].principal, "*",
        acls[i].operation, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, why, sizeof(why));
    if (!bindings[i]) {
      snprintf(errstr, errstr_size, "ACL %s on %s %s: %s", acls[i].principal,
               resource_name(acls[i].resource), acls[i].name, why);
      goto done;
    }
  }
  rd_kafka_CreateAcls(a.rk, bindings, n, a.aopts, a.queue);
  st = bus_admin_wait(&a, "CreateAcls", &ev, errstr, errstr_size);
  if (st == BS_OK)
    st = check_results(ev, acls, n, errstr, errstr_size);
  if (st == BS_OK)
    bs_info("%zu ACL bindings in place", n);
done:
  if (ev)
    rd_kafka_event_destroy(ev);
  if (bindings) {
    for (size_t i = 0; i < n; i++)
      if (bindings[i])
        rd_kafka_AclBinding_destroy(bindings[i]);
    free(bindings);
  }
  bus_admin_close(&a);
  return st;
}
