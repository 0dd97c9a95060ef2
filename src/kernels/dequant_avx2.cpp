// AVX2 dequantize kernels: 8 codes per vector.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/dequant_kernels.h"
#include "kernels/parallel.h"

namespace gptqt::kernels::detail {

namespace {

// Codes 8k .. 8k+7 (k < 4) of a packed block as floats. Their 8·B bits start at
// byte B·k of the block; one broadcast dword load fetches them (k = 3 of 2- and
// 3-bit blocks reads the block's last dword and shifts further, so no load leaves
// the block) and vpsrlvd moves code i to the bottom of lane i.
template <int B>
__m256 codes_f32(const uint32_t* block, int k) {
  const int byte = std::min(B * k, 4 * (B - 1));
  int32_t dword;
  std::memcpy(&dword, reinterpret_cast<const char*>(block) + byte, 4);
  const __m256i shifts = _mm256_add_epi32(_mm256_setr_epi32(0, B, 2 * B, 3 * B, 4 * B, 5 * B, 6 * B, 7 * B),
                                          _mm256_set1_epi32(8 * (B * k - byte)));
  const __m256i codes = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(dword), shifts),
                                         _mm256_set1_epi32((1 << B) - 1));
  return _mm256_cvtepi32_ps(codes);
}

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// Row r for vectors v0 .. v0+NB-1.
template <int B, int NB>
void row_vectors(const LinearMatrixView& w, int r, const float* Xpad, const float* gsum, int v0, float* Y) {
  constexpr int C = NB >= 4 ? 1 : 4 / NB;  // independent FMA chains per vector
  const QuantShape s = w.shape();
  const int padded = s.padded_cols();
  const int n_groups = s.n_groups();
  const uint32_t* row = w.row(r);
  __m256 tot[NB] = {};
  float corr[NB] = {};
  for (int g = 0; g < n_groups; ++g) {
    __m256 acc[NB][C] = {};
    for (int b = s.group_block_begin(g); b < s.group_block_end(g); ++b) {
      const uint32_t* block = row + b * B;
      // -O2 keeps short loops rolled; fully unrolled (the "unroll" pragmas), the
      // accumulator arrays indexed by them stay in registers.
      #pragma GCC unroll 16
      for (int k = 0; k < 4; ++k) {
        const __m256 q = codes_f32<B>(block, k);
        #pragma GCC unroll 16
        for (int v = 0; v < NB; ++v) {
          const float* x = Xpad + int64_t(v0 + v) * padded + b * kBlockCols + 8 * k;
          acc[v][k % C] = _mm256_fmadd_ps(q, _mm256_load_ps(x), acc[v][k % C]);
        }
      }
    }
    const float sc = w.scale_at(g, r), z = w.zero_at(g, r);
    #pragma GCC unroll 16
    for (int v = 0; v < NB; ++v) {
      __m256 a = acc[v][0];
      #pragma GCC unroll 16
      for (int c = 1; c < C; ++c) a = _mm256_add_ps(a, acc[v][c]);
      tot[v] = _mm256_fmadd_ps(a, _mm256_set1_ps(sc), tot[v]);
      corr[v] += sc * z * gsum[size_t(v0 + v) * n_groups + g];
    }
  }
  #pragma GCC unroll 16
  for (int v = 0; v < NB; ++v) Y[int64_t(v0 + v) * w.rows + r] = hsum(tot[v]) - corr[v];
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
  for (int r = 0; r < w.rows; ++r) row_all_vectors<B, 4>(w, r, Xpad, gsum, batch, 0, Y);
}

template <int B>
void dequantize_linear_bits(const LinearMatrixView& w, int r0, int r1, float* out) {
  const QuantShape s = w.shape();
#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(r1 - r0) * w.cols * 4))
  for (int r = r0; r < r1; ++r) {
    float* o = out + int64_t(r - r0) * w.cols;
    for (int b = 0; b < s.blocks(); ++b) {
      const uint32_t* block = w.row(r) + b * B;
      const int g = s.group_of(b * kBlockCols);
      const __m256 sc = _mm256_set1_ps(w.scale_at(g, r)), z = _mm256_set1_ps(w.zero_at(g, r));
      for (int k = 0; k < 4; ++k) {
        const int c = b * kBlockCols + 8 * k;
        if (c >= w.cols) break;
        const __m256 v = _mm256_mul_ps(sc, _mm256_sub_ps(codes_f32<B>(block, k), z));
        if (c + 8 <= w.cols) {
          _mm256_storeu_ps(o + c, v);
        } else {
          alignas(32) float tmp[8];
          _mm256_store_ps(tmp, v);
          std::copy_n(tmp, w.cols - c, o + c);
        }
      }
    }
  }
}

}  // namespace

void dequant_gemm_avx2(const LinearMatrixView& w, const float* Xpad, const float* gsum, int batch, float* Y) {
  switch (w.bits) {
    case 2: return gemm_bits<2>(w, Xpad, gsum, batch, Y);
    case 3: return gemm_bits<3>(w, Xpad, gsum, batch, Y);
    default: return gemm_bits<4>(w, Xpad, gsum, batch, Y);
  }
}

void dequantize_rows_avx2(const LinearMatrixView& w, int r0, int r1, float* out) {
  switch (w.bits) {
    case 2: return dequantize_linear_bits<2>(w, r0, r1, out);
    case 3: return dequantize_linear_bits<3>(w, r0, r1, out);
    default: return dequantize_linear_bits<4>(w, r0, r1, out);
  }
}

void dequantize_rows_avx2(const BcqMatrixView& w, int r0, int r1, float* out) {
  const QuantShape s = w.shape();
  // Lane i of an 8-column step tests bit i of the step's sign byte.
  const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
#pragma omp parallel for schedule(guided) if (worth_threads(int64_t(r1 - r0) * w.cols * 4))
  for (int r = r0; r < r1; ++r) {
    float* o = out + int64_t(r - r0) * w.cols;
    for (int g = 0; g < s.n_groups(); ++g) {
      __m256 plus[4], minus[4];
      for (int j = 0; j < w.bits; ++j) {
        plus[j] = _mm256_set1_ps(w.alpha_at(g, j, r));
        minus[j] = _mm256_set1_ps(-w.alpha_at(g, j, r));
      }
      const __m256 offset = _mm256_set1_ps(w.offset_at(g, r));
      for (int c = s.group_begin(g); c < s.group_end(g); c += 8) {
        // Same additions in the same order as the scalar path: bit-identical output.
        __m256 v = offset;
        for (int j = 0; j < w.bits; ++j) {
          const uint32_t byte = (w.plane_row(j, r)[c / 32] >> (c % 32)) & 0xFF;
          const __m256i set = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(byte)), lane_bit), lane_bit);
          v = _mm256_add_ps(v, _mm256_blendv_ps(minus[j], plus[j], _mm256_castsi256_ps(set)));
        }
        if (c + 8 <= w.cols) {
          _mm256_storeu_ps(o + c, v);
        } else {
          alignas(32) float tmp[8];
          _mm256_store_ps(tmp, v);
          std::copy_n(tmp, w.cols - c, o + c);
        }
      }
    }
  }
}

}  // namespace gptqt::kernels::detail
