/*
 * fuzz_matrix_bin.c - a matrix.bin object as read back from the object
 * store (anyone who can write the bucket controls its bytes). Decoding
 * refuses it with a reason or gives a dataset whose re-encoding decodes to
 * the same bytes again (encode(decode(x)) is a fixed point).
 */
#include <stdlib.h>
#include <string.h>

#include "bs/matrix_bin.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bmd_dataset *ds = NULL, *again = NULL;
  void *first = NULL, *second = NULL;
  size_t first_len = 0, second_len = 0;
  char err[512] = "";
  if (bs_matrix_bin_decode(data, size, &ds, err, sizeof(err)) != 0) {
    bs_fuzz_require_reason(err, "bs_matrix_bin_decode");
    return 0;
  }
  if (bs_matrix_bin_encode(ds, &first, &first_len) != 0)
    abort();
  if (bs_matrix_bin_decode(first, first_len, &again, err, sizeof(err)) != 0)
    abort();
  if (bs_matrix_bin_encode(again, &second, &second_len) != 0)
    abort();
  if (first_len != second_len || memcmp(first, second, first_len) != 0)
    abort();
  free(first);
  free(second);
  bmd_dataset_destroy(ds);
  bmd_dataset_destroy(again);
  return 0;
}
