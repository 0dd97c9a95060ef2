#include "kernels/bcq_matrix.h"

#include "core/error.h"

namespace gptqt::kernels {

void BcqMatrixView::check() const {
  shape().check("BCQ matrix", 1, 4);
  GPTQT_CHECK(planes && alpha && offset, "BCQ matrix {}x{}: planes, alpha and offset must be set",
              rows, cols);
}

BcqMatrix::BcqMatrix(int rows_, int cols_, int bits_, int group_size_)
    : rows(rows_), cols(cols_), bits(bits_), group_size(group_size_) {
  const QuantShape s{rows, cols, bits, group_size};
  s.check("BCQ matrix", 1, 4);
  planes.assign(size_t(bits) * rows * s.blocks(), 0);
  alpha.assign(size_t(s.n_groups()) * bits * rows, 0.f);
  offset.assign(size_t(s.n_groups()) * rows, 0.f);
}

std::vector<uint32_t> pack_signs(const uint8_t* codes, int rows, int cols, int bits) {
  const QuantShape s{rows, cols, bits, -1};
  s.check("pack_signs", 1, 8);  // up to 8 planes: a work folder also keeps --format's 5- and 8-bit layers
  const int blocks = s.blocks();
  std::vector<uint32_t> planes(size_t(bits) * rows * blocks, 0);
  for (int r = 0; r < rows; ++r) {
    const uint8_t* row = codes + int64_t(r) * cols;
    for (int c = 0; c < cols; ++c) {
      GPTQT_CHECK(row[c] >> bits == 0, "pack_signs: code {} at ({}, {}) needs more than {} bits",
                  row[c], r, c, bits);
      for (int j = 0; j < bits; ++j)
        planes[(size_t(j) * rows + r) * blocks + c / 32] |= uint32_t((row[c] >> j) & 1) << (c % 32);
    }
  }
  return planes;
}

std::vector<uint8_t> unpack_signs(const uint32_t* planes, int rows, int cols, int bits) {
  const QuantShape s{rows, cols, bits, -1};
  s.check("unpack_signs", 1, 8);
  const int blocks = s.blocks();
  std::vector<uint8_t> codes(size_t(rows) * cols, 0);
  for (int j = 0; j < bits; ++j)
    for (int r = 0; r < rows; ++r) {
      const uint32_t* words = planes + (size_t(j) * rows + r) * blocks;
      for (int c = 0; c < cols; ++c)
        codes[size_t(r) * cols + c] |= uint8_t(((words[c / 32] >> (c % 32)) & 1) << j);
    }
  return codes;
}

}  // namespace gptqt::kernels
