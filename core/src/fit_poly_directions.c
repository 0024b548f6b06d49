/*
 * fit_poly_directions.c - polynomials of degree >= 2 as BMDExpress fits
 * them (docs/fitting.md, "Polynomials"): once with the adverse direction up
 * and once down, keeping the fit with the lower BMD.
 *
 * BMDExpress 2.x (BMDExpress-2 util/bmds/thread/PolyFitThread.java,
 * doFiledPolyFit) runs BMDS 2.x `poly` with restrict 0 (FilePolyFit.java:
 * the restrictPolyCoef of ModelInputParameters is never set): the betas are
 * free, so both runs reach the same maximum and differ only in the side the
 * BMD is solved on. BMDExpress 3 (BMDExpress-3 PolyFitThread.java,
 * toxicRFit) fits through ToxicR with every b_j of the direction's sign
 * (PriorsMLE.java) for degree > 2, and for Poly 2 only when "Polynomial 2
 * monotonic restriction" is on; Poly 2 may have its own BMR factor.
 *
 * Which run is kept, in both versions:
 *   down  iff  (BMD_up > BMD_down and BMD_down valid)  or  BMD_up not valid
 * (the lower valid BMD; the other run where one failed). Likelihood and AIC
 * play no part. BMDExpress 3 compares NaN where version 2 compared -9999,
 * so there a failed increasing BMD keeps the failed run; we keep the
 * intended rule of version 2.
 *
 * The BMD decides, so both runs are fitted without limits first and only
 * the kept one is profiled for BMDL/BMDU (the fit is deterministic, so the
 * rerun reaches the same maximum; with a memo, bmd_fit_run_memo, it is
 * taken from there instead of solved again).
 */
#include "fit_model_def.h"

#include <math.h>
#include <string.h>

static int keep_down(const bmd_fit_result *up, const bmd_fit_result *down) {
  return (isfinite(down->bmd) && up->bmd > down->bmd) || !isfinite(up->bmd);
}

int bmd_fit_poly_directions(const bmd_suffstat *ss, bmd_model m, const bmd_fit_options *opt,
                            bmd_fit_memo *memo, const bmd_aod *aod, bmd_fit_result *out,
                            char *errstr, size_t errstr_size) {
  const bmd_model_def *def = bmd_model_def_get(m);
  bmd_fit_options one = *opt;
  one.poly_fit = BMD_POLY_FIT_SINGLE;
  one.poly_restricted =
      opt->poly_fit == BMD_POLY_FIT_BMDX3 && (def->poly_degree > 2 || opt->poly2_monotone);
  if (def->poly_degree == 2 && isfinite(opt->poly2_bmr) && opt->poly2_bmr > 0)
    one.bmr = opt->poly2_bmr;
  one.compute_limits = 0;
  bmd_fit_result up, down;
  one.direction = 1;
  if (bmd_fit_run_memo(ss, m, &one, aod, memo, &up, errstr, errstr_size) != 0)
    return -1;
  one.direction = -1;
  if (bmd_fit_run_memo(ss, m, &one, aod, memo, &down, errstr, errstr_size) != 0)
    return -1;
  int down_kept = keep_down(&up, &down);
  if (!opt->compute_limits || !isfinite(down_kept ? down.bmd : up.bmd)) {
    *out = down_kept ? down : up;
    return 0;
  }
  one.direction = down_kept ? -1 : 1;
  one.compute_limits = 1;
  return bmd_fit_run_memo(ss, m, &one, aod, memo, out, errstr, errstr_size);
}
