// Linear (uniform-grid, GPTQ/RTN) weights: ŵ[r][c] = scale[g][r] · (q[r][c] − zero[g][r]),
// q ∈ [0, 2^bits − 1], bits ∈ {2, 3, 4}, groups as in quant_shape.h.
//
// Packing (GPTQ's CUDA layout, row-major): each row is a run of 32-column blocks and
// each block is `bits` uint32 words holding 32 codes LSB-first, code i in bits
// [bits·i, bits·i + bits) of the block's 32·bits-bit little-endian bit string. So a
// 4-bit block has two codes per byte, a 2-bit block four, and a 3-bit block packs
// 32 codes into 3 words. Every run of 8 codes then fills exactly `bits` whole bytes
// (starting at byte bits·k of the block), which is what the dequantize kernel loads.
// Padded columns past `cols` hold code 0.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/bcq_matrix.h"
#include "kernels/quant_shape.h"

namespace gptqt::kernels {

struct LinearMatrixView {
  int rows = 0, cols = 0, bits = 0;
  int group_size = -1;
  const uint32_t* qweight = nullptr;  // [rows][bits · blocks]
  const float* scale = nullptr;       // [n_groups][rows]
  const float* zero = nullptr;        // [n_groups][rows], need not be an integer

  QuantShape shape() const { return {rows, cols, bits, group_size}; }
  void check() const;  // throws gptqt::Error: bits outside 2..4, bad groups, null arrays

  int64_t row_words() const { return int64_t(bits) * shape().blocks(); }
  const uint32_t* row(int r) const { return qweight + r * row_words(); }
  float scale_at(int g, int r) const { return scale[int64_t(g) * rows + r]; }
  float zero_at(int g, int r) const { return zero[int64_t(g) * rows + r]; }
};

struct LinearMatrix {
  int rows = 0, cols = 0, bits = 0, group_size = -1;
  std::vector<uint32_t> qweight;
  std::vector<float> scale, zero;

  LinearMatrix(int rows, int cols, int bits, int group_size);  // zero-filled
  LinearMatrixView view() const {
    return {rows, cols, bits, group_size, qweight.data(), scale.data(), zero.data()};
  }
};

// codes: rows x cols row-major, each < 2^bits. Returns the packed qweight.
std::vector<uint32_t> pack_linear_codes(const uint8_t* codes, int rows, int cols, int bits);
std::vector<uint8_t> unpack_linear_codes(const uint32_t* qweight, int rows, int cols, int bits);

// The same weights in binary coding (docs/method.md section 1): plane j holds bit j
// of q, alpha_j = scale · 2^(j−1), offset = scale · ((2^bits − 1)/2 − zero). Exact up
// to fp32 rounding of alpha and offset.
BcqMatrix linear_to_bcq(const LinearMatrixView& w);

}  // namespace gptqt::kernels
