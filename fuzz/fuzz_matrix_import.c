/*
 * fuzz_matrix_import.c - an expression file (BMDExpress's tab-separated
 * matrix, plain or gzip) as a user uploads it. Whatever it holds, the
 * import either refuses it with a reason or gives a dataset that the
 * matrix.bin encoder round-trips exactly (shape, ids, doses, values).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs/matrix_bin.h"
#include "bs/matrix_import.h"
#include "fuzz_input.h"

/* Limits small enough that one input stays fast. */
static bs_import_limits fuzz_limits(void) {
  bs_import_limits l = bs_import_limits_default();
  l.max_probes = 5000;
  l.max_samples = 500;
  l.max_bytes = 8 << 20;
  l.max_line_length = 64 << 10;
  return l;
}

static int same_value(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b;
}

static void check_round_trip(const bmd_dataset *ds) {
  void *buf = NULL;
  size_t len = 0;
  bmd_dataset *back = NULL;
  char err[512] = "";
  if (bs_matrix_bin_encode(ds, &buf, &len) != 0)
    abort(); /* only out of memory, which the limits rule out */
  if (bs_matrix_bin_decode(buf, len, &back, err, sizeof(err)) != 0)
    abort(); /* our own encoding must decode */
  if (back->n_probes != ds->n_probes || back->n_samples != ds->n_samples)
    abort();
  for (size_t p = 0; p < ds->n_probes; p++)
    if (strcmp(back->probe_ids[p], ds->probe_ids[p]) != 0)
      abort();
  for (size_t s = 0; s < ds->n_samples; s++)
    if (strcmp(back->sample_ids[s], ds->sample_ids[s]) != 0 || back->doses[s] != ds->doses[s])
      abort();
  for (size_t i = 0; i < ds->n_probes * ds->n_samples; i++)
    if (!same_value(back->values[i], ds->values[i]))
      abort();
  bmd_dataset_destroy(back);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bs_import_limits limits = fuzz_limits();
  bmd_dataset *ds = NULL;
  char err[512] = "";
  if (bs_matrix_import_buffer(data, size, "fuzz input", &limits, BMD_LOG_BASE2, &ds, err,
                              sizeof(err)) != 0) {
    bs_fuzz_require_reason(err, "bs_matrix_import_buffer");
    return 0;
  }
  check_round_trip(ds);
  bmd_dataset_destroy(ds);
  return 0;
}
