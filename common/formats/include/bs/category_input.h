/*
 * bs/category_input.h - the per-probe inputs of the category analysis
 * (bmd_cat_probe, bmd/category.h) from the BMD step: read from a
 * `bmd.tsv` (bs/bmd_export.h columns `Probe ID, Best Model, Best BMD,
 * Best BMDL, Best BMDU, Best fitPValue, Best RSquared, Best
 * adverseDirection, Max Fold Change`, and when present `Best Is Step
 * Function`, `Best Is Step Function Less Than Lowest Dose` (absent: the
 * flags are unknown, -1); other columns ignored, any order),
 * or adapted from bmd_probe_fit results in memory.
 */
#ifndef BS_CATEGORY_INPUT_H
#define BS_CATEGORY_INPUT_H

#include <stddef.h>

#include "bmd/category.h"
#include "bmd/probes.h"

/* Owns the probes and the strings they point to. */
typedef struct bs_cat_probes {
  size_t n;
  bmd_cat_probe *probes;
  char **strings; /* owned copies, n_strings of them */
  size_t n_strings;
} bs_cat_probes;

/* Reads path (plain or gzip). A probe without a best model (Best Model
 * empty or "none", or an empty Best BMD) gets bmd = NAN and model NULL.
 * NULL with "file:line: reason" in errstr on malformed input. */
bs_cat_probes *bs_cat_probes_read_tsv(const char *path, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* From the BMD step's results over ds (strings borrowed from ds, which
 * must outlive the result). NULL when out of memory. */
bs_cat_probes *bs_cat_probes_from_fits(const bmd_dataset *ds, const bmd_probe_fit *fits, size_t n);

void bs_cat_probes_destroy(bs_cat_probes *p);

#endif
