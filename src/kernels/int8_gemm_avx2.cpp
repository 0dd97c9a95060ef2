// AVX2 int8 GEMM: a register tile of 16 rows × up to 4 tokens. Per quad of columns,
// two 256-bit loads (8 rows' 4 codes each), one broadcast of each token's 4
// activations, and maddubs (uint8 × int8 → pairs in int16) + madd (→ int32).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/int8_gemm_kernels.h"

namespace gptqt::kernels::detail {

namespace {

constexpr int kQuadBytes = kInt8TileRows * kInt8Quad;  // one quad of the tile: 64 bytes

template <int NT>
void tokens(const Int8Tile& tile, const Int8Activations& x, int t0, float* Y, int ldy) {
  const __m256i ones = _mm256_set1_epi16(1);
  // The fp32 sums live in memory, touched once per group: the int32 accumulators,
  // the codes and the broadcast keep to the 16 registers in the inner loop.
  alignas(32) float y[NT][kInt8TileRows] = {};
  const uint8_t* u[NT];
#pragma GCC unroll 8
  for (int t = 0; t < NT; ++t) u[t] = x.u.data() + size_t(t0 + t) * x.padded_cols;
  for (int g = 0; g < tile.n_groups; ++g) {
    const size_t at = size_t(g) * kInt8TileRows;
    const __m256 s[2] = {_mm256_loadu_ps(tile.scale.data() + at), _mm256_loadu_ps(tile.scale.data() + at + 8)};
    for (int b = tile.block_begin(g); b < tile.block_end(g); ++b) {
      __m256i acc[2][NT];
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t) acc[0][t] = acc[1][t] = _mm256_setzero_si256();
      for (int q = tile.quad_begin(b); q < tile.quad_end(b); ++q) {
        const int8_t* codes = tile.codes.data() + size_t(q) * kQuadBytes;
        const __m256i w0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(codes));
        const __m256i w1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(codes + 32));
#pragma GCC unroll 8  // the accumulators must stay in registers
        for (int t = 0; t < NT; ++t) {
          int32_t quad;
          std::memcpy(&quad, u[t] + q * kInt8Quad, sizeof quad);
          const __m256i bq = _mm256_set1_epi32(quad);
          acc[0][t] = _mm256_add_epi32(acc[0][t], _mm256_madd_epi16(_mm256_maddubs_epi16(bq, w0), ones));
          acc[1][t] = _mm256_add_epi32(acc[1][t], _mm256_madd_epi16(_mm256_maddubs_epi16(bq, w1), ones));
        }
      }
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        const __m256i fix =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tile.code_sum128.data() + size_t(b) * kInt8TileRows + 8 * h));
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
          const __m256 st = _mm256_mul_ps(s[h], _mm256_set1_ps(x.scale[size_t(t0 + t) * x.n_blocks + b]));
          const __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[h][t], fix));
          _mm256_store_ps(y[t] + 8 * h, _mm256_fmadd_ps(v, st, _mm256_load_ps(y[t] + 8 * h)));
        }
      }
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m256 off = _mm256_loadu_ps(tile.offset.data() + at + 8 * h);
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t) {
        const __m256 gsum = _mm256_set1_ps(x.group_sum[size_t(t0 + t) * x.n_groups + g]);
        _mm256_store_ps(y[t] + 8 * h, _mm256_fmadd_ps(off, gsum, _mm256_load_ps(y[t] + 8 * h)));
      }
    }
  }
  for (int t = 0; t < NT; ++t) {
    add_outlier_products(tile, x, t0 + t, y[t]);
    std::copy_n(y[t], tile.rows, Y + size_t(t0 + t) * ldy);
  }
}

}  // namespace

void int8_decode_avx2(const BcqMatrixView& w, int r, int c0, int c1, const int8_t* code_of, Int8Tile& tile, int i) {
  // Byte k of a 32-column chunk holds column k's sign pattern: each plane's word
  // broadcast, byte k/8 picked for byte k, its bit k%8 tested.
  const __m256i pick = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3,
                                        3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
  const __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(code_of)));
  const __m256i ones8 = _mm256_set1_epi8(1);
  int c = c0;
  for (; c + kInt8BlockCols <= c1; c += kInt8BlockCols) {
    __m256i pattern = _mm256_setzero_si256();
    for (int j = 0; j < w.bits; ++j) {
      const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(int32_t(w.plane_row(j, r)[c / 32])), pick);
      const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
      pattern = _mm256_or_si256(pattern, _mm256_and_si256(set, _mm256_set1_epi8(char(1 << j))));
    }
    const __m256i q = _mm256_shuffle_epi8(table, pattern);
    // Σ codes: pairs (maddubs with ones), then quads, then the 8 lanes.
    const __m256i s32 = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q), _mm256_set1_epi16(1));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
    tile.code_sum128[size_t(c / kInt8BlockCols) * kInt8TileRows + i] = 128 * _mm_cvtsi128_si32(s4);
    alignas(32) int8_t chunk[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(chunk), q);
    for (int k = 0; k < 32; k += kInt8Quad)  // quad by quad into the tile's row i
      std::memcpy(tile.codes.data() + (size_t((c + k) / kInt8Quad) * kInt8TileRows + i) * kInt8Quad, chunk + k,
                  kInt8Quad);
  }
  if (c < c1) int8_decode_scalar(w, r, c, c1, code_of, tile, i);  // the row's ragged end
}

void int8_tile_gemm_avx2(const Int8Tile& tile, const Int8Activations& x, float* Y, int ldy) {
  int t = 0;
  for (; t + 4 <= x.batch; t += 4) tokens<4>(tile, x, t, Y, ldy);
  switch (x.batch - t) {
    case 3: return tokens<3>(tile, x, t, Y, ldy);
    case 2: return tokens<2>(tile, x, t, Y, ldy);
    case 1: return tokens<1>(tile, x, t, Y, ldy);
    default: return;
  }
}

}  // namespace gptqt::kernels::detail
