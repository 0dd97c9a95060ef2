// AVX2 int8 GEMM (maddubs; the tile kernel is int8_gemm_avx2_tile.h), the tile
// decoder and the activation quantizer.
#include <immintrin.h>

#include <cstring>

#include "kernels/int8_gemm_avx2_tile.h"

namespace gptqt::kernels::detail {

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
  avx2::tile_gemm<false>(tiles, n, x, Y, ldy);
}

}  // namespace gptqt::kernels::detail
