// The tile loop shared by the AVX2 and AVX-512 LUT kernels. Included only by
// lut_gemv_avx2.cpp and lut_gemv_avx512.cpp (it needs AVX2 and FMA); everything here
// has internal linkage, so each of those files gets its own copy compiled with its
// own instruction set.
//
// A Lookup type supplies the hot loop over one (segment, plane):
//   template <int NB> static void run(const uint8_t* rec, int n_pairs,
//       const int8_t* const* tables, __m256i* lo, __m256i* hi);
// leaving, for each of NB vectors, the int16 sums of the tile's 32 rows:
// lo = rows 0..7 | 16..23, hi = rows 8..15 | 24..31 (the order unpacklo/unpackhi_epi8
// produce). The driver turns them into fp32 once per segment and plane.
#pragma once
#include <immintrin.h>

#include <algorithm>

#include "kernels/lut_kernels.h"

namespace gptqt::kernels::detail {
namespace {

// Sign records are streamed once per call; a software prefetch this far ahead of the
// record in use keeps more DRAM requests in flight than the hardware prefetcher alone
// (+30 % on a 4096x4096 layer read from DRAM).
inline constexpr int kPrefetchBytes = 2048;

inline __m256 int16x8_to_f32(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(v)); }

// 8 fp16 scales of consecutive rows.
inline __m256 load_f16x8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(p)));
}

// acc[q] (rows 8q .. 8q+7) += int16 sums · alpha.
inline void flush_plane(__m256i lo, __m256i hi, const uint16_t* alpha, __m256* acc) {
  acc[0] = _mm256_fmadd_ps(int16x8_to_f32(_mm256_castsi256_si128(lo)), load_f16x8(alpha), acc[0]);
  acc[1] = _mm256_fmadd_ps(int16x8_to_f32(_mm256_castsi256_si128(hi)), load_f16x8(alpha + 8), acc[1]);
  acc[2] = _mm256_fmadd_ps(int16x8_to_f32(_mm256_extracti128_si256(lo, 1)), load_f16x8(alpha + 16), acc[2]);
  acc[3] = _mm256_fmadd_ps(int16x8_to_f32(_mm256_extracti128_si256(hi, 1)), load_f16x8(alpha + 24), acc[3]);
}

// acc[q] (rows 8q .. 8q+7) += Σ_planes alpha · (±x) for the vector's outliers inside
// the segment whose sign records start at seg_rec (lut_gemv.h: they are not in the tables).
inline void add_outliers(const uint8_t* seg_rec, const LutSegment& seg, int bits, const uint16_t* sc,
                         const ActivationOutlier* outliers, int n, __m256* acc) {
  for (int o = 0; o < n; ++o) {
    if (!lut_segment_holds(seg, outliers[o].col)) continue;
    const __m256 plus = _mm256_set1_ps(outliers[o].value), minus = _mm256_set1_ps(-outliers[o].value);
    for (int j = 0; j < bits; ++j) {
      const LutSignSpot spot = lut_sign_spot(seg, j, outliers[o].col);
      const __m256i bit = _mm256_set1_epi32(1 << spot.bit);
      for (int q = 0; q < 4; ++q) {
        const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(seg_rec + spot.offset + 8 * q));
        const __m256i set = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_cvtepu8_epi32(bytes), bit), bit);
        const __m256 x = _mm256_blendv_ps(minus, plus, _mm256_castsi256_ps(set));
        acc[q] = _mm256_fmadd_ps(load_f16x8(sc + j * kLutTileRows + 8 * q), x, acc[q]);
      }
    }
  }
}

// Output rows of one tile for vectors v0 .. v0+NB-1.
template <class Lookup, int NB>
void lut_tile(const BcqPacked& w, const LutTables& lt, int tile, int v0, float* Y) {
  const int bits = w.shape.bits;
  const int stride = (bits + 1) * kLutTileRows;
  __m256 acc[NB][4] = {};
  const uint8_t* rec = w.tile_signs(tile);
  const uint16_t* scales = w.tile_scales(tile);

  for (size_t k = 0; k < w.segments.size(); ++k) {
    const LutSegment& seg = w.segments[k];
    const uint16_t* sc = scales + seg.group * stride;
    const int8_t* tables[NB];
    // -O2 keeps short loops rolled; fully unrolled (the "unroll" pragmas), the
    // accumulator arrays indexed by them stay in registers.
    #pragma GCC unroll 16
    for (int v = 0; v < NB; ++v)
      tables[v] = lt.vector_tables(v0 + v) + int64_t(seg.pair_begin) * kLutTableBytes;
    const uint8_t* seg_rec = rec;
    __m256 seg_acc[NB][4] = {};
    for (int j = 0; j < bits; ++j, rec += seg.n_pairs * kLutPairBytes) {
      __m256i lo[NB], hi[NB];
      Lookup::template run<NB>(rec, seg.n_pairs, tables, lo, hi);
      #pragma GCC unroll 16
      for (int v = 0; v < NB; ++v) flush_plane(lo[v], hi[v], sc + j * kLutTileRows, seg_acc[v]);
    }
    #pragma GCC unroll 16
    for (int v = 0; v < NB; ++v) {
      const __m256 s = _mm256_set1_ps(lt.vector_seg_scale(v0 + v)[k]);
      #pragma GCC unroll 16
      for (int q = 0; q < 4; ++q) acc[v][q] = _mm256_fmadd_ps(seg_acc[v][q], s, acc[v][q]);
      if (const int n = lt.n_outliers[v0 + v])
        add_outliers(seg_rec, seg, bits, sc, lt.vector_outliers(v0 + v), n, acc[v]);
    }
    if (seg.ends_group)
      #pragma GCC unroll 16
      for (int v = 0; v < NB; ++v) {
        const __m256 gs = _mm256_set1_ps(lt.vector_group_sum(v0 + v)[seg.group]);
        #pragma GCC unroll 16
        for (int q = 0; q < 4; ++q)
          acc[v][q] = _mm256_fmadd_ps(load_f16x8(sc + bits * kLutTileRows + 8 * q), gs, acc[v][q]);
      }
  }

  const int rows = w.shape.rows;
  const int r0 = tile * kLutTileRows;
  const int nr = std::min(kLutTileRows, rows - r0);
  #pragma GCC unroll 16
  for (int v = 0; v < NB; ++v) {
    alignas(32) float out[kLutTileRows];
    #pragma GCC unroll 16
    for (int q = 0; q < 4; ++q) _mm256_store_ps(out + 8 * q, acc[v][q]);
    std::copy_n(out, nr, Y + int64_t(v0 + v) * rows + r0);
  }
}

// Runs the vectors v0 .. batch-1 of a tile, NB at a time.
template <class Lookup, int NB>
void lut_tile_vectors(const BcqPacked& w, const LutTables& lt, int tile, int v0, float* Y) {
  for (; v0 + NB <= lt.batch; v0 += NB) lut_tile<Lookup, NB>(w, lt, tile, v0, Y);
  if constexpr (NB > 1)
    if (v0 < lt.batch) lut_tile_vectors<Lookup, NB - 1>(w, lt, tile, v0, Y);
}

template <class Lookup, int kMaxVectors>
void lut_gemm_tiles(std::span<const LutProduct> products, const LutTables& lt) {
  for_each_lut_tile(products, lt.batch, [&](const BcqPacked& w, int tile, float* Y) {
    lut_tile_vectors<Lookup, kMaxVectors>(w, lt, tile, 0, Y);
  });
}

}  // namespace
}  // namespace gptqt::kernels::detail
