#include "kernels/int8_gemv.h"

#include <algorithm>
#include <cmath>

#include "core/cpu_features.h"
#include "kernels/parallel.h"

namespace gptqt::kernels {

Int8Matrix quantize_int8(const float* W, int rows, int cols) {
  Int8Matrix m;
  m.rows = rows;
  m.cols = cols;
  const int nb = m.blocks();
  m.q.assign(size_t(rows) * nb * 32, 0);
  m.scale.assign(size_t(rows) * nb, 0.f);
#pragma omp parallel for schedule(static) if (int64_t(rows) * cols > (1 << 20))
  for (int r = 0; r < rows; ++r)
    for (int b = 0; b < nb; ++b) {
      const float* w = W + int64_t(r) * cols + b * 32;
      const int n = std::min(32, cols - b * 32);
      float amax = 0.f;
      for (int i = 0; i < n; ++i) amax = std::max(amax, std::abs(w[i]));
      const float s = amax / 127.f;
      m.scale[size_t(r) * nb + b] = s;
      int8_t* q = &m.q[(size_t(r) * nb + b) * 32];
      for (int i = 0; i < n; ++i) q[i] = s > 0 ? int8_t(std::lround(w[i] / s)) : 0;
    }
  return m;
}

void int8_dequantize_row(const Int8Matrix& w, int r, float* out) {
  const int nb = w.blocks();
  const int8_t* q = w.q.data() + size_t(r) * nb * 32;
  const float* s = w.scale.data() + size_t(r) * nb;
  for (int c = 0; c < w.cols; ++c) out[c] = s[c / 32] * float(q[c]);
}

void int8_gemv_reference(const Int8Matrix& w, const float* x, float* y) {
  const int nb = w.blocks();
  for (int r = 0; r < w.rows; ++r) {
    double acc = 0;
    for (int b = 0; b < nb; ++b) {
      double s = 0;
      for (int i = 0; i < 32 && b * 32 + i < w.cols; ++i) s += double(w.q[(size_t(r) * nb + b) * 32 + i]) * x[b * 32 + i];
      acc += s * w.scale[size_t(r) * nb + b];
    }
    y[r] = float(acc);
  }
}

void int8_gemv(const Int8Matrix& w, const float* x, float* y) {
  if (active_isa() < Isa::avx2) return int8_gemv_reference(w, x, y);
  std::vector<float> xpad(size_t(w.blocks()) * 32, 0.f);  // the kernel reads whole blocks
  std::copy(x, x + w.cols, xpad.begin());
  constexpr int kChunk = 64;
  const int chunks = (w.rows + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (worth_threads(int64_t(w.q.size())))
  for (int i = 0; i < chunks; ++i)
    detail::int8_gemv_rows_avx2(w, xpad.data(), y, i * kChunk, std::min(w.rows, (i + 1) * kChunk));
}

}  // namespace gptqt::kernels
