#include <immintrin.h>

#include <cstdint>

#include "kernels/f32_gemv.h"

namespace gptqt::kernels::detail {

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// Four rows at a time share each load of x.
void f32_gemv_rows_avx2(const float* W, int cols, const float* x, float* y, int r0, int r1) {
  int r = r0;
  for (; r + 4 <= r1; r += 4) {
    const float* w0 = W + int64_t(r) * cols;
    const float *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int c = 0;
    for (; c + 8 <= cols; c += 8) {
      __m256 xv = _mm256_loadu_ps(x + c);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), xv, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c), xv, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c), xv, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c), xv, a3);
    }
    float s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
    for (; c < cols; ++c) {
      s0 += w0[c] * x[c];
      s1 += w1[c] * x[c];
      s2 += w2[c] * x[c];
      s3 += w3[c] * x[c];
    }
    y[r] = s0, y[r + 1] = s1, y[r + 2] = s2, y[r + 3] = s3;
  }
  for (; r < r1; ++r) {
    const float* w = W + int64_t(r) * cols;
    __m256 a = _mm256_setzero_ps();
    int c = 0;
    for (; c + 8 <= cols; c += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(w + c), _mm256_loadu_ps(x + c), a);
    float s = hsum(a);
    for (; c < cols; ++c) s += w[c] * x[c];
    y[r] = s;
  }
}

}  // namespace gptqt::kernels::detail
