// llama.cpp's activation rounding (model/ggml_activations.h): which grid each weight
// type gets, hand-computed blocks for the scale and the ties, properties on random
// rows, and the wrapper around a linear layer.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "io/gguf.h"
#include "model/ggml_activations.h"

namespace gptqt {
namespace {

ActivationGrid grid_of(GgmlType t) { return ggml_activation_grid(uint32_t(t)); }

TEST(GgmlActivations, GridsFollowLlamaCppsVecDotTypes) {
  EXPECT_EQ(grid_of(GgmlType::F32), ActivationGrid::f32);
  EXPECT_EQ(grid_of(GgmlType::F16), ActivationGrid::f16);
  EXPECT_EQ(grid_of(GgmlType::BF16), ActivationGrid::bf16);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::IQ4_NL})
    EXPECT_EQ(grid_of(t), ActivationGrid::q8_0) << ggml_type_name(uint32_t(t));
  for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q5_1}) EXPECT_EQ(grid_of(t), ActivationGrid::q8_1);
  for (GgmlType t : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,
                     GgmlType::IQ2_XXS, GgmlType::IQ4_XS, GgmlType::TQ2_0})
    EXPECT_EQ(grid_of(t), ActivationGrid::q8_K) << ggml_type_name(uint32_t(t));
  EXPECT_THROW(grid_of(GgmlType::I32), Error);
}

// amax 127 makes the scale exactly 1, so the codes are the inputs rounded, ties to even.
TEST(GgmlActivations, Q8_0RoundsHalvesToEven) {
  std::vector<float> x(32, 0.f);
  const std::vector<float> in = {127.f, 63.5f, 62.5f, -0.5f, 2.5f, -3.5f, 1.49f, -126.6f};
  const std::vector<float> want = {127.f, 64.f, 62.f, 0.f, 2.f, -4.f, 1.f, -127.f};
  std::copy(in.begin(), in.end(), x.begin());
  round_activations(ActivationGrid::q8_0, x.data(), 32);
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(x[i], want[i]) << in[i];
}

// The scale is stored in fp16: amax 1 gives d = fp16(1/127) = 1032/1024 · 2^-7, so 1
// comes back as 127 · d = 131064/131072, not 1.
TEST(GgmlActivations, Q8_0KeepsTheScaleInFp16) {
  std::vector<float> x(64, 0.f);
  x[0] = 1.f;
  x[1] = -0.5f;  // 63.5 codes: 64 (even)
  x[32] = 0.f;   // an all-zero block stays zero
  round_activations(ActivationGrid::q8_0, x.data(), 64);
  const double d = 1032.0 / 1024 / 128;
  EXPECT_EQ(x[0], float(127 * d));
  EXPECT_EQ(x[0], 131064.f / 131072.f);
  EXPECT_EQ(x[1], float(-64 * d));
  for (int i = 32; i < 64; ++i) EXPECT_EQ(x[i], 0.f);
}

// Q8_K: one fp32 scale per 256 from the largest magnitude (llama.cpp takes it with its
// sign, iscale = -127/max, which the values do not show), ties to even.
TEST(GgmlActivations, Q8_KKeepsTheScaleInFp32) {
  std::vector<float> x(768, 0.f);
  x[0] = 10.f, x[1] = -127.f, x[2] = 127.f, x[3] = 0.5f, x[4] = 1.5f;  // d = 1
  x[256] = 127.f, x[257] = -127.f, x[258] = -2.5f;                     // d = 1 again, the maximum positive
  x[512] = 1.f, x[513] = 0.25f;                                         // d = 1/127 in fp32, not fp16
  round_activations(ActivationGrid::q8_K, x.data(), 768);
  EXPECT_EQ(x[0], 10.f);
  EXPECT_EQ(x[1], -127.f);
  EXPECT_EQ(x[2], 127.f);
  EXPECT_EQ(x[3], 0.f);
  EXPECT_EQ(x[4], 2.f);
  EXPECT_EQ(x[256], 127.f);
  EXPECT_EQ(x[257], -127.f);
  EXPECT_EQ(x[258], -2.f);
  EXPECT_NEAR(x[512], 1.f, 1e-6);  // an fp16 scale would give 0.99994
  EXPECT_NEAR(x[513], 32.f / 127, 1e-6);  // 31.75 codes -> 32
}

// On random rows: every value is an integer multiple (at most 127) of its block's
// scale, and within half a step (plus the scale's own rounding) of the input.
TEST(GgmlActivations, RandomRowsLandOnTheirBlocksGrid) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 3.f);
  for (ActivationGrid g : {ActivationGrid::q8_0, ActivationGrid::q8_K}) {
    const int block = activation_grid_block(g);
    std::vector<float> x(size_t(block) * 5);
    for (float& v : x) v = nd(rng);
    x[3] *= 40;  // an outlier
    std::vector<float> r = x;
    round_activations(g, r.data(), int64_t(r.size()));
    for (size_t b = 0; b < x.size(); b += size_t(block)) {
      float amax = 0;
      for (int i = 0; i < block; ++i) amax = std::max(amax, std::fabs(x[b + i]));
      const double d = amax / 127.0;
      for (int i = 0; i < block; ++i) {
        const double code = r[b + i] / d;
        EXPECT_LE(std::fabs(code), 127.0 * (1 + 1e-3)) << activation_grid_name(g);
        // fp16 keeps 11 significant bits of the Q8_0 scale: the codes are integers of a
        // scale within 2^-11 of amax/127.
        EXPECT_NEAR(code, std::round(code), 127 * 1e-3) << activation_grid_name(g);
        EXPECT_LE(std::fabs(r[b + i] - x[b + i]), 0.5 * d + 127 * d * 1e-3) << activation_grid_name(g);
      }
    }
  }
}

TEST(GgmlActivations, Fp16AndBf16RoundEachValue) {
  std::vector<float> x = {1.f + 1.f / 4096, 3.14159265f};
  round_activations(ActivationGrid::f16, x.data(), 2);
  EXPECT_EQ(x[0], 1.f);  // below half an fp16 step (2^-10)
  EXPECT_EQ(x[1], 3.140625f);
  std::vector<float> y = {1.f + 1.f / 256, 3.14159265f};
  round_activations(ActivationGrid::bf16, y.data(), 2);
  EXPECT_EQ(y[0], 1.f);  // half a bf16 step: ties to even
  EXPECT_EQ(y[1], 3.140625f);
}

TEST(GgmlActivations, TheWrappedLayerMultipliesTheRoundedRows) {
  const int rows = 3, cols = 64, T = 2;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  std::vector<float> w(size_t(rows) * cols), x(size_t(T) * cols);
  for (float& v : w) v = nd(rng);
  for (float& v : x) v = nd(rng);
  auto op = with_ggml_activations(std::make_unique<DenseLinear>(rows, cols, w), uint32_t(GgmlType::Q4_0), "w");
  EXPECT_EQ(op->kind(), "f32+q8_0");
  std::vector<float> y(size_t(T) * rows), want(size_t(T) * rows), xr = x;
  op->forward(x.data(), T, y.data());
  round_activations(ActivationGrid::q8_0, xr.data(), int64_t(xr.size()));
  DenseLinear(rows, cols, w).forward(xr.data(), T, want.data());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(y[i], want[i]);
  DenseLinear(rows, cols, w).forward(x.data(), T, want.data());
  EXPECT_NE(y, want) << "the rounding should show in the outputs";

  // F32 weights multiply fp32 inputs in llama.cpp too: the op comes back as it was.
  auto dense = std::make_unique<DenseLinear>(rows, cols, w);
  const LinearOp* raw = dense.get();
  EXPECT_EQ(with_ggml_activations(std::move(dense), uint32_t(GgmlType::F32), "w").get(), raw);
  EXPECT_THROW(with_ggml_activations(std::make_unique<DenseLinear>(rows, 48, std::vector<float>(rows * 48)),
                                     uint32_t(GgmlType::Q4_0), "w"),
               Error);
}

}  // namespace
}  // namespace gptqt
