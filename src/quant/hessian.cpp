#include "quant/hessian.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace gptqt::quant {

HessianAccumulator::HessianAccumulator(int cols) : cols_(cols) {
  GPTQT_CHECK(cols > 0, "hessian: bad number of columns {}", cols);
  sum_.assign(size_t(cols) * cols, 0.f);
}

void HessianAccumulator::add_panel(const float* x, long tokens, int row0, int row1) {
  const int n = cols_;
  GPTQT_CHECK(!sum_.empty(), "internal: the Hessian was already taken");
  GPTQT_CHECK(tokens >= 0 && 0 <= row0 && row0 < row1 && row1 <= n, "hessian: bad panel {}..{} of {} tokens", row0,
              row1, tokens);
  if (tokens == 0) return;
  // Rows row0..row1 of xᵀx from the diagonal on (the square at the diagonal in full: the
  // few wasted products keep this one sgemm).
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, row1 - row0, n - row0, int(tokens), 1.f, x + row0, n, x + row0,
              n, 1.f, panel(row0), n);
  // Any NaN/Inf activation reaches the diagonal (x_i² or NaN); checking it is O(rows).
  for (int i = row0; i < row1; ++i)
    GPTQT_CHECK(std::isfinite(sum_[size_t(i) * n + i]), "hessian: non-finite activations in input column {}", i);
}

void HessianAccumulator::add(const float* x, long tokens, int part, int parts) {
  GPTQT_CHECK(tokens >= 0 && 0 <= part && part < parts, "hessian: bad call ({} tokens, part {} of {})", tokens, part,
              parts);
  for (int p = 0, row0 = 0; row0 < cols_; ++p, row0 += kPanelRows)
    if (p % parts == part) add_panel(x, tokens, row0, std::min(row0 + kPanelRows, cols_));
  n_ += tokens;
}

std::vector<float> HessianAccumulator::take_hessian() {
  GPTQT_CHECK(n_ > 0, "hessian: no calibration tokens were added");
  GPTQT_CHECK(!sum_.empty(), "internal: the Hessian was already taken");
  const size_t n = size_t(cols_);
  const float f = float(2.0 / double(n_));
  std::vector<float> h = std::move(sum_);
  sum_ = {};
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < n; ++j) h[i * n + j] *= f;
  // The lower triangle from the upper, tile by tile (a column walk of a 3 GB matrix
  // would miss the cache on every element).
  constexpr size_t kTile = 64;
  for (size_t i0 = 0; i0 < n; i0 += kTile)
    for (size_t j0 = 0; j0 <= i0; j0 += kTile)
      for (size_t i = i0; i < std::min(i0 + kTile, n); ++i)
        for (size_t j = j0; j < std::min(j0 + kTile, i); ++j) h[i * n + j] = h[j * n + i];
  return h;
}

}  // namespace gptqt::quant
