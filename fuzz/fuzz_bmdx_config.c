/*
 * fuzz_bmdx_config.c - a BMDExpress 3 analyze config as a user brings it:
 * read and checked, then every combination of its sections mapped onto
 * our settings and normalized as `analyze --config` does. Each step
 * refuses with a reason or succeeds.
 */
#include <jansson.h>
#include <stdlib.h>

#include "bs/bmdx_config.h"
#include "bs/settings_bmdx.h"
#include "fuzz_input.h"

/* One analysis per section of each list at most: enough to reach every
 * mapping without a combinatorial blow-up on large inputs. */
static void map_sections(const bs_bmdx_config *cfg) {
  size_t lists[4] = {cfg->n_expression, cfg->n_prefilter, cfg->n_bmds, cfg->n_category};
  size_t n = 0;
  for (int i = 0; i < 4; i++)
    if (lists[i] > n)
      n = lists[i];
  for (size_t k = 0; k < n && k < 16; k++) {
    size_t pick[4];
    for (int i = 0; i < 4; i++)
      pick[i] = lists[i] ? k % lists[i] : BS_BMDX_NONE;
    json_t *sparse = json_object();
    bs_bmdx_analysis a = {0};
    char err[512] = "";
    if (bs_settings_from_bmdx(cfg, pick[0], pick[1], pick[2], pick[3], sparse, &a, err,
                              sizeof(err)) != 0)
      bs_fuzz_require_reason(err, "bs_settings_from_bmdx");
    bs_bmdx_analysis_free(&a);
    json_decref(sparse);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = bs_fuzz_scratch_file(data, size, ".json");
  if (!path)
    return 0;
  char err[512] = "";
  bs_bmdx_config *cfg = bs_bmdx_config_read(path, err, sizeof(err));
  if (!cfg) {
    bs_fuzz_require_reason(err, "bs_bmdx_config_read");
    return 0;
  }
  map_sections(cfg);
  bs_bmdx_config_destroy(cfg);
  return 0;
}
