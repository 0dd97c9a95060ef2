// The AVX-512 int8 GEMM tile kernel, shared by int8_gemm_avx512.cpp (AVX-512BW:
// maddubs, as the AVX2 path) and int8_gemm_avx512vnni.cpp (vpdpbusd: uint8 × int8
// quads summed straight into int32, so every tile, narrow or not, takes one
// instruction per 16 rows × one token × 4 columns). Include only from those files.
//
// A register tile of 32 rows (two 512-bit registers of 16 rows × 4 codes) × 4
// tokens; otherwise the AVX2 kernel's structure and the same fp32 operations in the
// same order, so every path gives the scalar path's bits.
#pragma once
// GCC 12's AVX-512 intrinsics trip -Wmaybe-uninitialized on their own undefined
// operand (GCC PR 105593), as in dequant_avx512.cpp.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/int8_gemm_kernels.h"

namespace gptqt::kernels::detail::avx512 {

constexpr int kRegs = kInt8TileRows / 16;             // row registers of 16 rows
constexpr int kQuadBytes = kInt8TileRows * kInt8Quad;  // one quad of the tile
constexpr int kBlockQuads = kInt8BlockCols / kInt8Quad;

// The products of one quad into acc: int32 through vpdpbusd (Vnni), else int16 pair
// sums for narrow tiles and int32 for the others.
template <bool Vnni, bool Narrow>
inline __m512i add_products(__m512i acc, __m512i codes, __m512i quad) {
  if constexpr (Vnni) {
    return _mm512_dpbusd_epi32(acc, codes, quad);
  } else {
    const __m512i pairs = _mm512_maddubs_epi16(codes, quad);
    return Narrow ? _mm512_add_epi16(acc, pairs) : _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, _mm512_set1_epi16(1)));
  }
}

template <bool Vnni, bool Narrow, int NT, int Quads>
inline void block_products(const uint8_t* tile_codes, const int8_t* const* a, int q0, int n, __m512i (&acc)[kRegs][NT]) {
  if constexpr (Quads > 0) n = Quads;
#pragma GCC unroll 8
  for (int q = q0; q < q0 + n; ++q) {
    const uint8_t* codes = tile_codes + size_t(q) * kQuadBytes;
    __m512i w[kRegs];
    for (int r = 0; r < kRegs; ++r) w[r] = _mm512_load_si512(codes + 64 * r);
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t) {
      int32_t quad;
      std::memcpy(&quad, a[t] + q * kInt8Quad, sizeof quad);
      const __m512i bq = _mm512_set1_epi32(quad);
      for (int r = 0; r < kRegs; ++r) acc[r][t] = add_products<Vnni, Narrow>(acc[r][t], w[r], bq);
    }
  }
}

// add_outlier_products, 16 rows at a time (see the AVX2 kernel).
inline void outlier_products(const Int8Tile& tile, const Int8Activations& x, int t, float* y) {
  for (int o = 0; o < x.n_outliers[size_t(t)]; ++o) {
    const ActivationOutlier& out = x.token_outliers(t)[o];
    const uint8_t* codes = tile.codes.data() + size_t(out.col / kInt8Quad) * kQuadBytes;
    const float* s = tile.scale.data() + size_t(out.col / tile.group_cols) * kInt8TileRows;
    const __m128i shift = _mm_cvtsi32_si128(8 * (out.col % kInt8Quad));
    const __m512 value = _mm512_set1_ps(out.value);
    for (int r = 0; r < kRegs; ++r) {
      const __m512i lanes = _mm512_load_si512(codes + 64 * r);
      const __m512i code = _mm512_and_si512(_mm512_srl_epi32(lanes, shift), _mm512_set1_epi32(0xFF));
      const __m512 w = _mm512_mul_ps(_mm512_loadu_ps(s + 16 * r),
                                     _mm512_cvtepi32_ps(_mm512_sub_epi32(code, _mm512_set1_epi32(tile.centre))));
      _mm512_store_ps(y + 16 * r, _mm512_fmadd_ps(value, w, _mm512_load_ps(y + 16 * r)));
    }
  }
}

template <bool Vnni, bool Narrow, int NT>
void tokens(const Int8Tile& tile, const Int8Activations& x, int t0, float* Y, int ldy) {
  alignas(64) float y[NT][kInt8TileRows], z[NT][kInt8TileRows];
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < kRegs; ++r) _mm512_store_ps(y[t] + 16 * r, _mm512_setzero_ps());
  const int8_t* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = x.q.data() + size_t(t0 + t) * x.padded_cols;
  for (int g = 0; g < tile.n_groups; ++g) {
    for (int t = 0; t < NT; ++t)
      for (int r = 0; r < kRegs; ++r) _mm512_store_ps(z[t] + 16 * r, _mm512_setzero_ps());
    for (int b = tile.block_begin(g); b < tile.block_end(g); ++b) {
      __m512i acc[kRegs][NT];
      for (int r = 0; r < kRegs; ++r)
        for (int t = 0; t < NT; ++t) acc[r][t] = _mm512_setzero_si512();
      const int q0 = tile.quad_begin(b), quads = tile.quad_end(b) - q0;
      if (quads == kBlockQuads)
        block_products<Vnni, Narrow, NT, kBlockQuads>(tile.codes.data(), a, q0, quads, acc);
      else
        block_products<Vnni, Narrow, NT, 0>(tile.codes.data(), a, q0, quads, acc);
      for (int t = 0; t < NT; ++t) {
        const __m512 sigma = _mm512_set1_ps(x.scale[size_t(t0 + t) * x.n_blocks + b]);
        for (int r = 0; r < kRegs; ++r) {
          __m512i sum = acc[r][t];
          if constexpr (!Vnni && Narrow) sum = _mm512_madd_epi16(sum, _mm512_set1_epi16(1));
          _mm512_store_ps(z[t] + 16 * r, _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), sigma, _mm512_load_ps(z[t] + 16 * r)));
        }
      }
    }
    const size_t at = size_t(g) * kInt8TileRows;
    for (int t = 0; t < NT; ++t) {
      const size_t tg = size_t(t0 + t) * x.n_groups + g;
      const __m512 centre = _mm512_set1_ps(-float(tile.centre)), rounded = _mm512_set1_ps(x.rounded_group_sum[tg]);
      const __m512 gsum = _mm512_set1_ps(x.group_sum[tg]);
      for (int r = 0; r < kRegs; ++r) {
        const __m512 centred = _mm512_fmadd_ps(centre, rounded, _mm512_load_ps(z[t] + 16 * r));
        const __m512 v = _mm512_fmadd_ps(_mm512_loadu_ps(tile.scale.data() + at + 16 * r), centred, _mm512_load_ps(y[t] + 16 * r));
        _mm512_store_ps(y[t] + 16 * r, _mm512_fmadd_ps(_mm512_loadu_ps(tile.offset.data() + at + 16 * r), gsum, v));
      }
    }
  }
  for (int t = 0; t < NT; ++t) {
    outlier_products(tile, x, t0 + t, y[t]);
    std::copy_n(y[t], tile.rows, Y + size_t(t0 + t) * ldy);
  }
}

template <bool Vnni, int NT>
void run_tokens(const Int8Tile* tiles, int n, const Int8Activations& x, int t0, float* Y, int ldy) {
  for (int k = 0; k < n; ++k) {
    float* y = Y + size_t(k) * kInt8TileRows;
    if (tiles[k].narrow)
      tokens<Vnni, true, NT>(tiles[k], x, t0, y, ldy);
    else
      tokens<Vnni, false, NT>(tiles[k], x, t0, y, ldy);
  }
}

// Tokens outside, tiles inside, as the AVX2 kernel.
template <bool Vnni>
void tile_gemm(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy) {
  int t = 0;
  for (; t + 4 <= x.batch; t += 4) run_tokens<Vnni, 4>(tiles, n, x, t, Y, ldy);
  switch (x.batch - t) {
    case 3: return run_tokens<Vnni, 3>(tiles, n, x, t, Y, ldy);
    case 2: return run_tokens<Vnni, 2>(tiles, n, x, t, Y, ldy);
    case 1: return run_tokens<Vnni, 1>(tiles, n, x, t, Y, ldy);
    default: return;
  }
}

}  // namespace gptqt::kernels::detail::avx512
