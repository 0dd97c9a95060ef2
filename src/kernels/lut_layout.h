// The kernel-friendly layout of binary-coded weights and of the lookup tables
// built from an input vector (docs/kernels.md, "LUT layout").
//
// Tables: for every quad of 4 consecutive inputs x_{4t..4t+3} a 16-entry table
// T_t[p] = Σ_i (bit i of p ? +x_{4t+i} : −x_{4t+i}), quantized to int8 with one scale
// per segment. A row's 4 signs of a quad form the index p, so one byte lookup
// replaces 4 multiply-adds, and `pshufb` does 32 (AVX2) or 64 (AVX-512) at once.
//
// Segments cut every group into runs of at most kLutSegmentCols columns; each has its
// own table scale, and the kernel sums its int8 lookups in int16 over a segment
// before scaling them to fp32.
//
// Weights (BcqPacked::signs) are ordered [tile][segment][plane][pair][64 bytes]:
// a tile is 32 rows, a pair is 16 columns. In a pair record, byte i (i < 32) is
// row i of the tile for columns 0..7 of the pair (low nibble: quad 0, high nibble:
// quad 1) and byte 32 + i is row i for columns 8..15 (quads 2 and 3). The matching
// 128-byte table record holds T_q0 twice, T_q2 twice, T_q1 twice, T_q3 twice, so an
// aligned 32- or 64-byte load gives the tables pshufb needs in every 128-bit lane.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/bcq_matrix.h"
#include "kernels/quant_shape.h"
#include "kernels/weight_arena.h"

namespace gptqt::kernels {

inline constexpr int kLutTileRows = 32;
inline constexpr int kLutPairCols = 16;
inline constexpr int kLutPairBytes = 64;    // one plane of one pair of one tile
inline constexpr int kLutTableBytes = 128;  // the tables of one pair
// The int8 tables' scale is local to a segment. Measured on SmolLM2 (RTN 3-bit g128,
// single-token path, 400 windows of 16 tokens, fp32 path 1444.36): without outlier
// extraction (lut_gemv.h) perplexity is 2.1% above fp32 at 128 columns and 1.4% at
// 64; with it, 0.2% at 128 and 0.3% at 64, the same within that measurement's noise.
// Per step, 64 is clearly closer: the worst relative logit error over a 32-token
// greedy continuation is 0.07 at 64 against 0.16 at 128 (argmax 36/37 against 34/37,
// tests/cli/packed_kernels_test.cpp). Shorter segments cost speed (-6% at 64, -14%
// at 32, against 128).
inline constexpr int kLutSegmentCols = 64;

struct LutSegment {
  int pair_begin = 0;  // first pair (columns 16·pair_begin ...)
  int n_pairs = 0;
  int group = 0;
  bool ends_group = false;  // the offset term of `group` is added after it
};

// Where the sign bits of input column `col` (inside `seg`) lie for one plane: byte
// `offset + i` of the segment's sign records (in its tile) holds row i, bit `bit`.
struct LutSignSpot {
  int offset = 0;
  int bit = 0;
};
inline LutSignSpot lut_sign_spot(const LutSegment& seg, int plane, int col) {
  const int pair = col / kLutPairCols - seg.pair_begin, c = col % kLutPairCols;
  return {(plane * seg.n_pairs + pair) * kLutPairBytes + (c >= 8 ? 32 : 0), c & 7};
}
inline bool lut_segment_holds(const LutSegment& seg, int col) {
  return col >= seg.pair_begin * kLutPairCols && col < (seg.pair_begin + seg.n_pairs) * kLutPairCols;
}

// The segments of a row of the given shape, in column order, covering the padded row.
std::vector<LutSegment> lut_segments(const QuantShape& shape);

struct BcqPacked {
  QuantShape shape;
  int tiles = 0;  // ceil(rows / 32); rows of the last tile past `rows` have zero alpha and offset
  std::vector<LutSegment> segments;
  WeightVector<uint8_t> signs;  // [tile][segment][plane][pair][64]
  // fp16 [tile][group][bits + 1][32]: alpha_0 .. alpha_{bits-1}, offset. Half the bytes
  // of fp32 for 1/8 less traffic at 3 bits and group 128; the rounding (2^-11
  // relative) is far below the int8 tables' error, and exact when the file held fp16.
  WeightVector<uint16_t> scales;

  int64_t tile_sign_bytes() const { return int64_t(shape.bits) * shape.padded_cols() * 4; }
  int64_t tile_scale_count() const {
    return int64_t(shape.n_groups()) * (shape.bits + 1) * kLutTileRows;
  }
  const uint8_t* tile_signs(int tile) const { return signs.data() + tile * tile_sign_bytes(); }
  const uint16_t* tile_scales(int tile) const { return scales.data() + tile * tile_scale_count(); }
  // Bytes of weights a GEMV streams: signs and fp16 alpha/offset, padding included.
  int64_t weight_bytes() const { return int64_t(signs.size()) + int64_t(scales.size()) * 2; }
};

// Throws gptqt::Error if the view is unusable (BcqMatrixView::check) or an alpha or
// offset is beyond the fp16 range.
BcqPacked repack_for_lut(const BcqMatrixView& w);

// Rows 32·tile .. (those that exist) of the matrix packed into `p`, as a matrix of their
// own: the sign planes rebuilt bit for bit from p's records, alpha and offset copied in
// fp32 from the source's arrays (alpha [n_groups][bits][rows], offset [n_groups][rows];
// p holds them only in fp16). A layer can then keep its LUT records alone and still
// hand the batch kernels, which read planes, the exact weights. alpha and offset null:
// p's fp16 values, exact when the source's were fp16 values (a packed file's are).
// `out` is resized, not reallocated, when it already has the room (the batch paths keep
// one per thread).
void lut_tile_matrix(const BcqPacked& p, int tile, const float* alpha, const float* offset, BcqMatrix& out);

}  // namespace gptqt::kernels
