// Small matrix helpers shared by RTN and the GPTQ solver.
#pragma once
#include <cmath>
#include <cstddef>

#include "core/error.h"

namespace gptqt::quant {

// dst (cols × rows) = srcᵀ, src rows × cols, both row-major; tiled to stay in cache.
template <typename T>
void transpose(const T* src, int rows, int cols, T* dst) {
  constexpr int kTile = 32;
  for (int r0 = 0; r0 < rows; r0 += kTile)
    for (int c0 = 0; c0 < cols; c0 += kTile)
      for (int r = r0; r < rows && r < r0 + kTile; ++r)
        for (int c = c0; c < cols && c < c0 + kTile; ++c) dst[size_t(c) * rows + r] = src[size_t(r) * cols + c];
}

// Throws gptqt::Error naming `what` and the first NaN/Inf element of a rows × cols matrix.
template <typename T>
void check_finite(const T* m, int rows, int cols, const char* what) {
  for (size_t i = 0, n = size_t(rows) * cols; i < n; ++i)
    if (!std::isfinite(m[i]))
      fail("{} has a non-finite value ({}) at row {}, column {}", what, double(m[i]), i / cols, i % cols);
}

}  // namespace gptqt::quant
