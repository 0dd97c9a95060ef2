#include "quant/asymmetric.h"

#include <cblas.h>

#include "core/error.h"

namespace gptqt::quant {

std::vector<float> asymmetric_target(const float* w, int rows, const std::vector<float>& drift,
                                     const GptqFactor& f) {
  const int n = f.cols;
  GPTQT_CHECK(drift.size() == size_t(n) * size_t(n), "internal: a drift term of {} values for {} inputs",
              drift.size(), n);
  std::vector<float> target(w, w + size_t(rows) * size_t(n));
  if (!f.ok) return target;
  // M = D·Wᵀ (n × rows), its rows put in the factor's processing order.
  std::vector<float> m(size_t(n) * size_t(rows)), mp(m.size());
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, n, 1.f, drift.data(), n, w, n, 0.f, m.data(), rows);
  for (int i = 0; i < n; ++i)
    std::copy_n(&m[size_t(f.perm[size_t(i)]) * rows], rows, &mp[size_t(i) * rows]);
  // Z = UᵀU·M = H_d⁻¹·M.
  cblas_strmm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, n, rows, 1.f, f.u.data(), n, mp.data(),
              rows);
  cblas_strmm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, n, rows, 1.f, f.u.data(), n, mp.data(),
              rows);
  // W* = W + Zᵀ, back in the original column order.
  for (int i = 0; i < n; ++i) {
    const float* z = &mp[size_t(i) * rows];
    const size_t col = size_t(f.perm[size_t(i)]);
    for (int r = 0; r < rows; ++r) target[size_t(r) * n + col] += z[r];
  }
  return target;
}

}  // namespace gptqt::quant
