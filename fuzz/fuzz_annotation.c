/*
 * fuzz_annotation.c - the annotation files a user uploads: a probe map, a
 * category map and a GMT file. The first byte picks the reader, the rest
 * is the file. Each refuses with a reason or adds rows.
 */
#include <stdlib.h>

#include "bmd/category.h"
#include "bs/annotation.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const char *path = bs_fuzz_scratch_file(data + 1, size - 1, ".txt");
  if (!path)
    return 0;
  bmd_annotation *a = bmd_annotation_new();
  if (!a)
    return 0;
  char err[512] = "";
  int rc;
  switch (data[0] % 3) {
  case 0:
    rc = bs_annotation_read_probe_map(a, path, err, sizeof(err));
    break;
  case 1:
    rc = bs_annotation_read_category_map(a, path, err, sizeof(err));
    break;
  default:
    rc = bs_annotation_read_gmt(a, path, err, sizeof(err));
    break;
  }
  if (rc != 0)
    bs_fuzz_require_reason(err, "bs_annotation_read_*");
  bmd_annotation_destroy(a);
  return 0;
}
