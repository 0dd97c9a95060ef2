// AVX-512 LUT kernel: one 64-byte pair record per vpshufb (both 8-column units of
// the tile's 32 rows), against a 64-byte table load that holds each unit's table in
// its two 128-bit lanes.
// GCC 12's avx512fintrin.h trips -W(maybe-)uninitialized inside its own helpers
// (GCC bug 105593); the warning says nothing about this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "kernels/lut_kernels.h"
#include "kernels/lut_tile_simd.h"

namespace gptqt::kernels::detail {

void lut_fill_tables_avx512(const float* x, const std::vector<LutSegment>& segs,
                            const float* inv_scale, int8_t* tables) {
  // Sign of input i in entry p: bit i of p.
  const __m512 s0 = _mm512_setr_ps(-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1);
  const __m512 s1 = _mm512_setr_ps(-1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1);
  const __m512 s2 = _mm512_setr_ps(-1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1, 1, 1, 1, 1);
  const __m512 s3 = _mm512_setr_ps(-1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1);
  for (size_t k = 0; k < segs.size(); ++k) {
    const __m512 inv = _mm512_set1_ps(inv_scale[k]);
    for (int pr = segs[k].pair_begin; pr < segs[k].pair_begin + segs[k].n_pairs; ++pr)
      for (int q = 0; q < 4; ++q) {
        const float* xq = x + pr * kLutPairCols + 4 * q;
        // Same rounding as the scalar path (products by ±1 are exact).
        __m512 t = _mm512_mul_ps(_mm512_set1_ps(xq[0]), s0);
        t = _mm512_fmadd_ps(_mm512_set1_ps(xq[1]), s1, t);
        t = _mm512_fmadd_ps(_mm512_set1_ps(xq[2]), s2, t);
        t = _mm512_fmadd_ps(_mm512_set1_ps(xq[3]), s3, t);
        const __m128i b = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(t, inv)));
        int8_t* out = tables + int64_t(pr) * kLutTableBytes + ((q & 1) * 2 + (q >> 1)) * 32;
        _mm_store_si128(reinterpret_cast<__m128i*>(out), b);
        _mm_store_si128(reinterpret_cast<__m128i*>(out + 16), b);
      }
  }
}

namespace {

struct LookupAvx512 {
  template <int NB>
  static void run(const uint8_t* rec, int n_pairs, const int8_t* const* tables, __m256i* lo, __m256i* hi) {
    const __m512i nib = _mm512_set1_epi8(0x0F);
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i lo2[NB], hi2[NB];
    // -O2 keeps short loops rolled; fully unrolled (the "unroll" pragmas), the
    // accumulator arrays indexed by them stay in registers.
    #pragma GCC unroll 16
    for (int v = 0; v < NB; ++v) lo2[v] = hi2[v] = _mm512_setzero_si512();
    for (int p = 0; p < n_pairs; ++p, rec += kLutPairBytes) {
      _mm_prefetch(reinterpret_cast<const char*>(rec) + kPrefetchBytes, _MM_HINT_T0);
      const __m512i wv = _mm512_load_si512(rec);
      const __m512i l = _mm512_and_si512(wv, nib);
      const __m512i h = _mm512_and_si512(_mm512_srli_epi16(wv, 4), nib);
      #pragma GCC unroll 16
      for (int v = 0; v < NB; ++v) {
        const int8_t* t = tables[v] + int64_t(p) * kLutTableBytes;
        const __m512i a = _mm512_shuffle_epi8(_mm512_load_si512(t), l);
        const __m512i b = _mm512_shuffle_epi8(_mm512_load_si512(t + 64), h);
        lo2[v] = _mm512_add_epi16(lo2[v], _mm512_maddubs_epi16(ones, _mm512_unpacklo_epi8(a, b)));
        hi2[v] = _mm512_add_epi16(hi2[v], _mm512_maddubs_epi16(ones, _mm512_unpackhi_epi8(a, b)));
      }
    }
    // The upper 256 bits hold the second unit of each pair: the same rows.
    #pragma GCC unroll 16
    for (int v = 0; v < NB; ++v) {
      lo[v] = _mm256_add_epi16(_mm512_castsi512_si256(lo2[v]), _mm512_extracti64x4_epi64(lo2[v], 1));
      hi[v] = _mm256_add_epi16(_mm512_castsi512_si256(hi2[v]), _mm512_extracti64x4_epi64(hi2[v], 1));
    }
  }
};

}  // namespace

void lut_gemm_avx512(std::span<const LutProduct> products, const LutTables& t) {
  lut_gemm_tiles<LookupAvx512, 4>(products, t);
}

}  // namespace gptqt::kernels::detail
