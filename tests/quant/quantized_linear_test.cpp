#include "quant/quantized_linear.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace gptqt;
using namespace gptqt::quant;

TEST(GroupLayout, RaggedLastGroup) {
  const GroupLayout g{576, 128};
  EXPECT_EQ(g.count(), 5);
  EXPECT_EQ(g.begin(4), 512);
  EXPECT_EQ(g.end(4), 576);
  EXPECT_TRUE(g.starts_group(512));
  EXPECT_FALSE(g.starts_group(513));
  const GroupLayout whole{576, -1};
  EXPECT_EQ(whole.count(), 1);
  EXPECT_EQ(whole.end(0), 576);
}

TEST(LevelValue, SignsFollowCodeBits) {
  const float alpha[2] = {0.5f, 2.f};
  EXPECT_FLOAT_EQ(level_value(alpha, 1, 1.f, 2, 0b00), 1.f - 0.5f - 2.f);
  EXPECT_FLOAT_EQ(level_value(alpha, 1, 1.f, 2, 0b01), 1.f + 0.5f - 2.f);
  EXPECT_FLOAT_EQ(level_value(alpha, 1, 1.f, 2, 0b10), 1.f - 0.5f + 2.f);
  EXPECT_FLOAT_EQ(level_value(alpha, 1, 1.f, 2, 0b11), 1.f + 0.5f + 2.f);
}

namespace {
// 1 row, 3 columns, groups of 2 (the last one ragged), 1 bit: group g has levels
// offset_g ± alpha_g with offset = 10·g, alpha = 1.
QuantizedLinear tiny() {
  QuantizedLinear q = make_quantized_linear(1, 3, 1, 2);
  q.alpha = {1.f, 1.f};
  q.offset = {0.f, 10.f};
  q.codes = {1, 0, 1};
  return q;
}
}  // namespace

TEST(Dequantize, GroupsInOriginalOrder) {
  const std::vector<float> w = dequantize(tiny());
  EXPECT_EQ(w, (std::vector<float>{1.f, -1.f, 11.f}));
}

TEST(Dequantize, GroupsFollowingThePermutation) {
  // Processing order 2, 0, 1: group 0 = original columns {2, 0}, group 1 = {1}.
  QuantizedLinear q = tiny();
  q.perm = {2, 0, 1};
  q.groups_follow_perm = true;
  EXPECT_EQ(q.group_index(), (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(dequantize(q), (std::vector<float>{1.f, 9.f, 1.f}));
  // Static groups keep original-order groups even with a permutation.
  q.groups_follow_perm = false;
  EXPECT_EQ(dequantize(q), (std::vector<float>{1.f, -1.f, 11.f}));
}

TEST(Validate, RejectsInconsistentArrays) {
  QuantizedLinear q = tiny();
  q.codes[0] = 2;  // needs 2 bits
  EXPECT_THROW(validate(q), Error);
  q = tiny();
  q.perm = {0, 0, 1};
  EXPECT_THROW(validate(q), Error);
  q = tiny();
  q.alpha.pop_back();
  EXPECT_THROW(dequantize(q), Error);
  EXPECT_THROW(make_quantized_linear(2, 3, 9, -1), Error);
  EXPECT_THROW(make_quantized_linear(2, 3, 2, 0), Error);
}
