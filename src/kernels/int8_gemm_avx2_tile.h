// The AVX2 int8 GEMM tile kernel, shared by int8_gemm_avx2.cpp (maddubs) and
// int8_gemm_avxvnni.cpp (AVX-VNNI's vpdpbusd: uint8 × int8 quads summed straight
// into int32, one instruction per 8 rows × token × 4 columns, narrow or not).
// Include only from those files.
//
// A register tile of 32 rows × 2 tokens. Per quad of columns, four
// 256-bit loads (8 rows' 4 codes each), one broadcast of each token's 4 activations,
// and maddubs (uint8 codes × int8 activations → pairs in int16). Narrow tiles
// (linear grids) add the pairs up in int16 over a whole block and widen once per
// block; the others widen every quad (madd with ones → int32), a token at a time
// (their extra registers would not leave room for two; with VNNI there are none).
//
// 32 rows × 2 tokens (docs/kernels.md, "Int8 GEMM"): 8 accumulators, 4 codes and 2
// broadcasts fill the 16 registers without a spill, and a spilled accumulator chains
// its quads through memory.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/int8_gemm_kernels.h"

namespace gptqt::kernels::detail::avx2 {

constexpr int kRegs = kInt8TileRows / 8;                  // row registers of 8 rows
constexpr int kQuadBytes = kInt8TileRows * kInt8Quad;     // one quad of the tile
constexpr int kBlockQuads = kInt8BlockCols / kInt8Quad;

// acc[r][t] += the products of quads [q0, q0 + n) (n = Quads when Quads > 0): int16
// pair sums for narrow tiles, int32 for the others.
template <bool Vnni, int NT, bool Narrow, int Quads>
inline void block_products(const uint8_t* tile_codes, const int8_t* const* a, int q0, int n,
                           __m256i (&acc)[kRegs][NT]) {
  if constexpr (Quads > 0) n = Quads;
#pragma GCC unroll 8
  for (int q = q0; q < q0 + n; ++q) {
    const uint8_t* codes = tile_codes + size_t(q) * kQuadBytes;
    __m256i w[kRegs];
#pragma GCC unroll 4
    for (int r = 0; r < kRegs; ++r) w[r] = _mm256_load_si256(reinterpret_cast<const __m256i*>(codes + 32 * r));
#pragma GCC unroll 2
    for (int t = 0; t < NT; ++t) {
      int32_t quad;
      std::memcpy(&quad, a[t] + q * kInt8Quad, sizeof quad);
      const __m256i bq = _mm256_set1_epi32(quad);
#pragma GCC unroll 4
      for (int r = 0; r < kRegs; ++r) {
        if constexpr (Vnni) {
          acc[r][t] = _mm256_dpbusd_avx_epi32(acc[r][t], w[r], bq);
        } else {
          const __m256i pairs = _mm256_maddubs_epi16(w[r], bq);
          acc[r][t] = Narrow ? _mm256_add_epi16(acc[r][t], pairs)
                             : _mm256_add_epi32(acc[r][t], _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
        }
        // Keeps the products in program order: scheduled all at once, their
        // temporaries would push an accumulator out of the registers.
        __asm__ volatile("" : "+x"(acc[r][t]));
      }
    }
  }
}

// add_outlier_products, 8 rows at a time: the codes of column `col` are byte col%4
// of each row's 32-bit lane in its quad. The same fp32 operations in the same order.
inline void outlier_products(const Int8Tile& tile, const Int8Activations& x, int t, float* y) {
  for (int o = 0; o < x.n_outliers[size_t(t)]; ++o) {
    const ActivationOutlier& out = x.token_outliers(t)[o];
    const uint8_t* codes = tile.codes.data() + size_t(out.col / kInt8Quad) * kQuadBytes;
    const float* s = tile.scale.data() + size_t(out.col / tile.group_cols) * kInt8TileRows;
    const __m128i shift = _mm_cvtsi32_si128(8 * (out.col % kInt8Quad));
    const __m256 value = _mm256_set1_ps(out.value);
#pragma GCC unroll 4
    for (int r = 0; r < kRegs; ++r) {
      const __m256i lanes = _mm256_load_si256(reinterpret_cast<const __m256i*>(codes + 32 * r));
      const __m256i code = _mm256_and_si256(_mm256_srl_epi32(lanes, shift), _mm256_set1_epi32(0xFF));
      const __m256 w = _mm256_mul_ps(_mm256_loadu_ps(s + 8 * r),
                                     _mm256_cvtepi32_ps(_mm256_sub_epi32(code, _mm256_set1_epi32(tile.centre))));
      _mm256_store_ps(y + 8 * r, _mm256_fmadd_ps(value, w, _mm256_load_ps(y + 8 * r)));
    }
  }
}

template <bool Vnni, int NT, bool Narrow>
void tokens(const Int8Tile& tile, const Int8Activations& x, int t0, float* Y, int ldy) {
  // The fp32 sums (y, and z of the current group) live in memory, touched once per
  // block: the integer accumulators, the codes and the broadcasts keep to the registers.
  alignas(32) float y[NT][kInt8TileRows], z[NT][kInt8TileRows];
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < kRegs; ++r) _mm256_store_ps(y[t] + 8 * r, _mm256_setzero_ps());
  const int8_t* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = x.q.data() + size_t(t0 + t) * x.padded_cols;
  for (int g = 0; g < tile.n_groups; ++g) {
    for (int t = 0; t < NT; ++t)
      for (int r = 0; r < kRegs; ++r) _mm256_store_ps(z[t] + 8 * r, _mm256_setzero_ps());
    for (int b = tile.block_begin(g); b < tile.block_end(g); ++b) {
      __m256i acc[kRegs][NT];
      for (int r = 0; r < kRegs; ++r)
        for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_setzero_si256();
      const int q0 = tile.quad_begin(b), quads = tile.quad_end(b) - q0;
      if (quads == kBlockQuads)  // a whole block: a fixed trip count the compiler unrolls
        block_products<Vnni, NT, Narrow, kBlockQuads>(tile.codes.data(), a, q0, quads, acc);
      else
        block_products<Vnni, NT, Narrow, 0>(tile.codes.data(), a, q0, quads, acc);
      for (int t = 0; t < NT; ++t) {
        const __m256 sigma = _mm256_set1_ps(x.scale[size_t(t0 + t) * x.n_blocks + b]);
#pragma GCC unroll 4
        for (int r = 0; r < kRegs; ++r) {
          const __m256i sum = Narrow && !Vnni ? _mm256_madd_epi16(acc[r][t], _mm256_set1_epi16(1)) : acc[r][t];
          _mm256_store_ps(z[t] + 8 * r, _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), sigma, _mm256_load_ps(z[t] + 8 * r)));
        }
      }
    }
    const size_t at = size_t(g) * kInt8TileRows;
    for (int t = 0; t < NT; ++t) {
      const size_t tg = size_t(t0 + t) * x.n_groups + g;
      const __m256 centre = _mm256_set1_ps(-float(tile.centre)), rounded = _mm256_set1_ps(x.rounded_group_sum[tg]);
      const __m256 gsum = _mm256_set1_ps(x.group_sum[tg]);
#pragma GCC unroll 4
      for (int r = 0; r < kRegs; ++r) {
        const __m256 centred = _mm256_fmadd_ps(centre, rounded, _mm256_load_ps(z[t] + 8 * r));
        const __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(tile.scale.data() + at + 8 * r), centred, _mm256_load_ps(y[t] + 8 * r));
        _mm256_store_ps(y[t] + 8 * r, _mm256_fmadd_ps(_mm256_loadu_ps(tile.offset.data() + at + 8 * r), gsum, v));
      }
    }
  }
  for (int t = 0; t < NT; ++t) {
    outlier_products(tile, x, t0 + t, y[t]);
    std::copy_n(y[t], tile.rows, Y + size_t(t0 + t) * ldy);
  }
}

// Tokens t0 .. t0+NT-1 through each of n tiles. With VNNI every tile sums in int32
// as it goes, so Narrow changes nothing there and every tile takes NT tokens at once
// (no widening registers).
template <bool Vnni, int NT>
void run_tokens(const Int8Tile* tiles, int n, const Int8Activations& x, int t0, float* Y, int ldy) {
  for (int k = 0; k < n; ++k) {
    float* y = Y + size_t(k) * kInt8TileRows;
    if (Vnni || tiles[k].narrow)
      tokens<Vnni, NT, true>(tiles[k], x, t0, y, ldy);
    else
      for (int t = 0; t < NT; ++t) tokens<Vnni, 1, false>(tiles[k], x, t0 + t, y, ldy);
  }
}

// Tokens outside, tiles inside: two tokens' activations stay in L1 for the run.
template <bool Vnni>
void tile_gemm(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy) {
  int t = 0;
  for (; t + 2 <= x.batch; t += 2) run_tokens<Vnni, 2>(tiles, n, x, t, Y, ldy);
  if (t < x.batch) run_tokens<Vnni, 1>(tiles, n, x, t, Y, ldy);
}

}  // namespace gptqt::kernels::detail::avx2
