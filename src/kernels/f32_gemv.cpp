#include "kernels/f32_gemv.h"

#include <algorithm>
#include <cstdint>

#include "core/cpu_features.h"
#include "core/half.h"
#include "kernels/parallel.h"

namespace gptqt::kernels {

namespace {

inline float value(float x) { return x; }
inline float value(uint16_t h) { return f16_to_f32(h); }

template <class E>
void rows_dot(const E* W, int64_t ld, int rows, int cols, const float* X, int m, float scale, float* Y, int64_t ldy) {
  if (active_isa() >= Isa::avx2) return detail::f32_rows_dot_avx2(W, ld, rows, cols, X, m, scale, Y, ldy);
  for (int r = 0; r < rows; ++r)
    for (int v = 0; v < m; ++v) {
      const E* w = W + int64_t(r) * ld;
      const float* x = X + int64_t(v) * cols;
      float s = 0.f;
      for (int c = 0; c < cols; ++c) s += value(w[c]) * x[c];
      Y[v * ldy + r] = s * scale;
    }
}

template <class E>
void rows_combine(const E* W, int64_t ld, int rows, int cols, const float* P, int64_t ldp, int m, float* Y) {
  if (active_isa() >= Isa::avx2) return detail::f32_rows_combine_avx2(W, ld, rows, cols, P, ldp, m, Y);
  std::fill_n(Y, int64_t(m) * cols, 0.f);
  for (int r = 0; r < rows; ++r)
    for (int v = 0; v < m; ++v)
      for (int c = 0; c < cols; ++c) Y[int64_t(v) * cols + c] += P[v * ldp + r] * value(W[int64_t(r) * ld + c]);
}

}  // namespace

void f32_rows_dot(const float* W, int64_t ld, int rows, int cols, const float* X, int m, float scale, float* Y,
                  int64_t ldy) {
  rows_dot(W, ld, rows, cols, X, m, scale, Y, ldy);
}
void f32_rows_dot(const uint16_t* W, int64_t ld, int rows, int cols, const float* X, int m, float scale, float* Y,
                  int64_t ldy) {
  rows_dot(W, ld, rows, cols, X, m, scale, Y, ldy);
}
void f32_rows_combine(const float* W, int64_t ld, int rows, int cols, const float* P, int64_t ldp, int m, float* Y) {
  rows_combine(W, ld, rows, cols, P, ldp, m, Y);
}
void f32_rows_combine(const uint16_t* W, int64_t ld, int rows, int cols, const float* P, int64_t ldp, int m,
                      float* Y) {
  rows_combine(W, ld, rows, cols, P, ldp, m, Y);
}

void f32_gemv(const float* W, int rows, int cols, const float* x, float* y) {
  constexpr int kChunk = 16;
  const int chunks = (rows + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (worth_threads(int64_t(rows) * cols * 4))
  for (int i = 0; i < chunks; ++i) {
    const int r0 = i * kChunk, r1 = std::min(rows, r0 + kChunk);
    f32_rows_dot(W + int64_t(r0) * cols, cols, r1 - r0, cols, x, 1, 1.f, y + r0, rows);
  }
}

}  // namespace gptqt::kernels
