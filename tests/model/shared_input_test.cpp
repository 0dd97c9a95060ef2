// forward_same_input: layers of one input that take the int8 GEMM share one
// quantization of it, those that take the LUT kernels (small batches) one set of
// tables, and every layer's output is the bits its own forward gives.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "model/linear.h"
#include "model/packed_ops.h"
#include "random_packed.h"

namespace gptqt {
namespace {

Linear packed_layer(int rows, int cols, bool linear_grid, uint32_t seed, bool bias, int group_size = 32) {
  Linear l;
  l.op = make_packed_op(random_packed(rows, cols, linear_grid, seed, group_size), PackedKernel::lut);
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
