// AVX2 LUT kernel: 32 lookups per vpshufb (one byte per row of the tile).
#include <immintrin.h>

#include "kernels/lut_kernels.h"
#include "kernels/lut_tile_simd.h"

namespace gptqt::kernels::detail {

void lut_fill_tables_avx2(const float* x, const std::vector<LutSegment>& segs,
                          const float* inv_scale, int8_t* tables) {
  // Sign of input i in entries 0..7 (bit 3 of the entry, the sign of input 3, is
  // −1 there and +1 in entries 8..15).
  const __m256 s0 = _mm256_setr_ps(-1, 1, -1, 1, -1, 1, -1, 1);
  const __m256 s1 = _mm256_setr_ps(-1, -1, 1, 1, -1, -1, 1, 1);
  const __m256 s2 = _mm256_setr_ps(-1, -1, -1, -1, 1, 1, 1, 1);
  const __m256 minus = _mm256_set1_ps(-1.f), plus = _mm256_set1_ps(1.f);
  for (size_t k = 0; k < segs.size(); ++k) {
    const __m256 inv = _mm256_set1_ps(inv_scale[k]);
    for (int pr = segs[k].pair_begin; pr < segs[k].pair_begin + segs[k].n_pairs; ++pr)
      for (int q = 0; q < 4; ++q) {
        const float* xq = x + pr * kLutPairCols + 4 * q;
        // Same rounding as the scalar path: products by ±1 are exact, so each fma
        // rounds exactly like the scalar addition.
        __m256 t = _mm256_mul_ps(_mm256_broadcast_ss(xq), s0);
        t = _mm256_fmadd_ps(_mm256_broadcast_ss(xq + 1), s1, t);
        t = _mm256_fmadd_ps(_mm256_broadcast_ss(xq + 2), s2, t);
        const __m256 x3 = _mm256_broadcast_ss(xq + 3);
        const __m256i lo = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_fmadd_ps(x3, minus, t), inv));
        const __m256i hi = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_fmadd_ps(x3, plus, t), inv));
        // packs works per 128-bit lane: restore entry order before the final pack.
        const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
        const __m128i b = _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
        int8_t* out = tables + int64_t(pr) * kLutTableBytes + ((q & 1) * 2 + (q >> 1)) * 32;
        _mm_store_si128(reinterpret_cast<__m128i*>(out), b);
        _mm_store_si128(reinterpret_cast<__m128i*>(out + 16), b);
      }
  }
}

namespace {

struct LookupAvx2 {
  template <int NB>
  static void run(const uint8_t* rec, int n_pairs, const int8_t* const* tables, __m256i* lo, __m256i* hi) {
    const __m256i nib = _mm256_set1_epi8(0x0F);
    const __m256i ones = _mm256_set1_epi8(1);
    // -O2 keeps short loops rolled; fully unrolled (the "unroll" pragmas), the
    // accumulator arrays indexed by them stay in registers.
    #pragma GCC unroll 16
    for (int v = 0; v < NB; ++v) lo[v] = hi[v] = _mm256_setzero_si256();
    for (int p = 0; p < n_pairs; ++p, rec += kLutPairBytes) {
      _mm_prefetch(reinterpret_cast<const char*>(rec) + kPrefetchBytes, _MM_HINT_T0);
      const __m256i wa = _mm256_load_si256(reinterpret_cast<const __m256i*>(rec));
      const __m256i wb = _mm256_load_si256(reinterpret_cast<const __m256i*>(rec + 32));
      const __m256i la = _mm256_and_si256(wa, nib);
      const __m256i ha = _mm256_and_si256(_mm256_srli_epi16(wa, 4), nib);
      const __m256i lb = _mm256_and_si256(wb, nib);
      const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(wb, 4), nib);
      #pragma GCC unroll 16
      for (int v = 0; v < NB; ++v) {
        const int8_t* t = tables[v] + int64_t(p) * kLutTableBytes;
        const __m256i a = _mm256_shuffle_epi8(_mm256_load_si256(reinterpret_cast<const __m256i*>(t)), la);
        const __m256i b = _mm256_shuffle_epi8(_mm256_load_si256(reinterpret_cast<const __m256i*>(t + 64)), ha);
        const __m256i c = _mm256_shuffle_epi8(_mm256_load_si256(reinterpret_cast<const __m256i*>(t + 32)), lb);
        const __m256i d = _mm256_shuffle_epi8(_mm256_load_si256(reinterpret_cast<const __m256i*>(t + 96)), hb);
        // Interleaving two lookups of the same rows lets maddubs widen and add them
        // to int16 in one instruction.
        lo[v] = _mm256_add_epi16(lo[v], _mm256_add_epi16(_mm256_maddubs_epi16(ones, _mm256_unpacklo_epi8(a, b)),
                                                         _mm256_maddubs_epi16(ones, _mm256_unpacklo_epi8(c, d))));
        hi[v] = _mm256_add_epi16(hi[v], _mm256_add_epi16(_mm256_maddubs_epi16(ones, _mm256_unpackhi_epi8(a, b)),
                                                         _mm256_maddubs_epi16(ones, _mm256_unpackhi_epi8(c, d))));
      }
    }
  }
};

}  // namespace

// Two vectors at a time keep the int16 sums and the split indices in 16 registers.
void lut_gemm_avx2(std::span<const LutProduct> products, const LutTables& t) { lut_gemm_tiles<LookupAvx2, 2>(products, t); }

}  // namespace gptqt::kernels::detail
