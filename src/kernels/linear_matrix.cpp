#include "kernels/linear_matrix.h"

#include "core/error.h"

namespace gptqt::kernels {

void LinearMatrixView::check() const {
  shape().check("linear matrix", 2, 4);
  GPTQT_CHECK(qweight && scale && zero, "linear matrix {}x{}: qweight, scale and zero must be set",
              rows, cols);
}

LinearMatrix::LinearMatrix(int rows_, int cols_, int bits_, int group_size_)
    : rows(rows_), cols(cols_), bits(bits_), group_size(group_size_) {
  const QuantShape s{rows, cols, bits, group_size};
  s.check("linear matrix", 2, 4);
  qweight.assign(size_t(rows) * bits * s.blocks(), 0);
  scale.assign(size_t(s.n_groups()) * rows, 0.f);
  zero.assign(size_t(s.n_groups()) * rows, 0.f);
}

std::vector<uint32_t> pack_linear_codes(const uint8_t* codes, int rows, int cols, int bits) {
  const QuantShape s{rows, cols, bits, -1};
  s.check("pack_linear_codes", 2, 4);
  const size_t row_words = size_t(bits) * s.blocks();
  std::vector<uint32_t> q(rows * row_words, 0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const uint32_t code = codes[size_t(r) * cols + c];
      GPTQT_CHECK(code >> bits == 0, "pack_linear_codes: code {} at ({}, {}) needs more than {} bits",
                  code, r, c, bits);
      // Bit position inside the row's bit string; a code may straddle two words.
      const size_t bit = size_t(c) * bits;
      uint32_t* w = q.data() + r * row_words + bit / 32;
      w[0] |= code << (bit % 32);
      if (bit % 32 + bits > 32) w[1] |= code >> (32 - bit % 32);
    }
  return q;
}

std::vector<uint8_t> unpack_linear_codes(const uint32_t* qweight, int rows, int cols, int bits) {
  const QuantShape s{rows, cols, bits, -1};
  s.check("unpack_linear_codes", 2, 4);
  const size_t row_words = size_t(bits) * s.blocks();
  const uint32_t mask = (1u << bits) - 1;
  std::vector<uint8_t> codes(size_t(rows) * cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const size_t bit = size_t(c) * bits;
      const uint32_t* w = qweight + r * row_words + bit / 32;
      uint32_t v = w[0] >> (bit % 32);
      if (bit % 32 + bits > 32) v |= w[1] << (32 - bit % 32);
      codes[size_t(r) * cols + c] = uint8_t(v & mask);
    }
  return codes;
}

BcqMatrix linear_to_bcq(const LinearMatrixView& w) {
  w.check();
  BcqMatrix b(w.rows, w.cols, w.bits, w.group_size);
  const std::vector<uint8_t> codes = unpack_linear_codes(w.qweight, w.rows, w.cols, w.bits);
  b.planes = pack_signs(codes.data(), w.rows, w.cols, w.bits);
  const float mid = float((1 << w.bits) - 1) / 2.f;
  for (int g = 0; g < w.shape().n_groups(); ++g)
    for (int r = 0; r < w.rows; ++r) {
      const float s = w.scale_at(g, r);
      for (int j = 0; j < w.bits; ++j)
        b.alpha[(size_t(g) * w.bits + j) * w.rows + r] = s * float(1 << j) / 2.f;
      b.offset[size_t(g) * w.rows + r] = s * (mid - w.zero_at(g, r));
    }
  return b;
}

}  // namespace gptqt::kernels
