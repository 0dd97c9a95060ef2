#include "kernels/lut_layout.h"

#include <emmintrin.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/error.h"
#include "core/half.h"
#include "kernels/parallel.h"

namespace gptqt::kernels {

std::vector<LutSegment> lut_segments(const QuantShape& s) {
  std::vector<LutSegment> segs;
  for (int g = 0; g < s.n_groups(); ++g) {
    const int begin = s.group_block_begin(g) * kBlockCols;
    const int end = s.group_block_end(g) * kBlockCols;
    for (int c = begin; c < end; c += kLutSegmentCols) {
      const int n = std::min(kLutSegmentCols, end - c);
      segs.push_back({c / kLutPairCols, n / kLutPairCols, g, c + n == end});
    }
  }
  return segs;
}

// The 4 signs of quad t of a row (bit i = column 4t + i).
static uint8_t quad_bits(const uint32_t* row_words, int t) {
  return uint8_t((row_words[t / 8] >> (4 * (t % 8))) & 0xF);
}

BcqPacked repack_for_lut(const BcqMatrixView& w) {
  w.check();
  const QuantShape shape = w.shape();
  for (const auto& [what, a, n] : {std::tuple{"alpha", w.alpha, int64_t(shape.n_groups()) * w.bits * w.rows},
                                   std::tuple{"offset", w.offset, int64_t(shape.n_groups()) * w.rows}})
    for (int64_t i = 0; i < n; ++i)
      GPTQT_CHECK(std::isfinite(a[i]) && std::fabs(a[i]) <= 65504.f,
                  "repack_for_lut: {} {} is outside the fp16 range", what, a[i]);
  BcqPacked p;
  p.shape = shape;
  p.tiles = (w.rows + kLutTileRows - 1) / kLutTileRows;
  p.segments = lut_segments(p.shape);
  p.signs.assign(size_t(p.tiles) * p.tile_sign_bytes(), 0);
  p.scales.assign(size_t(p.tiles) * p.tile_scale_count(), 0);
  const int bits = w.bits;
  const int n_groups = p.shape.n_groups();

#pragma omp parallel for schedule(dynamic, 1) if (worth_threads(int64_t(p.signs.size())))
  for (int tile = 0; tile < p.tiles; ++tile) {
    const int r0 = tile * kLutTileRows;
    const int nr = std::min(kLutTileRows, w.rows - r0);
    uint8_t* out = p.signs.data() + tile * p.tile_sign_bytes();
    for (const LutSegment& seg : p.segments)
      for (int j = 0; j < bits; ++j)
        for (int pr = seg.pair_begin; pr < seg.pair_begin + seg.n_pairs; ++pr, out += kLutPairBytes)
          for (int i = 0; i < nr; ++i) {
            const uint32_t* words = w.plane_row(j, r0 + i);
            for (int u = 0; u < 2; ++u) {
              const int t = 4 * pr + 2 * u;  // quads t (low nibble) and t + 1 (high nibble)
              out[32 * u + i] = uint8_t(quad_bits(words, t) | quad_bits(words, t + 1) << 4);
            }
          }
    uint16_t* sc = p.scales.data() + tile * p.tile_scale_count();
    for (int g = 0; g < n_groups; ++g, sc += (bits + 1) * kLutTileRows)
      for (int i = 0; i < nr; ++i) {
        for (int j = 0; j < bits; ++j) sc[j * kLutTileRows + i] = f32_to_f16(w.alpha_at(g, j, r0 + i));
        sc[bits * kLutTileRows + i] = f32_to_f16(w.offset_at(g, r0 + i));
      }
  }
  return p;
}

// word[i] = bytes i, 32 + i, 64 + i and 96 + i of two pair records (SSE2: every x86-64
// host has it; the batch paths call this for every tile).
static void interleave_words(const uint8_t* rec, uint32_t* word) {
  auto load = [&](int at) { return _mm_load_si128(reinterpret_cast<const __m128i*>(rec + at)); };
  for (int h = 0; h < 2; ++h) {  // rows 16h .. 16h+15
    const __m128i a = load(16 * h), b = load(32 + 16 * h), c = load(64 + 16 * h), d = load(96 + 16 * h);
    const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
    const __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
    __m128i* out = reinterpret_cast<__m128i*>(word + 16 * h);
    _mm_store_si128(out, _mm_unpacklo_epi16(ab_lo, cd_lo));
    _mm_store_si128(out + 1, _mm_unpackhi_epi16(ab_lo, cd_lo));
    _mm_store_si128(out + 2, _mm_unpacklo_epi16(ab_hi, cd_hi));
    _mm_store_si128(out + 3, _mm_unpackhi_epi16(ab_hi, cd_hi));
  }
}

void lut_tile_matrix(const BcqPacked& p, int tile, const float* alpha, const float* offset, BcqMatrix& m) {
  GPTQT_CHECK(tile >= 0 && tile < p.tiles, "lut_tile_matrix: tile {} of {}", tile, p.tiles);
  const QuantShape& shape = p.shape;
  const int r0 = tile * kLutTileRows;
  const int blocks = shape.blocks();
  m.rows = std::min(kLutTileRows, shape.rows - r0);
  m.cols = shape.cols;
  m.bits = shape.bits;
  m.group_size = shape.group_size;
  // Every element is written below: the segments cover every block of the padded row.
  m.planes.resize(size_t(shape.bits) * m.rows * blocks);
  m.alpha.resize(size_t(shape.n_groups()) * shape.bits * m.rows);
  m.offset.resize(size_t(shape.n_groups()) * m.rows);
  const uint8_t* rec = p.tile_signs(tile);
  // Segments start and end on 32-column blocks, so a word's two pairs are consecutive
  // records: its bytes are quads 0-1 and 2-3 of the first pair, then of the second.
  for (const LutSegment& seg : p.segments)
    for (int j = 0; j < shape.bits; ++j)
      for (int pr = seg.pair_begin; pr < seg.pair_begin + seg.n_pairs; pr += 2, rec += 2 * kLutPairBytes) {
        alignas(16) uint32_t row_word[kLutTileRows];
        interleave_words(rec, row_word);
        uint32_t* words = m.planes.data() + size_t(j) * m.rows * blocks + pr / 2;
        for (int i = 0; i < m.rows; ++i) words[size_t(i) * blocks] = row_word[i];
      }
  const uint16_t* sc = p.tile_scales(tile);  // [group][bits + 1][32]
  for (int g = 0; g < shape.n_groups(); ++g, sc += (shape.bits + 1) * kLutTileRows)
    for (int i = 0; i < m.rows; ++i) {
      for (int j = 0; j < shape.bits; ++j)
        m.alpha[(size_t(g) * shape.bits + j) * m.rows + i] =
            alpha ? alpha[(int64_t(g) * shape.bits + j) * shape.rows + r0 + i] : f16_to_f32(sc[j * kLutTileRows + i]);
      m.offset[size_t(g) * m.rows + i] =
          offset ? offset[int64_t(g) * shape.rows + r0 + i] : f16_to_f32(sc[shape.bits * kLutTileRows + i]);
    }
}

}  // namespace gptqt::kernels
