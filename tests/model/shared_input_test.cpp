// forward_same_input: layers of one input that take the int8 GEMM share one
// quantization of it, those that take the LUT kernels (small batches) one set of
// tables, and every layer's output is the bits its own forward gives.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "model/linear.h"
#include "model/packed_ops.h"

namespace gptqt {
namespace {

// A packed layer of random signs: a linear grid (α_j = α_0·2^j, the int8 GEMM's exact
// case) or a binary coding of random scales (which `auto` sends to sgemm).
Linear packed_layer(int rows, int cols, bool linear_grid, uint32_t seed, bool bias, int group_size = 32) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.01f, 0.1f);
  PackedLinear q;
  q.rows = rows, q.cols = cols, q.bits = 3, q.group_size = group_size;
  q.planes.resize(size_t(q.bits) * rows * ((cols + 31) / 32));
  for (uint32_t& w : q.planes) w = rng();
  const int groups = (cols + group_size - 1) / group_size;
  q.alpha.resize(size_t(groups) * q.bits * rows);
  q.offset.resize(size_t(groups) * rows);
  for (int g = 0; g < groups; ++g)
    for (int r = 0; r < rows; ++r) {
      const float a0 = u(rng);
      for (int j = 0; j < q.bits; ++j) q.alpha[(size_t(g) * q.bits + j) * rows + r] = linear_grid ? std::ldexp(a0, j) : u(rng);
      q.offset[size_t(g) * rows + r] = u(rng) - 0.05f;
    }
  Linear l;
  l.op = make_packed_op(std::move(q), PackedKernel::lut);
  if (bias) l.bias.assign(size_t(rows), 0.5f);
  return l;
}

TEST(SharedInput, EachLayerGetsItsOwnForwardsBits) {
  const int cols = 96;
  Linear a = packed_layer(64, cols, true, 1, false), b = packed_layer(40, cols, true, 2, true),
         c = packed_layer(48, cols, false, 3, false);
  // A fifth LUT layer of the same groups (over kMaxLutProducts), and another group size (its own tables).
  Linear f = packed_layer(20, cols, false, 5, false), g = packed_layer(28, cols, true, 6, false),
         e = packed_layer(36, cols, true, 4, true, 96);
  Linear d;
  std::vector<float> dense(size_t(24) * cols, 0.25f);
  d.op = std::make_unique<DenseLinear>(24, cols, dense);
  EXPECT_EQ(a.op->int8_input_groups(20), 32);
  EXPECT_EQ(c.op->int8_input_groups(20), 0);  // a binary coding: sgemm
  EXPECT_EQ(a.op->int8_input_groups(16), 0);  // a small batch: the LUT kernel
  EXPECT_NE(a.op->lut_weights(16), nullptr);
  EXPECT_EQ(a.op->lut_weights(20), nullptr);
  for (const int T : {5, 20}) {
    std::vector<float> x(size_t(T) * cols);
    std::mt19937 rng(T);
    std::normal_distribution<float> n(0.f, 1.f);
    for (float& v : x) v = n(rng);
    std::vector<float> ya(size_t(T) * 64), yb(size_t(T) * 40), yc(size_t(T) * 48), yd(size_t(T) * 24),
        ye(size_t(T) * 36), yf(size_t(T) * 20), yg(size_t(T) * 28);
    forward_same_input(x.data(), T,
                       {{&a, ya.data()}, {&d, yd.data()}, {&b, yb.data()}, {&c, yc.data()}, {&f, yf.data()},
                        {&g, yg.data()}, {&e, ye.data()}});
    for (auto [layer, got] :
         {std::pair{&a, &ya}, {&b, &yb}, {&c, &yc}, {&d, &yd}, {&e, &ye}, {&f, &yf}, {&g, &yg}}) {
      std::vector<float> want(got->size());
      layer->forward(x.data(), T, want.data());
      EXPECT_EQ(0, std::memcmp(want.data(), got->data(), want.size() * sizeof(float))) << "T=" << T;
    }
  }
}

}  // namespace
}  // namespace gptqt
