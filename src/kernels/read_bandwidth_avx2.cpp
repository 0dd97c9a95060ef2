#include <immintrin.h>

#include "kernels/read_bandwidth.h"

namespace gptqt::kernels::detail {

float sum_floats_avx2(const float* a, int64_t n, int prefetch_bytes) {
  float total = 0.f;
#pragma omp parallel reduction(+ : total)
  {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; i += 64) {  // 4 lines
      if (prefetch_bytes > 0)
        for (int line = 0; line < 4; ++line)
          _mm_prefetch(reinterpret_cast<const char*>(a + i + 16 * line) + prefetch_bytes, _MM_HINT_T0);
      for (int half = 0; half < 64; half += 32) {
        s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i + half));
        s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + half + 8));
        s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + half + 16));
        s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + half + 24));
      }
    }
    alignas(32) float part[8];
    _mm256_store_ps(part, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (float p : part) total += p;
  }
  return total;
}

}  // namespace gptqt::kernels::detail
