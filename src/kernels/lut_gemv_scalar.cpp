// Portable LUT kernel: the reference for the SIMD paths, doing the same int8-table
// arithmetic one row at a time.
#include <algorithm>
#include <cmath>

#include "core/half.h"
#include "kernels/lut_kernels.h"

namespace gptqt::kernels::detail {

// Slot of quad q (0..3) of a pair inside its 128-byte table record (lut_layout.h).
static int table_slot(int q) { return (q & 1) * 2 + (q >> 1); }

void lut_fill_tables_scalar(const float* x, const std::vector<LutSegment>& segs,
                            const float* inv_scale, int8_t* tables) {
  for (size_t k = 0; k < segs.size(); ++k) {
    const float inv = inv_scale[k];
    for (int pr = segs[k].pair_begin; pr < segs[k].pair_begin + segs[k].n_pairs; ++pr)
      for (int q = 0; q < 4; ++q) {
        const float* xq = x + pr * kLutPairCols + 4 * q;
        int8_t* out = tables + int64_t(pr) * kLutTableBytes + table_slot(q) * 32;
        for (int p = 0; p < 16; ++p) {
          float t = (p & 1) ? xq[0] : -xq[0];
          t += (p & 2) ? xq[1] : -xq[1];
          t += (p & 4) ? xq[2] : -xq[2];
          t += (p & 8) ? xq[3] : -xq[3];
          out[p] = out[p + 16] = int8_t(std::nearbyint(t * inv));
        }
      }
  }
}

// Output rows of one tile for every vector.
static void lut_tile_scalar(const BcqPacked& w, const LutTables& lt, int tile, float* Y) {
  const int bits = w.shape.bits;
  const int rows = w.shape.rows;
  const int stride = (bits + 1) * kLutTileRows;  // floats of scales per group
  for (int v = 0; v < lt.batch; ++v) {
    const uint8_t* rec = w.tile_signs(tile);
    const int8_t* tables = lt.vector_tables(v);
    float acc[kLutTileRows] = {};
    for (size_t k = 0; k < w.segments.size(); ++k) {
      const LutSegment& seg = w.segments[k];
      const uint16_t* sc = w.tile_scales(tile) + seg.group * stride;
      const uint8_t* seg_rec = rec;
      float seg_acc[kLutTileRows] = {};
      for (int j = 0; j < bits; ++j) {
        int32_t sum[kLutTileRows] = {};
        for (int pr = seg.pair_begin; pr < seg.pair_begin + seg.n_pairs; ++pr, rec += kLutPairBytes) {
          const int8_t* t = tables + int64_t(pr) * kLutTableBytes;
          for (int i = 0; i < kLutTileRows; ++i) {
            const uint8_t a = rec[i], b = rec[32 + i];
            sum[i] += t[a & 15] + t[64 + (a >> 4)] + t[32 + (b & 15)] + t[96 + (b >> 4)];
          }
        }
        for (int i = 0; i < kLutTileRows; ++i) seg_acc[i] += float(sum[i]) * f16_to_f32(sc[j * kLutTileRows + i]);
      }
      const float s = lt.vector_seg_scale(v)[k];
      for (int i = 0; i < kLutTileRows; ++i) acc[i] += seg_acc[i] * s;
      // Outliers, left out of the tables: ±x · alpha in fp32.
      for (int o = 0; o < lt.n_outliers[v]; ++o) {
        const ActivationOutlier& out = lt.vector_outliers(v)[o];
        if (!lut_segment_holds(seg, out.col)) continue;
        for (int j = 0; j < bits; ++j) {
          const LutSignSpot spot = lut_sign_spot(seg, j, out.col);
          for (int i = 0; i < kLutTileRows; ++i) {
            const bool plus = (seg_rec[spot.offset + i] >> spot.bit) & 1;
            acc[i] += f16_to_f32(sc[j * kLutTileRows + i]) * (plus ? out.value : -out.value);
          }
        }
      }
      if (seg.ends_group) {
        const float gs = lt.vector_group_sum(v)[seg.group];
        for (int i = 0; i < kLutTileRows; ++i) acc[i] += f16_to_f32(sc[bits * kLutTileRows + i]) * gs;
      }
    }
    const int r0 = tile * kLutTileRows;
    std::copy_n(acc, std::min(kLutTileRows, rows - r0), Y + int64_t(v) * rows + r0);
  }
}

void lut_gemm_scalar(std::span<const LutProduct> products, const LutTables& lt) {
  for_each_lut_tile(products, lt.batch,
                    [&](const BcqPacked& w, int tile, float* Y) { lut_tile_scalar(w, lt, tile, Y); });
}

}  // namespace gptqt::kernels::detail
