#include "quant/hessian_inverse.h"

#include <lapacke.h>

#include <cmath>
#include <utility>

#include "core/error.h"

namespace gptqt::quant {

namespace {

// U with H⁻¹ = UᵀU, without forming H⁻¹ (the reference inverts, then factors again).
// Let J reverse the index order and JHJ = L Lᵀ (lower Cholesky). Then
//   H⁻¹ = J L⁻ᵀ L⁻¹ J = (J L⁻¹ J)ᵀ (J L⁻¹ J),
// and J L⁻¹ J is upper triangular with a positive diagonal: by uniqueness it is the upper
// Cholesky factor of H⁻¹. Cost: one potrf + one trtri (2n³/3) instead of potrf + potri +
// potrf (4n³/3). `a` holds the damped H on entry and U on success.
bool inverse_cholesky_in_place(std::vector<double>& a, int n) {
  // Reverse both indices: a 180° rotation of the row-major array.
  const size_t nn = size_t(n) * n;
  for (size_t i = 0; i < nn / 2; ++i) std::swap(a[i], a[nn - 1 - i]);
  // The buffer read column-major is the transpose, i.e. the same symmetric matrix, so the
  // column-major 'U' factor Uc = Lᵀ lands in the row-major lower triangle as L: no copies.
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, a.data(), n) != 0) return false;
  if (LAPACKE_dtrtri(LAPACK_COL_MAJOR, 'U', 'N', n, a.data(), n) != 0) return false;
  for (size_t i = 0; i < nn / 2; ++i) std::swap(a[i], a[nn - 1 - i]);
  // The row-major upper triangle now holds J L⁻¹ J; clear the stale lower part.
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < i; ++j) a[size_t(i) * n + j] = 0;
    for (int j = i; j < n; ++j)
      if (!std::isfinite(a[size_t(i) * n + j])) return false;
    if (!(a[size_t(i) * n + i] > 0)) return false;
  }
  return true;
}

}  // namespace

InverseCholesky damped_inverse_cholesky(const double* h, int n, double damp, int max_tries) {
  GPTQT_CHECK(n > 0 && max_tries >= 1 && damp >= 0 && std::isfinite(damp),
              "damped inverse Cholesky: bad arguments n={} damp={} max_tries={}", n, damp, max_tries);
  double mean_diag = 0;
  for (int i = 0; i < n; ++i) mean_diag += h[size_t(i) * n + i];
  mean_diag /= n;
  InverseCholesky out;
  double lambda = damp;
  for (int t = 1; t <= max_tries; ++t, lambda *= 10) {
    out.damp = lambda, out.tries = t;
    out.u.assign(h, h + size_t(n) * n);
    for (int i = 0; i < n; ++i) out.u[size_t(i) * n + i] += lambda * mean_diag;
    if (inverse_cholesky_in_place(out.u, n)) {
      out.ok = true;
      return out;
    }
  }
  out.u.clear();
  return out;
}

}  // namespace gptqt::quant
