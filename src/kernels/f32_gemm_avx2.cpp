// AVX2 micro-kernel of f32_gemm.h: 6 rows × 16 columns of C in 12 registers, per k
// two loads of packed B and a broadcast of each row's A, 12 fma (16 registers in all).
#include <immintrin.h>

#include <algorithm>

#include "kernels/f32_gemm.h"

namespace gptqt::kernels::detail {

namespace {

constexpr int kNr = kF32GemmAvx2Cols;

// C's tile through `c` (ldc floats apart): C itself for whole tiles, a copy for
// the last columns.
template <int R>
void tile(int depth, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool accumulate, float scale) {
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    acc[i][0] = accumulate ? _mm256_loadu_ps(c + i * ldc) : _mm256_setzero_ps();
    acc[i][1] = accumulate ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_setzero_ps();
  }
  const float* row[R];
  for (int i = 0; i < R; ++i) row[i] = a + i * lda;
  for (int k = 0; k < depth; ++k) {
    const __m256 b0 = _mm256_load_ps(b + k * kNr), b1 = _mm256_load_ps(b + k * kNr + 8);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      const __m256 x = _mm256_broadcast_ss(row[i] + k);
      acc[i][0] = _mm256_fmadd_ps(x, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(x, b1, acc[i][1]);
    }
  }
  const __m256 s = _mm256_set1_ps(scale);
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(acc[i][0], s));
    _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(acc[i][1], s));
  }
}

template <int R>
void tile_or_copy(int depth, const float* a, int64_t lda, const float* b, float* C, int64_t ldc, int cols,
                  bool accumulate, float scale) {
  if (cols == kNr) return tile<R>(depth, a, lda, b, C, ldc, accumulate, scale);
  alignas(32) float part[R][kNr] = {};
  if (accumulate)
    for (int i = 0; i < R; ++i) std::copy_n(C + i * ldc, cols, part[i]);
  tile<R>(depth, a, lda, b, part[0], kNr, accumulate, scale);
  for (int i = 0; i < R; ++i) std::copy_n(part[i], cols, C + i * ldc);
}

}  // namespace

void f32_gemm_tile_avx2(int depth, const float* a, int64_t lda, const float* b, float* C, int64_t ldc, int rows,
                        int cols, bool accumulate, float scale) {
  with_rows<kF32GemmAvx2Rows>(rows,
                              [&]<int R>() { tile_or_copy<R>(depth, a, lda, b, C, ldc, cols, accumulate, scale); });
}

}  // namespace gptqt::kernels::detail
