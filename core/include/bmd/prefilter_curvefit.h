/*
 * bmd/prefilter_curvefit.h - BMDExpress 3's curve-fit prefilter
 * (PrefilterService.curveFitPrefilterAnalysis; docs/prefilter.md,
 * "Curve-fit prefilter"): the chosen models fitted to each probe with
 * Wald ("fast") BMDL/BMDU, the best model by lowest AIC (polynomials by
 * lowest AIC too, BMDL/BMDU computed but ignored, no Hill flag), and the
 * probe kept when the best model's BMD is below the highest dose.
 *
 * The fits are the BMD step's (bmd/probes.h, bmd_probes_fit) on its
 * threads; nothing is fitted here. Works with one sample per dose: the
 * likelihood then takes its variance from the residuals about the model
 * (no within-group variance is needed).
 */
#ifndef BMD_PREFILTER_CURVEFIT_H
#define BMD_PREFILTER_CURVEFIT_H

#include <stddef.h>

#include "bmd/dataset.h"
#include "bmd/fit.h"

typedef struct bmd_curvefit_options {
  unsigned model_mask;   /* bit (1u << bmd_model) per model; BMDExpress's six by default */
  bmd_variance variance; /* constant (default) or non-constant */
  double bmr;            /* BMR factor in SDs; BMDExpress's config default 1.021 */
  double poly2_bmr;      /* Poly 2's own BMR factor; NAN: bmr */
  unsigned threads;      /* 0 or 1: one thread */
} bmd_curvefit_options;

/* Hill, Power, Linear, Poly 2, Exp 3, Exp 5 (CurveFitPrefilterInput's
 * defaults), constant variance, BMR 1.021 SD. */
bmd_curvefit_options bmd_curvefit_options_default(void);

/* The values per probe, in this column order. */
enum {
  BMD_CURVEFIT_MODEL = 0, /* best model id (bmd_model) as a number; NAN when none */
  BMD_CURVEFIT_BMD,
  BMD_CURVEFIT_BMDL,  /* Wald */
  BMD_CURVEFIT_BMDU,  /* Wald */
  BMD_CURVEFIT_FIT_P, /* goodness of fit (Test 4) p of the best model */
  BMD_CURVEFIT_COLUMNS
};

/* Fits rows[0..n) of ds (grouped) and fills, for each j,
 * values[rows[j] * BMD_CURVEFIT_COLUMNS + c] and pass[j]: 1 when a best
 * model exists and its BMD < the highest dose (strict, as BMDExpress),
 * else 0. Rows not listed are left untouched. Returns 0, -1 on bad options
 * (errstr filled), -2 when out of memory. */
int bmd_curvefit_run(const bmd_dataset *ds, const size_t *rows, size_t n,
                     const bmd_curvefit_options *o, double *values, unsigned char *pass,
                     char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

#endif
