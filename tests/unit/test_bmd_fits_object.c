/*
 * test_bmd_fits_object.c - a BMD result's fits object (bs/bmd_fits_object.h)
 * over the file:// store: read back byte for byte; a missing object is
 * NOT_FOUND; another build's magic or size of a fit, a damaged member, a
 * fit of a row beyond the matrix and a count beyond its rows are refused
 * with the key named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/bmd_fits_object.h"

static char dir[64];
static bs_objstore *store;

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/bs-fits-object-XXXXXX");
  assert_non_null(mkdtemp(dir));
  char url[128], err[512];
  snprintf(url, sizeof(url), "file://%s", dir);
  bs_objstore_options opt = {.url = url};
  assert_int_equal(bs_objstore_new(&opt, &store, err, sizeof(err)), BS_OK);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bs_objstore_destroy(store);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* n fits whose every byte is set: probe i of row 2 i, the rest a
 * pattern (not values a fit holds; the object carries bytes). */
static bmd_probe_fit *some_fits(size_t n) {
  bmd_probe_fit *f = calloc(n, sizeof(*f));
  assert_non_null(f);
  unsigned char *b = (unsigned char *)f;
  for (size_t i = 0; i < n * sizeof(*f); i++)
    b[i] = (unsigned char)(i * 131 % 251);
  for (size_t i = 0; i < n; i++)
    f[i].probe = 2 * i;
  return f;
}

static void test_round_trip_and_key(void **state) {
  (void)state;
  char key[256], err[512];
  bs_bmd_fits_object_key(7, 12, key, sizeof(key));
  assert_string_equal(key, "projects/7/results/12/fits.bin");
  bmd_probe_fit *fits = some_fits(5), *got = NULL;
  size_t n = 0;
  assert_int_equal(bs_bmd_fits_object_put(store, key, fits, 5, err, sizeof(err)), BS_OK);
  assert_int_equal(bs_bmd_fits_object_get(store, key, 9, &got, &n, err, sizeof(err)), BS_OK);
  assert_int_equal(n, 5);
  assert_memory_equal(got, fits, 5 * sizeof(*fits));
  free(got);
  /* a fit of row 8 is beyond a matrix of 8 rows */
  assert_int_equal(bs_bmd_fits_object_get(store, key, 8, &got, &n, err, sizeof(err)),
                   BS_ERR_PERMANENT);
  assert_null(got);
  assert_non_null(strstr(err, key));
  /* no fits at all is an object too */
  assert_int_equal(bs_bmd_fits_object_put(store, "empty/fits.bin", fits, 0, err, sizeof(err)),
                   BS_OK);
  assert_int_equal(bs_bmd_fits_object_get(store, "empty/fits.bin", 9, &got, &n, err, sizeof(err)),
                   BS_OK);
  assert_int_equal(n, 0);
  free(got);
  free(fits);
}

static void test_missing_is_not_found(void **state) {
  (void)state;
  char err[512];
  bmd_probe_fit *got = NULL;
  size_t n = 0;
  assert_int_equal(bs_bmd_fits_object_get(store, "projects/1/results/99/fits.bin", 9, &got, &n, err,
                                          sizeof(err)),
                   BS_ERR_NOT_FOUND);
}

/* The stored object, one byte changed at `at` (from its end when
 * negative), or cut to `keep` bytes; 0 when refused with the key named. */
static int refused_after(const char *key, long at, size_t keep) {
  char err[512];
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(bs_objstore_get(store, key, 1 << 26, &buf, &len, err, sizeof(err)), BS_OK);
  unsigned char *b = buf;
  if (keep)
    len = keep;
  else
    b[at < 0 ? (long)len + at : at] ^= 0x5a;
  char bad[300];
  snprintf(bad, sizeof(bad), "%s.bad", key);
  assert_int_equal(bs_objstore_put(store, bad, buf, len, NULL, err, sizeof(err)), BS_OK);
  free(buf);
  bmd_probe_fit *got = NULL;
  size_t n = 0;
  bs_status st = bs_bmd_fits_object_get(store, bad, 9, &got, &n, err, sizeof(err));
  free(got);
  return st == BS_ERR_PERMANENT && strstr(err, bad) && got == NULL ? 0 : -1;
}

static void test_other_builds_and_damage_refused(void **state) {
  (void)state;
  char err[512];
  const char *key = "projects/1/results/3/fits.bin";
  bmd_probe_fit *fits = some_fits(4);
  assert_int_equal(bs_bmd_fits_object_put(store, key, fits, 4, err, sizeof(err)), BS_OK);
  free(fits);
  assert_int_equal(refused_after(key, 7, 0), 0);  /* the magic's version: another build */
  assert_int_equal(refused_after(key, 8, 0), 0);  /* the size of a fit */
  assert_int_equal(refused_after(key, 16, 0), 0); /* the count: 4 becomes more */
  assert_int_equal(refused_after(key, -6, 0), 0); /* the member's CRC-32 */
  assert_int_equal(refused_after(key, 0, 20), 0); /* cut inside the header */
  assert_int_equal(refused_after(key, 0, 60), 0); /* cut inside the member */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_and_key),
      cmocka_unit_test(test_missing_is_not_found),
      cmocka_unit_test(test_other_builds_and_damage_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
