#include <immintrin.h>

#include "kernels/exp_avx2.h"
#include "kernels/silu.h"

namespace gptqt::kernels::detail {

void silu_gated_avx2(float* x, const float* up, size_t n) {
  const __m256 one = _mm256_set1_ps(1.f), magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // σ(v) from e = exp(−|v|) ≤ 1, which never overflows: 1/(1+e) for v ≥ 0,
    // e/(1+e) for v < 0.
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 e = exp_neg(_mm256_xor_ps(_mm256_and_ps(v, magnitude), _mm256_set1_ps(-0.f)));
    const __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 sigma = _mm256_div_ps(_mm256_blendv_ps(one, e, negative), _mm256_add_ps(one, e));
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(v, sigma), _mm256_loadu_ps(up + i)));
  }
  silu_gated_reference(x + i, up + i, n - i);
}

}  // namespace gptqt::kernels::detail
