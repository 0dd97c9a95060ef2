// AVX2 test for activation_outliers.cpp: the baseline build does not vectorize a
// float comparison reduction, and scanning every input one by one cost more than
// the int8 GEMM's whole activation quantization.
#include <immintrin.h>

#include "kernels/activation_outliers.h"

namespace gptqt::kernels::detail {

bool any_above_avx2(const float* x, int n, float limit) {
  const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF)), lim = _mm256_set1_ps(limit);
  __m256 above = _mm256_setzero_ps();
  int c = 0;
  for (; c + 8 <= n; c += 8)
    above = _mm256_or_ps(above, _mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(x + c), magnitude), lim, _CMP_GT_OQ));
  bool any = _mm256_movemask_ps(above) != 0;
  for (; c < n; ++c) any |= (x[c] < 0 ? -x[c] : x[c]) > limit;
  return any;
}

}  // namespace gptqt::kernels::detail
