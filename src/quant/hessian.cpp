#include "quant/hessian.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace gptqt::quant {

// Tokens per ssyrk call: sums over a chunk are fp32 (twice the speed of dsyrk), the running
// sum across chunks is fp64, so the rounding error does not grow with the calibration size.
constexpr long kChunkTokens = 1024;

HessianAccumulator::HessianAccumulator(int cols) : cols_(cols) {
  GPTQT_CHECK(cols > 0, "hessian: bad number of columns {}", cols);
  sum_.assign(size_t(cols) * cols, 0.0);
  chunk_.resize(size_t(cols) * cols);
}

void HessianAccumulator::add(const float* x, long tokens) {
  GPTQT_CHECK(tokens >= 0, "hessian: negative token count {}", tokens);
  const int n = cols_;
  for (long t0 = 0; t0 < tokens; t0 += kChunkTokens) {
    const int k = int(std::min(kChunkTokens, tokens - t0));
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, 1.f, x + t0 * n, n, 0.f, chunk_.data(), n);
    // Any NaN/Inf activation reaches the diagonal (x_i² or NaN); checking it is O(cols).
    for (int i = 0; i < n; ++i)
      GPTQT_CHECK(std::isfinite(chunk_[size_t(i) * n + i]),
                  "hessian: non-finite activations in input column {} (tokens {}..{} of this batch)", i, t0,
                  t0 + k - 1);
    for (int i = 0; i < n; ++i)
      for (int j = i; j < n; ++j) sum_[size_t(i) * n + j] += chunk_[size_t(i) * n + j];
  }
  n_ += tokens;
}

std::vector<double> HessianAccumulator::hessian() const {
  GPTQT_CHECK(n_ > 0, "hessian: no calibration tokens were added");
  const int n = cols_;
  const double f = 2.0 / double(n_);
  std::vector<double> h(size_t(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = i; j < n; ++j) h[size_t(i) * n + j] = h[size_t(j) * n + i] = f * sum_[size_t(i) * n + j];
  return h;
}

}  // namespace gptqt::quant
