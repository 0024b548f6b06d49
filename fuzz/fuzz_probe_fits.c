/*
 * fuzz_probe_fits.c - a bmd.tsv of probe fits given to `bmdstream
 * categories` (BMDExpress-style best-model columns). It is refused with
 * "file:line: reason" or read.
 */
#include <stdlib.h>

#include "bs/category_input.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = bs_fuzz_scratch_file(data, size, ".tsv");
  if (!path)
    return 0;
  char err[512] = "";
  bs_cat_probes *p = bs_cat_probes_read_tsv(path, err, sizeof(err));
  if (!p)
    bs_fuzz_require_reason(err, "bs_cat_probes_read_tsv");
  bs_cat_probes_destroy(p);
  return 0;
}
