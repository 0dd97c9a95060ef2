#include <immintrin.h>

#include "kernels/read_bandwidth.h"

namespace gptqt::kernels::detail {

float sum_floats_avx512(const float* a, int64_t n, int prefetch_bytes) {
  float total = 0.f;
#pragma omp parallel reduction(+ : total)
  {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; i += 64) {  // 4 lines
      if (prefetch_bytes > 0)
        for (int line = 0; line < 4; ++line)
          _mm_prefetch(reinterpret_cast<const char*>(a + i + 16 * line) + prefetch_bytes, _MM_HINT_T0);
      s0 = _mm512_add_ps(s0, _mm512_load_ps(a + i));
      s1 = _mm512_add_ps(s1, _mm512_load_ps(a + i + 16));
      s2 = _mm512_add_ps(s2, _mm512_load_ps(a + i + 32));
      s3 = _mm512_add_ps(s3, _mm512_load_ps(a + i + 48));
    }
    // Not _mm512_reduce_add_ps: GCC 12's version warns of an uninitialized operand.
    alignas(64) float part[16];
    _mm512_store_ps(part, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    for (float p : part) total += p;
  }
  return total;
}

}  // namespace gptqt::kernels::detail
