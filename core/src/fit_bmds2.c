/*
 * fit_bmds2.c - the AIC parameter count of BMDS 2.x's exponential program,
 * for bmd_fit_options.compat BMDS2 (docs/fitting.md, "BMDS 2.x
 * compatibility").
 *
 * BMDS 2.x exponential.c (Exponential Model 1.10, DoLikehoods; read in
 * the public copy voliynyk/BMDS_Module, Exponential/exponential.c) counts
 *   DF = (mean parameters) + (variance parameters) - [a == 0, b == 0,
 *        c == 0 or d == 1]
 * where the bracket is 0 or 1: its C expression `a==0?1:0 + b==0?1:0 + ...`
 * parses as one chain of conditionals (`+` binds tighter than `==` and
 * `?:`), so at most one parameter is left out, and only on those values. A
 * d on its upper bound 18 is counted, where BMDS 3 counts no parameter on
 * a bound. AIC = -2 LL + 2 DF. BMDExpress 2 reads that AIC from the output
 * (FileExponentialFit.readOutputs).
 *
 * "== 0" and "== 1" are the bounds a >= 0, b >= 0, c > 0 (decreasing: ln c on its
 * lower bound) and d >= 1, reached within BMD_BOUND_EPS: BMDS 2.x's
 * optimiser returns the bound itself there (DEHP: d printed 1 and left out
 * in every Exp 3/5 fit with d on 1; c was 0 three times but 2e-10 and
 * 3e-22 twice, counted, where our ln c sits on its bound -20).
 *
 * The other BMDS 2.x rule, an unbounded BMDU reported as a stand-in
 * (bmd_model_def.bmds2_bmdu_cap), is applied in fit_run.c; its values are
 * those BMDExpress 2.30 stored (DEHP), not read in a source.
 */
#include "fit_model_def.h"

#include <math.h>

static int on_lower(const bmd_problem *p, const double *th, int j) {
  return j >= 0 && fabs(th[j] - p->lb[j]) < BMD_BOUND_EPS;
}

int bmd_bmds2_exp_n_free(const bmd_problem *p, const double *th) {
  int b = 1, lc = p->def->log_c, d = p->def->shape; /* a is 0 */
  int left_out = on_lower(p, th, 0) || on_lower(p, th, b) || (p->sign < 0 && on_lower(p, th, lc)) ||
                 on_lower(p, th, d);
  return (int)p->n_par - left_out;
}
