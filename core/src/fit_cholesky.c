/*
 * fit_cholesky.c - the Cholesky factor of the small symmetric positive
 * definite matrices of a fit (n <= BMD_MAX_PARAMS: the scoring step's
 * damped information, fit_scoring.c; the Hessian whose inverse gives the
 * Wald variance, fit_information.c), and the two triangular solves. For
 * 2 to 6 parameters this is a few dozen flops; GSL's general routines
 * (cholesky_decomp1 and BLAS triangular solves) cost more in their calls
 * than in the arithmetic.
 *
 *   L_jj = sqrt(A_jj - sum_{k<j} L_jk^2),
 *   L_ij = (A_ij - sum_{k<j} L_ik L_jk) / L_jj        (i > j);
 *   L y = b forwards:  y_i = (b_i - sum_{k<i} L_ik y_k) / L_ii;
 *   L' x = y backwards: x_i = (y_i - sum_{k>i} L_ki x_k) / L_ii.
 */
#include "fit_internal.h"

#include <math.h>

int bmd_cholesky(double *A, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double d = A[j * n + j];
    for (size_t k = 0; k < j; k++)
      d -= A[j * n + k] * A[j * n + k];
    if (!(d > 0.0) || !isfinite(d))
      return -1;
    d = sqrt(d);
    A[j * n + j] = d;
    for (size_t i = j + 1; i < n; i++) {
      double v = A[i * n + j];
      for (size_t k = 0; k < j; k++)
        v -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = v / d;
    }
  }
  return 0;
}

void bmd_cholesky_forward(const double *L, size_t n, const double *b, double *y) {
  for (size_t i = 0; i < n; i++) {
    double v = b[i];
    for (size_t k = 0; k < i; k++)
      v -= L[i * n + k] * y[k];
    y[i] = v / L[i * n + i];
  }
}

void bmd_cholesky_backward(const double *L, size_t n, double *x) {
  for (size_t i = n; i-- > 0;) {
    double v = x[i];
    for (size_t k = i + 1; k < n; k++)
      v -= L[k * n + i] * x[k];
    x[i] = v / L[i * n + i];
  }
}
