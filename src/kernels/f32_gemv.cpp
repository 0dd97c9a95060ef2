#include "kernels/f32_gemv.h"

#include <algorithm>
#include <cstdint>

#include "core/cpu_features.h"
#include "kernels/parallel.h"

namespace gptqt::kernels {

static void rows_scalar(const float* W, int cols, const float* x, float* y, int r0, int r1) {
  for (int r = r0; r < r1; ++r) {
    const float* w = W + int64_t(r) * cols;
    float s = 0.f;
    for (int c = 0; c < cols; ++c) s += w[c] * x[c];
    y[r] = s;
  }
}

void f32_gemv(const float* W, int rows, int cols, const float* x, float* y) {
  const bool simd = active_isa() >= Isa::avx2;
  constexpr int kChunk = 16;
  const int chunks = (rows + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (worth_threads(int64_t(rows) * cols * 4))
  for (int i = 0; i < chunks; ++i) {
    const int r0 = i * kChunk, r1 = std::min(rows, r0 + kChunk);
    if (simd)
      detail::f32_gemv_rows_avx2(W, cols, x, y, r0, r1);
    else
      rows_scalar(W, cols, x, y, r0, r1);
  }
}

}  // namespace gptqt::kernels
