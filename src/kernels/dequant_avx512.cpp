// AVX-512 dequantize kernels: 16 codes per vector. A packed block is expanded to 4
// dwords of 8 codes each as on AVX2; vpermd spreads two of them over the 16 lanes.
// GCC 12's avx512fintrin.h trips -W(maybe-)uninitialized inside its own helpers
// (GCC bug 105593); the warning says nothing about this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>

#include "kernels/dequant_kernels.h"
#include "kernels/parallel.h"

namespace gptqt::kernels::detail {

namespace {

// Dword k (k < 4) of the result holds codes 8k .. 8k+7 of the block, 8·B bits.
template <int B>
__m512i load_block(const uint32_t* block) {
  if constexpr (B == 4) {
    return _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block)));
  } else if constexpr (B == 3) {
    // A masked 12-byte load: the block may end the array.
    const __m128i v = _mm_maskz_loadu_epi32(0x7, block);
    return _mm512_castsi128_si512(
        _mm_shuffle_epi8(v, _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1)));
  } else {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(block));
    return _mm512_castsi128_si512(
        _mm_shuffle_epi8(v, _mm_setr_epi8(0, 1, -1, -1, 2, 3, -1, -1, 4, 5, -1, -1, 6, 7, -1, -1)));
  }
}

// Codes 16h .. 16h+15 of an expanded block (h < 2) as floats.
template <int B>
__m512 codes_f32(__m512i block, int h) {
  const __m512i shifts = _mm512_setr_epi32(0, B, 2 * B, 3 * B, 4 * B, 5 * B, 6 * B, 7 * B,  //
                                           0, B, 2 * B, 3 * B, 4 * B, 5 * B, 6 * B, 7 * B);
  const __m512i mask = _mm512_set1_epi32((1 << B) - 1);
  const __m512i pick = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  const __m512i dwords = _mm512_permutexvar_epi32(_mm512_add_epi32(pick, _mm512_set1_epi32(2 * h)), block);
  return _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srlv_epi32(dwords, shifts), mask));
}

// Row r for vectors v0 .. v0+NB-1.
template <int B, int NB>
void row_vectors(const LinearMatrixView& w, int r, const float* Xpad, const float* gsum, int v0, float* Y) {
  constexpr int C = NB >= 2 ? 1 : 2;  // independent FMA chains per vector
  const QuantShape s = w.shape();
  const int padded = s.padded_cols();
  const int n_groups = s.n_groups();
  const uint32_t* row = w.row(r);
  __m512 tot[NB] = {};
  float corr[NB] = {};
  for (int g = 0; g < n_groups; ++g) {
    __m512 acc[NB][C] = {};
    for (int b = s.group_block_begin(g); b < s.group_block_end(g); ++b) {
      const __m512i block = load_block<B>(row + b * B);
      // -O2 keeps short loops rolled; fully unrolled (the "unroll" pragmas), the
      // accumulator arrays indexed by them stay in registers.
      #pragma GCC unroll 16
      for (int h = 0; h < 2; ++h) {
        const __m512 q = codes_f32<B>(block, h);
        #pragma GCC unroll 16
        for (int v = 0; v < NB; ++v) {
          const float* x = Xpad + int64_t(v0 + v) * padded + b * kBlockCols + 16 * h;
          acc[v][h % C] = _mm512_fmadd_ps(q, _mm512_load_ps(x), acc[v][h % C]);
        }
      }
    }
    const float sc = w.scale_at(g, r), z = w.zero_at(g, r);
    #pragma GCC unroll 16
    for (int v = 0; v < NB; ++v) {
      __m512 a = acc[v][0];
      #pragma GCC unroll 16
      for (int c = 1; c < C; ++c) a = _mm512_add_ps(a, acc[v][c]);
      tot[v] = _mm512_fmadd_ps(a, _mm512_set1_ps(sc), tot[v]);
      corr[v] += sc * z * gsum[size_t(v0 + v) * n_groups + g];
    }
  }
  #pragma GCC unroll 16
  for (int v = 0; v < NB; ++v) Y[int64_t(v0 + v) * w.rows + r] = _mm512_reduce_add_ps(tot[v]) - corr[v];
}

// Vectors v0 .. batch-1 of row r, NB at a time.
template <int B, int NB>
void row_all_vectors(const LinearMatrixView& w, int r, const float* Xpad, const float* gsum, int batch, int v0,
                     float* Y) {
  for (; v0 + NB <= batch; v0 += NB) row_vectors<B, NB>(w, r, Xpad, gsum, v0, Y);
  if constexpr (NB > 1)
    if (v0 < batch) row_all_vectors<B, NB - 1>(w, r, Xpad, gsum, batch, v0, Y);
}

template <int B>
void gemm_bits(const LinearMatrixView& w, const float* Xpad, const float* gsum, int batch, float* Y) {
#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(batch) * w.rows * w.row_words() * 4))
  for (int r = 0; r < w.rows; ++r) row_all_vectors<B, 8>(w, r, Xpad, gsum, batch, 0, Y);
}

// Stores the first n (≤ 16) lanes.
void store_first(float* o, __m512 v, int n) {
  _mm512_mask_storeu_ps(o, __mmask16(n >= 16 ? 0xFFFF : (1u << n) - 1), v);
}

template <int B>
void dequantize_linear_bits(const LinearMatrixView& w, int r0, int r1, float* out) {
  const QuantShape s = w.shape();
#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(r1 - r0) * w.cols * 4))
  for (int r = r0; r < r1; ++r) {
    float* o = out + int64_t(r - r0) * w.cols;
    for (int b = 0; b < s.blocks(); ++b) {
      const __m512i block = load_block<B>(w.row(r) + b * B);
      const int g = s.group_of(b * kBlockCols);
      const __m512 sc = _mm512_set1_ps(w.scale_at(g, r)), z = _mm512_set1_ps(w.zero_at(g, r));
      for (int h = 0; h < 2; ++h) {
        const int c = b * kBlockCols + 16 * h;
        if (c >= w.cols) break;
        store_first(o + c, _mm512_mul_ps(sc, _mm512_sub_ps(codes_f32<B>(block, h), z)), w.cols - c);
      }
    }
  }
}

}  // namespace

void dequant_gemm_avx512(const LinearMatrixView& w, const float* Xpad, const float* gsum, int batch, float* Y) {
  switch (w.bits) {
    case 2: return gemm_bits<2>(w, Xpad, gsum, batch, Y);
    case 3: return gemm_bits<3>(w, Xpad, gsum, batch, Y);
    default: return gemm_bits<4>(w, Xpad, gsum, batch, Y);
  }
}

void dequantize_rows_avx512(const LinearMatrixView& w, int r0, int r1, float* out) {
  switch (w.bits) {
    case 2: return dequantize_linear_bits<2>(w, r0, r1, out);
    case 3: return dequantize_linear_bits<3>(w, r0, r1, out);
    default: return dequantize_linear_bits<4>(w, r0, r1, out);
  }
}

void dequantize_rows_avx512(const BcqMatrixView& w, int r0, int r1, float* out) {
  const QuantShape s = w.shape();
#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(r1 - r0) * w.cols * 4))
  for (int r = r0; r < r1; ++r) {
    float* o = out + int64_t(r - r0) * w.cols;
    for (int g = 0; g < s.n_groups(); ++g) {
      __m512 plus[4], minus[4];
      for (int j = 0; j < w.bits; ++j) {
        plus[j] = _mm512_set1_ps(w.alpha_at(g, j, r));
        minus[j] = _mm512_set1_ps(-w.alpha_at(g, j, r));
      }
      const __m512 offset = _mm512_set1_ps(w.offset_at(g, r));
      for (int c = s.group_begin(g); c < s.group_end(g); c += 16) {
        // Same additions in the same order as the scalar path: bit-identical output.
        __m512 v = offset;
        for (int j = 0; j < w.bits; ++j) {
          const __mmask16 set = __mmask16(w.plane_row(j, r)[c / 32] >> (c % 32));
          v = _mm512_add_ps(v, _mm512_mask_blend_ps(set, minus[j], plus[j]));
        }
        store_first(o + c, v, w.cols - c);
      }
    }
  }
}

}  // namespace gptqt::kernels::detail
