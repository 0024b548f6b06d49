/*
 * seed_matrix_bin.c - writes the matrix.bin seeds of the fuzz corpus:
 * each expression file given is imported and encoded as the pipeline
 * stores it.
 *
 *   seed_matrix_bin OUT_DIR EXPRESSION_FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/matrix_bin.h"
#include "bs/matrix_import.h"

static int write_seed(const char *dir, const char *path) {
  bmd_dataset *ds = NULL;
  void *buf = NULL;
  size_t len = 0;
  char err[512], out[4096];
  if (bs_matrix_import_file(path, NULL, BMD_LOG_BASE2, &ds, err, sizeof(err)) != 0) {
    fprintf(stderr, "seed_matrix_bin: skipped %s (%s)\n", path, err);
    return 0;
  }
  int rc = -1;
  if (bs_matrix_bin_encode(ds, &buf, &len) != 0)
    goto done;
  const char *base = strrchr(path, '/');
  snprintf(out, sizeof(out), "%s/%s.bin", dir, base ? base + 1 : path);
  FILE *f = fopen(out, "wb");
  if (!f)
    goto done;
  rc = fwrite(buf, 1, len, f) == len ? 0 : -1;
  if (fclose(f) != 0)
    rc = -1;
done:
  if (rc != 0)
    fprintf(stderr, "seed_matrix_bin: cannot write a seed for %s\n", path);
  free(buf);
  bmd_dataset_destroy(ds);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: seed_matrix_bin OUT_DIR EXPRESSION_FILE...\n");
    return 2;
  }
  int rc = 0;
  for (int i = 2; i < argc; i++)
    if (write_seed(argv[1], argv[i]) != 0)
      rc = 1;
  return rc;
}
