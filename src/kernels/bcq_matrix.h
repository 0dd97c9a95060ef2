// Binary-coded weights with offset (docs/kernels.md, "BCQ format"):
//
//   ŵ[r][c] = offset[g][r] + Σ_{j<bits} alpha[g][j][r] · s_j[r][c],  s ∈ {−1, +1},
//   g = c / group_cols.
//
// Sign planes are uint32_t planes[bits][rows][blocks]: bit b of word w of a row is
// column 32·w + b, 1 means +1; padded columns past `cols` hold 0 bits.
// alpha is float[n_groups][bits][rows], offset float[n_groups][rows].
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/quant_shape.h"

namespace gptqt::kernels {

struct BcqMatrixView {
  int rows = 0, cols = 0, bits = 0;
  int group_size = -1;               // multiple of 32, or -1 / cols for whole rows
  const uint32_t* planes = nullptr;  // [bits][rows][shape().blocks()]
  const float* alpha = nullptr;      // [n_groups][bits][rows]
  const float* offset = nullptr;     // [n_groups][rows]

  QuantShape shape() const { return {rows, cols, bits, group_size}; }
  // Throws gptqt::Error for an unusable shape (bits outside 1..4, a group size that
  // is not a multiple of 32, no rows, ...) or a missing array.
  void check() const;

  const uint32_t* plane_row(int j, int r) const {
    return planes + (int64_t(j) * rows + r) * shape().blocks();
  }
  float alpha_at(int g, int j, int r) const { return alpha[(int64_t(g) * bits + j) * rows + r]; }
  float offset_at(int g, int r) const { return offset[int64_t(g) * rows + r]; }
};

// Owning storage for a BcqMatrixView (tests, the quantizer, converted linear weights).
struct BcqMatrix {
  int rows = 0, cols = 0, bits = 0, group_size = -1;
  std::vector<uint32_t> planes;
  std::vector<float> alpha, offset;

  // Zero-filled arrays of the right sizes; throws gptqt::Error on a bad shape.
  BcqMatrix(int rows, int cols, int bits, int group_size);
  BcqMatrix() = default;  // empty, to be filled (lut_tile_matrix)
  BcqMatrixView view() const {
    return {rows, cols, bits, group_size, planes.data(), alpha.data(), offset.data()};
  }
};

// codes is rows x cols row-major, each code in [0, 2^bits); bit j of a code is the
// sign of plane j (1 = +1). Returns planes[bits][rows][blocks] as described above.
// For a linear grid the code is the integer level q itself (docs/kernels.md).
std::vector<uint32_t> pack_signs(const uint8_t* codes, int rows, int cols, int bits);
// The inverse: rows x cols codes.
std::vector<uint8_t> unpack_signs(const uint32_t* planes, int rows, int cols, int bits);

}  // namespace gptqt::kernels
