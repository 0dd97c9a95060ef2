#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/f32_gemv.h"

namespace gptqt::kernels::detail {

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// The eight sums of a[0..7] in one vector (lane i: the sum of a[i]).
static inline __m256 hsum8(const __m256* a) {
  const __m256 s01 = _mm256_hadd_ps(a[0], a[1]), s23 = _mm256_hadd_ps(a[2], a[3]);
  const __m256 s45 = _mm256_hadd_ps(a[4], a[5]), s67 = _mm256_hadd_ps(a[6], a[7]);
  const __m256 s0123 = _mm256_hadd_ps(s01, s23), s4567 = _mm256_hadd_ps(s45, s67);
  // s0123 = [0 1 2 3 | 0 1 2 3] halves of the sums (low and high 128-bit lanes), likewise s4567.
  return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

// Eight elements as fp32: floats, or fp16 bits widened by F16C.
static inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
static inline __m256 load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
static inline float value(float x) { return x; }
static inline float value(uint16_t h) { return _cvtsh_ss(h); }

// The dot products of rows r..r+7 with x, into s[0..7]: eight FMA chains in flight
// (with a head's 64 dimensions, one chain per row would wait on its latency).
template <class E>
static inline void dot8(const E* w, int64_t ld, int cols, const float* x, float* s) {
  __m256 a[8];
  #pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) a[i] = _mm256_setzero_ps();
  int c = 0;
  for (; c + 8 <= cols; c += 8) {
    const __m256 xv = _mm256_loadu_ps(x + c);
    #pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) a[i] = _mm256_fmadd_ps(load8(w + i * ld + c), xv, a[i]);
  }
  _mm256_storeu_ps(s, hsum8(a));
  for (; c < cols; ++c)
    for (int i = 0; i < 8; ++i) s[i] += value(w[i * ld + c]) * x[c];
}

// Eight rows at a time, every vector over them while they are in L1.
template <class E>
void f32_rows_dot_avx2(const E* W, int64_t ld, int rows, int cols, const float* X, int m, float scale, float* Y,
                       int64_t ldy) {
  int r = 0;
  for (; r + 8 <= rows; r += 8)
    for (int v = 0; v < m; ++v) {
      float s[8];
      dot8(W + int64_t(r) * ld, ld, cols, X + int64_t(v) * cols, s);
      for (int i = 0; i < 8; ++i) Y[v * ldy + r + i] = s[i] * scale;
    }
  for (; r < rows; ++r)
    for (int v = 0; v < m; ++v) {
      const E* w = W + int64_t(r) * ld;
      const float* x = X + int64_t(v) * cols;
      __m256 a = _mm256_setzero_ps();
      int c = 0;
      for (; c + 8 <= cols; c += 8) a = _mm256_fmadd_ps(load8(w + c), _mm256_loadu_ps(x + c), a);
      float s = hsum(a);
      for (; c < cols; ++c) s += value(w[c]) * x[c];
      Y[v * ldy + r] = s * scale;
    }
}

// 32 rows at a time, every vector over them while they are in L1; within them 64
// columns at a time, eight accumulators taking each row's broadcast weight.
template <class E>
void f32_rows_combine_avx2(const E* W, int64_t ld, int rows, int cols, const float* P, int64_t ldp, int m, float* Y) {
  std::fill_n(Y, int64_t(m) * cols, 0.f);
  constexpr int kRows = 32;
  for (int r0 = 0; r0 < rows; r0 += kRows) {
    const int r1 = std::min(rows, r0 + kRows);
    for (int v = 0; v < m; ++v) {
      const float* p = P + v * ldp;
      float* y = Y + int64_t(v) * cols;
      int c0 = 0;
      for (; c0 + 64 <= cols; c0 += 64) {
        __m256 acc[8];
        #pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) acc[k] = _mm256_loadu_ps(y + c0 + 8 * k);
        for (int r = r0; r < r1; ++r) {
          const __m256 pr = _mm256_set1_ps(p[r]);
          const E* w = W + int64_t(r) * ld + c0;
          #pragma GCC unroll 8
          for (int k = 0; k < 8; ++k) acc[k] = _mm256_fmadd_ps(pr, load8(w + 8 * k), acc[k]);
        }
        #pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) _mm256_storeu_ps(y + c0 + 8 * k, acc[k]);
      }
      for (; c0 + 8 <= cols; c0 += 8) {
        __m256 acc = _mm256_loadu_ps(y + c0);
        for (int r = r0; r < r1; ++r)
          acc = _mm256_fmadd_ps(_mm256_set1_ps(p[r]), load8(W + int64_t(r) * ld + c0), acc);
        _mm256_storeu_ps(y + c0, acc);
      }
      for (; c0 < cols; ++c0)
        for (int r = r0; r < r1; ++r) y[c0] += p[r] * value(W[int64_t(r) * ld + c0]);
    }
  }
}

template void f32_rows_dot_avx2(const float*, int64_t, int, int, const float*, int, float, float*, int64_t);
template void f32_rows_dot_avx2(const uint16_t*, int64_t, int, int, const float*, int, float, float*, int64_t);
template void f32_rows_combine_avx2(const float*, int64_t, int, int, const float*, int64_t, int, float*);
template void f32_rows_combine_avx2(const uint16_t*, int64_t, int, int, const float*, int64_t, int, float*);

}  // namespace gptqt::kernels::detail
