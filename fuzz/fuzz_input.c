/*
 * fuzz_input.c - the harnesses' scratch file and refusal check.
 */
#include "fuzz_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch_path[4096];

static void remove_scratch(void) {
  if (scratch_path[0])
    unlink(scratch_path);
}

const char *bs_fuzz_scratch_file(const uint8_t *data, size_t size, const char *suffix) {
  if (!scratch_path[0]) {
    const char *dir = getenv("TMPDIR");
    snprintf(scratch_path, sizeof(scratch_path), "%s/bs-fuzz-%ld%s", dir && *dir ? dir : "/tmp",
             (long)getpid(), suffix);
    atexit(remove_scratch);
  }
  FILE *f = fopen(scratch_path, "wb");
  if (!f)
    return NULL;
  int ok = fwrite(data, 1, size, f) == size;
  ok = (fclose(f) == 0) && ok;
  return ok ? scratch_path : NULL;
}

void bs_fuzz_require_reason(const char *errstr, const char *parser) {
  if (!errstr[0]) {
    fprintf(stderr, "%s refused its input without saying why\n", parser);
    abort();
  }
}
