// AVX2 forms of the two steps of a Hadamard rotation (kernels/hadamard.h).
#include <immintrin.h>

#include "kernels/hadamard.h"

namespace gptqt::kernels::detail {

// In-place Walsh-Hadamard transform of len = 2^k >= 8 floats: the butterflies of
// span 1, 2 and 4 inside each 8-float register (a lane swap, then a ± by lane),
// the wider ones between registers.
void fwht_avx2(float* v, int len) {
  const __m256 s1 = _mm256_setr_ps(1, -1, 1, -1, 1, -1, 1, -1);
  const __m256 s2 = _mm256_setr_ps(1, 1, -1, -1, 1, 1, -1, -1);
  const __m256 s4 = _mm256_setr_ps(1, 1, 1, 1, -1, -1, -1, -1);
  for (int i = 0; i < len; i += 8) {
    __m256 x = _mm256_loadu_ps(v + i);
    x = _mm256_fmadd_ps(x, s1, _mm256_permute_ps(x, 0b10110001));  // lane j gets x[j^1] ± x[j]
    x = _mm256_fmadd_ps(x, s2, _mm256_permute_ps(x, 0b01001110));  // x[j^2] ± x[j]
    x = _mm256_fmadd_ps(x, s4, _mm256_permute2f128_ps(x, x, 1));   // x[j^4] ± x[j]
    _mm256_storeu_ps(v + i, x);
  }
  for (int h = 8; h < len; h *= 2)
    for (int i = 0; i < len; i += 2 * h)
      for (int j = i; j < i + h; j += 8) {
        const __m256 a = _mm256_loadu_ps(v + j), b = _mm256_loadu_ps(v + j + h);
        _mm256_storeu_ps(v + j, _mm256_add_ps(a, b));
        _mm256_storeu_ps(v + j + h, _mm256_sub_ps(a, b));
      }
}

// out chunk a = Σ_b mix[a][b] (transpose: mix[b][a]) · x chunk b, chunks of `chunk` % 8 == 0 floats.
void mix_chunks_avx2(const float* mix, int m, int chunk, bool transpose, const float* x, float* out) {
  for (int a = 0; a < m; ++a) {
    float* dst = out + size_t(a) * chunk;
    for (int j = 0; j < chunk; j += 32) {  // up to four registers of the output chunk at a time
      const int width = chunk - j < 32 ? chunk - j : 32;
      __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
      for (int b = 0; b < m; ++b) {
        const __m256 w = _mm256_set1_ps(transpose ? mix[size_t(b) * m + a] : mix[size_t(a) * m + b]);
        const float* src = x + size_t(b) * chunk + j;
        for (int r = 0; r < width / 8; ++r) acc[r] = _mm256_fmadd_ps(w, _mm256_loadu_ps(src + 8 * r), acc[r]);
      }
      for (int r = 0; r < width / 8; ++r) _mm256_storeu_ps(dst + j + 8 * r, acc[r]);
    }
  }
}

}  // namespace gptqt::kernels::detail
