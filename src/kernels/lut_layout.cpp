#include "kernels/lut_layout.h"

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

}  // namespace gptqt::kernels
