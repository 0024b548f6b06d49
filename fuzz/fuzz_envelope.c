/*
 * fuzz_envelope.c - a Kafka message value as a consumer receives it: the
 * CloudEvents envelope, then what a stage reads from its data (settings
 * and annotation keys). Anything is refused with a reason or accepted
 * with every field the stages rely on present.
 */
#include <stdlib.h>

#include "bs/envelope.h"
#include "bs/event_data.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bs_envelope env = {0};
  char err[512] = "";
  if (bs_envelope_decode(data, size, BS_TOPIC_ANY, &env, err, sizeof(err)) != BS_OK) {
    bs_fuzz_require_reason(err, "bs_envelope_decode");
    bs_envelope_clear(&env);
    return 0;
  }
  if (!env.root || !env.data || !env.id || !env.source || !env.job_id)
    abort();
  bs_event_inputs ev = {0};
  err[0] = '\0';
  if (bs_event_inputs_read(&env, &ev, err, sizeof(err)) != BS_OK)
    bs_fuzz_require_reason(err, "bs_event_inputs_read");
  bs_event_inputs_clear(&ev);
  bs_envelope_clear(&env);
  return 0;
}
