/*
 * bs/prefilter_export.h - the prefilter step's results as a file:
 * `prefilter.tsv`, tab-separated, one header row, one row per probe of the
 * matrix (in input order), BMDExpress's column names:
 *
 *   Probe ID, [the method's test columns when it puts them first (ANOVA:
 *   Df1, Df2, F-Value)], [Unadjusted P-Value, Adjusted P-Value (methods
 *   with a test)], Max Fold Change, Max Fold Change Unsigned, FC Dose
 *   Level 1..k, NOTEL/LOTEL T-Test p-Value Level 1..k, NOTEL, LOTEL, then
 *   ours: [the method's test columns when it puts them last (Williams
 *   Statistic)], Passed (true/false), Filtered By (the first filter
 *   failed; empty when passed).
 *
 * Numbers: doubles with 17 significant digits, fold changes and doses
 * (floats in BMDExpress) with 9; NaN as "NaN", infinities as
 * "Infinity"/"-Infinity"; no NOTEL/LOTEL as two empty cells.
 */
#ifndef BS_PREFILTER_EXPORT_H
#define BS_PREFILTER_EXPORT_H

#include <stdio.h>

#include "bmd/dataset.h"
#include "bmd/prefilter.h"
#include "bmd/prefilter_method.h"

/* Writes the header and one row per probe of r (all borrowed). values:
 * r->n_probes * m->n_columns test values (bmd_prefilter_test_fn), may be
 * NULL when the method has no columns. Returns 0, or -1 on a write error. */
int bs_prefilter_tsv_write(FILE *out, const bmd_dataset *ds, const bmd_prefilter_method *m,
                           const bmd_prefilter_result *r, const double *values);

#endif
