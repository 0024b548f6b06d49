/*
 * prefilter_curvefit.c - BMDExpress 3's curve-fit prefilter (see
 * bmd/prefilter_curvefit.h): the BMD step's fits with BMDExpress's fixed
 * curve-fit options, and its pass rule.
 */
#include "bmd/prefilter_curvefit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bmd/probes.h"

bmd_curvefit_options bmd_curvefit_options_default(void) {
  bmd_curvefit_options o = {.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_POWER) |
                                          (1u << BMD_MODEL_LINEAR) | (1u << BMD_MODEL_POLY2) |
                                          (1u << BMD_MODEL_EXP3) | (1u << BMD_MODEL_EXP5),
                            .variance = BMD_VARIANCE_CONSTANT,
                            .bmr = 1.021,
                            .poly2_bmr = NAN,
                            .threads = 1};
  return o;
}

/*
 * The options PrefilterService.curveFitPrefilterAnalysis gives the BMD
 * analysis (BMDExpress-3 src/main/java/com/sciome/bmdexpress2/service/
 * PrefilterService.java): ModelInputParameters fast = true (ToxicR's Wald
 * limits), bmrType 1 (SD), bmrLevel = bmrFactor, BMD_METHOD.TOXICR (our
 * BMDExpress 3 polynomial fit), polyMonotonic false, restrictPower 1;
 * ModelSelectionParameters flagHillModel false, BMDL/BMDU COMPUTE_BUT_IGNORE,
 * best polynomial by LOWEST_AIC, p 0.05.
 */
static bmd_probes_options probes_options(const bmd_curvefit_options *o, const bmd_dataset *ds) {
  bmd_probes_options p = bmd_probes_options_default();
  p.model_mask = o->model_mask;
  p.threads = o->threads;
  p.fit.variance = o->variance;
  p.fit.bmr_type = BMD_BMR_SD;
  p.fit.bmr = o->bmr;
  p.fit.poly2_bmr = o->poly2_bmr;
  p.fit.log_base = ds->log_base;
  p.fit.poly_fit = BMD_POLY_FIT_BMDX3;
  p.fit.poly2_monotone = 0;
  p.fit.power_restricted = 1;
  p.fit.compute_limits = 1;
  p.fit.limit_method = BMD_LIMITS_WALD;
  p.select.poly_test = BMD_POLY_LOWEST_AIC;
  p.select.poly_p = 0.05;
  p.select.limit_use = BMD_USE_IGNORE_LIMITS;
  p.select.flag_hill = 0;
  p.select.flagged_hill = BMD_HILL_INCLUDE;
  return p;
}

/* Probes fitted per call of the driver: bounds the memory of the fits
 * (a bmd_probe_fit holds every model's result and metrics). */
#define CHUNK 1024

int bmd_curvefit_run(const bmd_dataset *ds, const size_t *rows, size_t n,
                     const bmd_curvefit_options *o, double *values, unsigned char *pass,
                     char *errstr, size_t errstr_size) {
  if (ds->n_groups < 2 || !ds->group_dose) {
    snprintf(errstr, errstr_size, "curve-fit prefilter: the dataset needs two dose groups");
    return -1;
  }
  if (!(o->bmr > 0) || !(o->model_mask & ((1u << BMD_MODEL_COUNT) - 1))) {
    snprintf(errstr, errstr_size, "curve-fit prefilter: BMR must be > 0 and a model chosen");
    return -1;
  }
  if (n == 0)
    return 0;
  bmd_probes_options popt = probes_options(o, ds);
  double highest = ds->group_dose[ds->n_groups - 1];
  size_t chunk = n < CHUNK ? n : CHUNK;
  bmd_probe_fit *fits = malloc(chunk * sizeof(*fits));
  if (!fits) {
    snprintf(errstr, errstr_size, "curve-fit prefilter: out of memory");
    return -2;
  }
  for (size_t start = 0; start < n; start += chunk) {
    size_t m = n - start < chunk ? n - start : chunk;
    if (bmd_probes_fit(ds, rows + start, m, &popt, fits, errstr, errstr_size) != 0) {
      free(fits);
      return -1;
    }
    for (size_t j = 0; j < m; j++) {
      const bmd_probe_fit *pf = &fits[j];
      double *v = values + rows[start + j] * BMD_CURVEFIT_COLUMNS;
      int best = pf->best.best;
      v[BMD_CURVEFIT_MODEL] = best >= 0 ? (double)pf->fits[best].model : NAN;
      v[BMD_CURVEFIT_BMD] = best >= 0 ? pf->best.bmd : NAN;
      v[BMD_CURVEFIT_BMDL] = best >= 0 ? pf->best.bmdl : NAN;
      v[BMD_CURVEFIT_BMDU] = best >= 0 ? pf->best.bmdu : NAN;
      v[BMD_CURVEFIT_FIT_P] = best >= 0 ? pf->fits[best].fit_p : NAN;
      /* BMDExpress: getBestStatResult() != null, getBestBMD() != null and
       * getBestBMD() < maxDose (the last treatment's dose); a NaN BMD
       * compares false and fails */
      pass[start + j] = best >= 0 && v[BMD_CURVEFIT_BMD] < highest;
    }
  }
  free(fits);
  return 0;
}
