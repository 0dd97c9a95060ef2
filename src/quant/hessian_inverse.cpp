#include "quant/hessian_inverse.h"

#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.h"

namespace gptqt::quant {

namespace {

// Reverses both indices: a 180° rotation of the row-major array.
void rotate(std::vector<float>& a) { std::reverse(a.begin(), a.end()); }

// U with H⁻¹ = UᵀU, without forming H⁻¹ (the reference inverts, then factors again).
// Let J reverse the index order and JHJ = L Lᵀ (lower Cholesky). Then
//   H⁻¹ = J L⁻ᵀ L⁻¹ J = (J L⁻¹ J)ᵀ (J L⁻¹ J),
// and J L⁻¹ J is upper triangular with a positive diagonal: by uniqueness it is the upper
// Cholesky factor of H⁻¹. Cost: one potrf + one trtri (2n³/3) instead of potrf + potri +
// potrf (4n³/3). `a` holds the rotated damped H; the row-major lower triangle receives
// J L⁻¹ J rotated, the strict upper one is left as it was.
bool factor_lower(std::vector<float>& a, int n) {
  // The buffer read column-major is the transpose, i.e. the same symmetric matrix, so the
  // column-major 'U' factor Uc = Lᵀ lands in the row-major lower triangle as L.
  if (LAPACKE_spotrf(LAPACK_COL_MAJOR, 'U', n, a.data(), n) != 0) return false;
  if (LAPACKE_strtri(LAPACK_COL_MAJOR, 'U', 'N', n, a.data(), n) != 0) return false;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j <= i; ++j)
      if (!std::isfinite(a[size_t(i) * n + j])) return false;
    if (!(a[size_t(i) * n + i] > 0)) return false;
  }
  return true;
}

}  // namespace

InverseCholesky damped_inverse_cholesky(std::vector<float>& a, int n, double damp, int max_tries) {
  GPTQT_CHECK(n > 0 && a.size() == size_t(n) * n && max_tries >= 1 && damp >= 0 && std::isfinite(damp),
              "damped inverse Cholesky: bad arguments n={} damp={} max_tries={}", n, damp, max_tries);
  std::vector<float> diag(static_cast<size_t>(n));
  double mean_diag = 0;
  for (int i = 0; i < n; ++i) mean_diag += diag[size_t(i)] = a[size_t(i) * n + i];
  mean_diag /= n;
  std::reverse(diag.begin(), diag.end());
  rotate(a);  // symmetric, so the strict upper triangle keeps H for another try
  InverseCholesky out;
  double lambda = damp;
  for (int t = 1; t <= max_tries; ++t, lambda *= 10) {
    out.damp = lambda, out.tries = t, out.added = lambda * mean_diag;
    if (t > 1)  // the failed try overwrote the lower triangle: restore it from the upper one
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < i; ++j) a[size_t(i) * n + j] = a[size_t(j) * n + i];
    for (int i = 0; i < n; ++i) a[size_t(i) * n + i] = float(double(diag[size_t(i)]) + out.added);
    if (factor_lower(a, n)) {
      out.ok = true;
      break;
    }
  }
  if (!out.ok) return out;
  rotate(a);  // J L⁻¹ J now sits in the upper triangle; clear the stale lower part
  for (int i = 0; i < n; ++i) std::fill_n(&a[size_t(i) * n], i, 0.f);
  return out;
}

}  // namespace gptqt::quant
