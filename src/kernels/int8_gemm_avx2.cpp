// AVX2 int8 GEMM: a register tile of 32 rows × 2 tokens. Per quad of columns, four
// 256-bit loads (8 rows' 4 codes each), one broadcast of each token's 4 activations,
// and maddubs (uint8 codes × int8 activations → pairs in int16). Narrow tiles
// (linear grids) add the pairs up in int16 over a whole block and widen once per
// block; the others widen every quad (madd with ones → int32), a token at a time
// (their extra registers would not leave room for two).
//
// 32 rows × 2 tokens (docs/kernels.md, "Int8 GEMM"): 8 accumulators, 4 codes and 2
// broadcasts fill the 16 registers without a spill, and a spilled accumulator chains
// its quads through memory.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/int8_gemm_kernels.h"

namespace gptqt::kernels::detail {

namespace {

constexpr int kRegs = kInt8TileRows / 8;                  // row registers of 8 rows
constexpr int kQuadBytes = kInt8TileRows * kInt8Quad;     // one quad of the tile
constexpr int kBlockQuads = kInt8BlockCols / kInt8Quad;

// acc[r][t] += the products of quads [q0, q0 + n) (n = Quads when Quads > 0): int16
// pair sums for narrow tiles, int32 for the others.
template <int NT, bool Narrow, int Quads>
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
        const __m256i pairs = _mm256_maddubs_epi16(w[r], bq);
        acc[r][t] = Narrow ? _mm256_add_epi16(acc[r][t], pairs)
                           : _mm256_add_epi32(acc[r][t], _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
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

template <int NT, bool Narrow>
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
        block_products<NT, Narrow, kBlockQuads>(tile.codes.data(), a, q0, quads, acc);
      else
        block_products<NT, Narrow, 0>(tile.codes.data(), a, q0, quads, acc);
      for (int t = 0; t < NT; ++t) {
        const __m256 sigma = _mm256_set1_ps(x.scale[size_t(t0 + t) * x.n_blocks + b]);
#pragma GCC unroll 4
        for (int r = 0; r < kRegs; ++r) {
          const __m256i sum = Narrow ? _mm256_madd_epi16(acc[r][t], _mm256_set1_epi16(1)) : acc[r][t];
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

// Tokens t0 .. t0+NT-1 through each of n tiles.
template <int NT>
void run_tokens(const Int8Tile* tiles, int n, const Int8Activations& x, int t0, float* Y, int ldy) {
  for (int k = 0; k < n; ++k) {
    float* y = Y + size_t(k) * kInt8TileRows;
    if (tiles[k].narrow)
      tokens<NT, true>(tiles[k], x, t0, y, ldy);
    else
      for (int t = 0; t < NT; ++t) tokens<1, false>(tiles[k], x, t0 + t, y, ldy);
  }
}

}  // namespace

void int8_decode_avx2(const BcqMatrixView& w, int r, int c0, int c1, const uint8_t* code_of, Int8Tile& tile, int i) {
  // Byte k of a 32-column chunk holds column k's sign pattern: each plane's word
  // broadcast, byte k/8 picked for byte k, its bit k%8 tested.
  const __m256i pick = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3,
                                        3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
  const __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(code_of)));
  int c = c0;
  for (; c + kInt8BlockCols <= c1; c += kInt8BlockCols) {
    __m256i pattern = _mm256_setzero_si256();
    for (int j = 0; j < w.bits; ++j) {
      const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(int32_t(w.plane_row(j, r)[c / 32])), pick);
      const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
      pattern = _mm256_or_si256(pattern, _mm256_and_si256(set, _mm256_set1_epi8(char(1 << j))));
    }
    alignas(32) uint8_t chunk[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(chunk), _mm256_shuffle_epi8(table, pattern));
    for (int k = 0; k < 32; k += kInt8Quad)  // quad by quad into the tile's row i
      std::memcpy(tile.codes.data() + (size_t((c + k) / kInt8Quad) * kInt8TileRows + i) * kInt8Quad, chunk + k,
                  kInt8Quad);
  }
  if (c < c1) int8_decode_scalar(w, r, c, c1, code_of, tile, i);  // the row's ragged end
}

void int8_quantize_blocks_avx2(const float* x, int cols, int8_t* q, float* scale, int32_t* block_sum) {
  const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);  // undoes the packs' lane interleave
  int b = 0;
  for (; (b + 1) * kInt8BlockCols <= cols; ++b) {
    const float* v = x + b * kInt8BlockCols;
    __m256 in[4], m = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) m = _mm256_max_ps(m, _mm256_and_ps(in[k] = _mm256_loadu_ps(v + 8 * k), magnitude));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    const float most = _mm_cvtss_f32(_mm_max_ss(m4, _mm_movehdup_ps(m4)));
    const float inv = most > 0.f ? 127.f / most : 0.f;
    scale[b] = most / 127.f;
    __m256i i32[4], sum = _mm256_setzero_si256();
    for (int k = 0; k < 4; ++k) {
      const __m256 r = _mm256_round_ps(_mm256_mul_ps(in[k], _mm256_set1_ps(inv)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      i32[k] = _mm256_max_epi32(_mm256_min_epi32(_mm256_cvtps_epi32(r), _mm256_set1_epi32(127)), _mm256_set1_epi32(-127));
      sum = _mm256_add_epi32(sum, i32[k]);
    }
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i32[0], i32[1]), _mm256_packs_epi32(i32[2], i32[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + b * kInt8BlockCols), _mm256_permutevar8x32_epi32(packed, order));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
    block_sum[b] = _mm_cvtsi128_si32(_mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1)));
  }
  if (b * kInt8BlockCols < cols)  // the ragged last block
    int8_quantize_blocks_scalar(x + b * kInt8BlockCols, cols - b * kInt8BlockCols, q + b * kInt8BlockCols, scale + b,
                                block_sum + b);
}

void int8_tile_gemm_avx2(const Int8Tile* tiles, int n, const Int8Activations& x, float* Y, int ldy) {
  // Tokens outside, tiles inside: two tokens' activations stay in L1 for the run.
  int t = 0;
  for (; t + 2 <= x.batch; t += 2) run_tokens<2>(tiles, n, x, t, Y, ldy);
  if (t < x.batch) run_tokens<1>(tiles, n, x, t, Y, ldy);
}

}  // namespace gptqt::kernels::detail
