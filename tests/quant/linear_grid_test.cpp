#include "quant/linear_grid.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "quant_test_util.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;

TEST(LinearGrid, MinMaxAsymmetric) {
  // Range always includes 0: [−0.5, 1.0] with 2 bits: s = 0.5, z = round(1) = 1.
  const float w[] = {-0.5f, 0.2f, 1.0f};
  const LinearParams p = fit_linear(w, 3, {.bits = 2});
  EXPECT_FLOAT_EQ(p.scale, 0.5f);
  EXPECT_FLOAT_EQ(p.zero, 1.f);
  EXPECT_EQ(linear_code(0.2f, p, 3), 1);  // round(0.4) + 1
  EXPECT_EQ(linear_code(5.f, p, 3), 3);   // clamped
  EXPECT_EQ(linear_code(-5.f, p, 3), 0);
  // All-positive rows still contain 0 in their range: xmin = 0, z = 0.
  const float pos[] = {0.3f, 0.6f};
  EXPECT_FLOAT_EQ(fit_linear(pos, 2, {.bits = 2}).zero, 0.f);
  // An all-zero row uses [−1, 1].
  const float zeros[] = {0.f, 0.f};
  EXPECT_FLOAT_EQ(fit_linear(zeros, 2, {.bits = 1}).scale, 2.f);
}

TEST(LinearGrid, RoundsHalfToEven) {
  EXPECT_EQ(round_clamped(0.5f), 0.f);
  EXPECT_EQ(round_clamped(1.5f), 2.f);
  EXPECT_EQ(round_clamped(2.5f), 2.f);
  EXPECT_EQ(round_clamped(-1.5f), -2.f);
  EXPECT_EQ(round_clamped(-0.4f), 0.f);
  EXPECT_EQ(round_clamped(1e30f), 4194304.f);
}

TEST(LinearGrid, Symmetric) {
  const float w[] = {-0.3f, 0.9f};
  const LinearParams p = fit_linear(w, 2, {.bits = 3, .symmetric = true});
  EXPECT_FLOAT_EQ(p.scale, 1.8f / 7.f);
  EXPECT_FLOAT_EQ(p.zero, 4.f);
}

TEST(LinearGrid, MseSearchNeverWorseThanMinMax) {
  const std::vector<float> w = random_matrix(8, 64, 7);
  for (int r = 0; r < 8; ++r) {
    const float* row = &w[r * 64];
    // One outlier makes min-max wasteful, so shrinking should pay off.
    std::vector<float> v(row, row + 64);
    v[3] = 8.f;
    auto err = [&](LinearParams p) {
      double e = 0;
      for (float x : v) e += std::pow(std::fabs(linear_value(linear_code(x, p, 7), p) - x), 2.4);
      return e;
    };
    const double minmax = err(fit_linear(v.data(), 64, {.bits = 3}));
    const double mse = err(fit_linear(v.data(), 64, {.bits = 3, .mse = true}));
    EXPECT_LE(mse, minmax);
    EXPECT_LT(mse, 0.95 * minmax);
  }
}

TEST(LinearGrid, ConvertsToBinaryCodingLosslessly) {
  const std::vector<float> w = random_matrix(16, 40, 3, 0.05f);
  for (int bits = 1; bits <= 8; ++bits) {
    for (bool sym : {false, true}) {
      const int maxq = (1 << bits) - 1;
      for (int r = 0; r < 16; ++r) {
        const LinearParams p = fit_linear(&w[r * 40], 40, {.bits = bits, .symmetric = sym});
        float alpha[8], offset;
        linear_to_binary(p, bits, alpha, 1, &offset);
        for (int j = 0; j < bits; ++j) EXPECT_EQ(alpha[j], std::ldexp(p.scale, j - 1));  // s·2^(j−1) exactly
        // Code q of the binary coding is linear level q, for every q.
        for (int q = 0; q <= maxq; ++q) {
          const double linear = double(p.scale) * (q - double(p.zero));
          EXPECT_NEAR(level_value(alpha, 1, offset, bits, q), linear, 1e-6 * p.scale * (maxq + 1))
              << "bits " << bits << " q " << q;
        }
      }
    }
  }
}

TEST(LinearFitter, GridQuantizesLikeLinearCode) {
  const int rows = 10, n = 37;
  const std::vector<float> w = random_matrix(rows, n, 11);
  const LinearFitter fitter({.bits = 3});
  GroupGrid grid;
  fitter.fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, grid);
  std::vector<float> col(rows), values(rows);
  std::vector<uint8_t> codes(rows);
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rows; ++r) col[r] = w[r * n + c];
    grid.quantize(col.data(), codes.data(), values.data());
    for (int r = 0; r < rows; ++r) {
      const LinearParams p = fit_linear(&w[r * n], n, {.bits = 3});
      EXPECT_EQ(codes[r], linear_code(col[r], p, 7));
      EXPECT_NEAR(values[r], linear_value(codes[r], p), 1e-6);
    }
  }
}

TEST(LinearFitter, RejectsBadOptions) {
  EXPECT_THROW(LinearFitter({.bits = 0}), Error);
  EXPECT_THROW(LinearFitter({.bits = 9}), Error);
  EXPECT_THROW(LinearFitter({.bits = 3, .mse = true, .mse_grid = 0}), Error);
}
