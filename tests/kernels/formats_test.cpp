// The packed formats: round trips, documented bit positions, shape validation, and
// the linear → binary-coding conversion.
#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "kernels/dequantize.h"
#include "kernels/lut_layout.h"
#include "kernels/quant_shape.h"

namespace gptqt::kernels::test {
namespace {

TEST(QuantShape, GroupsWithRaggedLastGroup) {
  const QuantShape s{8, 576, 3, 128};
  EXPECT_EQ(s.n_groups(), 5);
  EXPECT_EQ(s.group_begin(4), 512);
  EXPECT_EQ(s.group_end(4), 576);
  EXPECT_EQ(s.blocks(), 18);
  const QuantShape t{8, 300, 3, 64};
  EXPECT_EQ(t.n_groups(), 5);
  EXPECT_EQ(t.group_end(4), 300);
  EXPECT_EQ(t.group_block_end(4), 10);  // the padded block 288..319
  for (int g : {-1, 300, 512}) {
    const QuantShape w{8, 300, 3, g};
    EXPECT_EQ(w.n_groups(), 1) << g;
    EXPECT_EQ(w.group_end(0), 300) << g;
  }
}

TEST(PackSigns, RoundTripAndBitPositions) {
  for (const Shape& sh : ragged_shapes())
    for (int bits = 1; bits <= 4; ++bits) {
      const std::vector<uint8_t> codes = random_codes(sh.rows, sh.cols, bits, 5);
      const std::vector<uint32_t> planes = pack_signs(codes.data(), sh.rows, sh.cols, bits);
      const int blocks = (sh.cols + 31) / 32;
      ASSERT_EQ(planes.size(), size_t(bits) * sh.rows * blocks);
      EXPECT_EQ(unpack_signs(planes.data(), sh.rows, sh.cols, bits), codes);
      for (int j = 0; j < bits; ++j)
        for (int r = 0; r < sh.rows; ++r)
          for (int c = 0; c < blocks * 32; ++c) {
            const uint32_t bit = planes[(size_t(j) * sh.rows + r) * blocks + c / 32] >> (c % 32) & 1;
            const uint32_t want = c < sh.cols ? (codes[size_t(r) * sh.cols + c] >> j) & 1 : 0;  // padding is 0
            ASSERT_EQ(bit, want) << "plane " << j << " row " << r << " col " << c;
          }
    }
}

TEST(PackLinearCodes, RoundTripAndBitPositions) {
  for (const Shape& sh : ragged_shapes())
    for (int bits = 2; bits <= 4; ++bits) {
      const std::vector<uint8_t> codes = random_codes(sh.rows, sh.cols, bits, 6);
      const std::vector<uint32_t> q = pack_linear_codes(codes.data(), sh.rows, sh.cols, bits);
      const size_t row_words = size_t(bits) * ((sh.cols + 31) / 32);
      ASSERT_EQ(q.size(), sh.rows * row_words);
      EXPECT_EQ(unpack_linear_codes(q.data(), sh.rows, sh.cols, bits), codes);
      // Code c of a row starts at bit bits·c of the row's little-endian bit string.
      for (int r = 0; r < sh.rows; ++r)
        for (int c = 0; c < sh.cols; ++c)
          for (int b = 0; b < bits; ++b) {
            const size_t bit = size_t(c) * bits + b;
            ASSERT_EQ(q[r * row_words + bit / 32] >> (bit % 32) & 1, uint32_t(codes[size_t(r) * sh.cols + c] >> b & 1));
          }
    }
  // 3-bit: 32 codes in 3 words, code 10 straddles words 0 and 1.
  std::vector<uint8_t> one(32, 0);
  one[10] = 5;  // 0b101 at bits 30..32
  const std::vector<uint32_t> q = pack_linear_codes(one.data(), 1, 32, 3);
  EXPECT_EQ(q, (std::vector<uint32_t>{1u << 30, 1u, 0u}));
}

TEST(Validation, BadShapesThrow) {
  const BcqMatrix m(4, 64, 3, 32);
  BcqMatrixView v = m.view();
  EXPECT_NO_THROW(v.check());
  auto bad = [&](auto change) {
    BcqMatrixView b = v;
    change(b);
    return b;
  };
  EXPECT_THROW(bad([](auto& b) { b.group_size = 48; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.group_size = 0; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.group_size = -2; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.rows = 0; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.cols = -5; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.bits = 0; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.bits = 5; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.planes = nullptr; }).check(), Error);
  EXPECT_THROW(bad([](auto& b) { b.alpha = nullptr; }).check(), Error);
  EXPECT_THROW(repack_for_lut(bad([](auto& b) { b.group_size = 100; })), Error);
  EXPECT_NO_THROW(bad([](auto& b) { b.group_size = -1; }).check());
  EXPECT_NO_THROW(bad([](auto& b) { b.group_size = 64; }).check());   // == cols
  EXPECT_NO_THROW(bad([](auto& b) { b.group_size = 128; }).check());  // > cols: one group
  EXPECT_THROW(BcqMatrix(4, 100, 2, 50), Error);
  EXPECT_NO_THROW(BcqMatrix(4, 100, 2, 100));

  const LinearMatrix l(4, 64, 3, 32);
  LinearMatrixView lv = l.view();
  EXPECT_NO_THROW(lv.check());
  lv.bits = 1;
  EXPECT_THROW(lv.check(), Error);
  lv.bits = 3;
  lv.zero = nullptr;
  EXPECT_THROW(lv.check(), Error);
  EXPECT_THROW(LinearMatrix(4, 64, 5, 32), Error);

  const std::vector<uint8_t> codes(64, 8);
  EXPECT_THROW(pack_signs(codes.data(), 1, 64, 3), Error);  // 8 needs 4 bits
  EXPECT_THROW(pack_linear_codes(codes.data(), 1, 64, 3), Error);

  std::vector<float> out(64 * 4);
  EXPECT_THROW(dequantize_rows(m.view(), 2, 5, out.data()), Error);
  EXPECT_THROW(dequantize_rows(m.view(), 3, 2, out.data()), Error);
  EXPECT_THROW(dequantize_rows(l.view(), -1, 2, out.data()), Error);

  BcqMatrix huge(4, 64, 2, -1);
  huge.alpha[3] = 1e6f;  // beyond fp16
  EXPECT_THROW(repack_for_lut(huge.view()), Error);
}

TEST(LinearToBcq, SameWeights) {
  for (const Shape& sh : ragged_shapes())
    for (int bits = 2; bits <= 4; ++bits) {
      const LinearMatrix l = random_linear(sh.rows, sh.cols, bits, sh.group_size, 9);
      const BcqMatrix b = linear_to_bcq(l.view());
      const std::vector<double> want = dense_linear(l.view());
      const std::vector<double> got = dense_bcq(b.view());
      for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-6) << i;
    }
}

}  // namespace
}  // namespace gptqt::kernels::test
