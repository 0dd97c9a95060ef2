// AVX-512 micro-kernel of f32_gemm.h: 8 rows × 32 columns of C in 16 registers, per
// k two loads of packed B and a broadcast of each row's A, 16 fma.
#if defined(__GNUC__) && !defined(__clang__)  // GCC PR 105593, as in dequant_avx512.cpp
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "kernels/f32_gemm.h"

namespace gptqt::kernels::detail {

namespace {

constexpr int kNr = kF32GemmAvx512Cols;

__mmask16 columns_mask(int cols) { return cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1); }

template <int R>
void tile(int depth, const float* a, int64_t lda, const float* b, float* C, int64_t ldc, int cols, bool accumulate,
          float scale) {
  const __mmask16 m0 = columns_mask(cols), m1 = columns_mask(cols > 16 ? cols - 16 : 0);
  __m512 acc[R][2];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    acc[i][0] = accumulate ? _mm512_maskz_loadu_ps(m0, C + i * ldc) : _mm512_setzero_ps();
    acc[i][1] = accumulate ? _mm512_maskz_loadu_ps(m1, C + i * ldc + 16) : _mm512_setzero_ps();
  }
  const float* row[R];
  for (int i = 0; i < R; ++i) row[i] = a + i * lda;
  for (int k = 0; k < depth; ++k) {
    const __m512 b0 = _mm512_load_ps(b + k * kNr), b1 = _mm512_load_ps(b + k * kNr + 16);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const __m512 x = _mm512_set1_ps(row[i][k]);
      acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
    }
  }
  const __m512 s = _mm512_set1_ps(scale);
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    _mm512_mask_storeu_ps(C + i * ldc, m0, _mm512_mul_ps(acc[i][0], s));
    _mm512_mask_storeu_ps(C + i * ldc + 16, m1, _mm512_mul_ps(acc[i][1], s));
  }
}

}  // namespace

void f32_gemm_tile_avx512(int depth, const float* a, int64_t lda, const float* b, float* C, int64_t ldc, int rows,
                          int cols, bool accumulate, float scale) {
  with_rows<kF32GemmAvx512Rows>(rows, [&]<int R>() { tile<R>(depth, a, lda, b, C, ldc, cols, accumulate, scale); });
}

}  // namespace gptqt::kernels::detail
