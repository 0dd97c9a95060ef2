#include <immintrin.h>

#include "kernels/int8_gemv.h"

namespace gptqt::kernels::detail {

static inline __m256 i8x8_to_f32(const int8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

void int8_gemv_rows_avx2(const Int8Matrix& w, const float* xpad, float* y, int r0, int r1) {
  const int nb = w.blocks();
  for (int r = r0; r < r1; ++r) {
    const int8_t* q = &w.q[size_t(r) * nb * 32];
    const float* s = &w.scale[size_t(r) * nb];
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < nb; ++b, q += 32) {
      const float* x = xpad + b * 32;
      __m256 d = _mm256_mul_ps(i8x8_to_f32(q), _mm256_loadu_ps(x));
      d = _mm256_fmadd_ps(i8x8_to_f32(q + 8), _mm256_loadu_ps(x + 8), d);
      d = _mm256_fmadd_ps(i8x8_to_f32(q + 16), _mm256_loadu_ps(x + 16), d);
      d = _mm256_fmadd_ps(i8x8_to_f32(q + 24), _mm256_loadu_ps(x + 24), d);
      acc = _mm256_fmadd_ps(d, _mm256_set1_ps(s[b]), acc);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    y[r] = _mm_cvtss_f32(h);
  }
}

}  // namespace gptqt::kernels::detail
