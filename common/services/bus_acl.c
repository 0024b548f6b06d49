/*
 * bus_acl.c - ACL bindings made through the Admin API (CreateAcls); see
 * bs/bus.h. Creating a binding that exists already is no error for the
 * broker, so the call is idempotent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* How many of acls[] the described bindings hold. */
static size_t visible(const rd_kafka_AclBinding_t **got, size_t ngot, const bs_bus_acl *acls,
                      size_t n) {
  size_t found = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < ngot; j++)
      if (rd_kafka_AclBinding_restype(got[j]) == acls[i].resource &&
          rd_kafka_AclBinding_operation(got[j]) == acls[i].operation &&
          rd_kafka_AclBinding_permission_type(got[j]) == RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW &&
          strcmp(rd_kafka_AclBinding_name(got[j]), acls[i].name) == 0 &&
          strcmp(rd_kafka_AclBinding_principal(got[j]), acls[i].principal) == 0) {
        found++;
        break;
      }
  return found;
}

/* The controller answers CreateAcls once the bindings are in its metadata;
 * the broker applies them a moment later, and a client it authorizes
 * before that is refused. So wait until the broker's own DescribeAcls
 * lists every binding (or the timeout passes: an error naming how many are
 * missing). */
static bs_status wait_visible(const bs_bus_options *opt, const bs_bus_acl *acls, size_t n,
                              int timeout_ms, char *errstr, size_t errstr_size) {
  char why[512];
  rd_kafka_AclBindingFilter_t *filter = rd_kafka_AclBindingFilter_new(
      RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, NULL, NULL,
      RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, why, sizeof(why));
  if (!filter) {
    snprintf(errstr, errstr_size, "ACL filter: %s", why);
    return BS_ERR_PERMANENT;
  }
  bs_status st = BS_OK;
  size_t seen = 0;
  for (int waited_ms = 0;; waited_ms += 100) {
    bus_admin a;
    rd_kafka_event_t *ev = NULL;
    st = bus_admin_open(opt, RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout_ms, &a, errstr, errstr_size);
    if (st != BS_OK)
      break;
    rd_kafka_DescribeAcls(a.rk, filter, a.aopts, a.queue);
    st = bus_admin_wait(&a, "DescribeAcls", &ev, errstr, errstr_size);
    if (st == BS_OK) {
      size_t ngot = 0;
      const rd_kafka_AclBinding_t **got =
          rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &ngot);
      seen = visible(got, ngot, acls, n);
    }
    if (ev)
      rd_kafka_event_destroy(ev);
    bus_admin_close(&a);
    if (st != BS_OK || seen == n)
      break;
    if (waited_ms >= timeout_ms) {
      snprintf(errstr, errstr_size,
               "%zu of %zu ACL bindings not yet applied by the broker after %d ms", n - seen, n,
               timeout_ms);
      st = BS_ERR_RETRIABLE;
      break;
    }
    const struct timespec tenth = {0, 100 * 1000 * 1000};
    nanosleep(&tenth, NULL);
  }
  rd_kafka_AclBinding_destroy(filter);
  return st;
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
    st = wait_visible(opt, acls, n, timeout_ms, errstr, errstr_size);
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
