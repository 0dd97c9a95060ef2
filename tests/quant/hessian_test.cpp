#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "quant/calibration_states.h"
#include "quant/hessian.h"
#include "quant/hessian_inverse.h"
#include "quant_test_util.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;

TEST(HessianAccumulator, StreamsBatchesIntoTwoOverNSumOfOuterProducts) {
  const int cols = 24, tokens = 1500;  // more than one fp32 chunk
  const std::vector<float> x = correlated_activations(tokens, cols, 1);
  HessianAccumulator acc(cols);
  acc.add(x.data(), 1100);  // a batch spanning two chunks
  acc.add(x.data() + 1100 * cols, 0);
  acc.add(x.data() + 1100 * cols, 400);
  EXPECT_EQ(acc.samples(), tokens);
  const std::vector<double> ref = naive_hessian(x, tokens, cols);
  const std::vector<float> h = acc.take_hessian();
  for (int i = 0; i < cols; ++i)
    for (int j = 0; j < cols; ++j) {
      EXPECT_NEAR(h[i * cols + j], ref[i * cols + j], 1e-5 * std::sqrt(ref[i * cols + i] * ref[j * cols + j]));
      EXPECT_EQ(h[i * cols + j], h[j * cols + i]);
    }
  EXPECT_EQ(acc.samples(), tokens);  // taking the sums leaves the count
  EXPECT_THROW(acc.take_hessian(), Error);
}

// A data-parallel run of N processes: each adds every window to its share of the
// panels (panel p on rank p mod N), in calibration order; the panels brought together
// must be the bits of one process adding the windows whole.
TEST(HessianAccumulator, ShardsOfPanelsGiveTheBitsOfTheWhole) {
  const int cols = 2 * HessianAccumulator::kPanelRows + 37, P = HessianAccumulator::kPanelRows;
  const int windows[] = {300, 1, 257, 64};
  std::vector<std::vector<float>> xs;
  for (int w = 0; w < 4; ++w) xs.push_back(correlated_activations(windows[w], cols, 10 + w));
  HessianAccumulator whole(cols);
  for (int w = 0; w < 4; ++w) whole.add(xs[size_t(w)].data(), windows[w]);
  const std::vector<float> h = whole.take_hessian();
  for (int ranks : {2, 3}) {
    std::vector<HessianAccumulator> shard(static_cast<size_t>(ranks), HessianAccumulator(cols));
    for (int r = 0; r < ranks; ++r)
      for (int w = 0; w < 4; ++w) shard[size_t(r)].add(xs[size_t(w)].data(), windows[w], r, ranks);
    // Every panel to rank 0, as StageHessians::gather does.
    for (int p = 1, row0 = P; row0 < cols; ++p, row0 += P)
      for (int i = row0; i < std::min(row0 + P, cols); ++i)
        std::copy_n(shard[size_t(p % ranks)].panel(row0) + size_t(i - row0) * cols, cols - row0,
                    shard[0].panel(row0) + size_t(i - row0) * cols);
    EXPECT_EQ(shard[0].samples(), whole.samples());
    EXPECT_EQ(shard[0].take_hessian(), h) << ranks << " ranks";
  }
}

TEST(HessianAccumulator, Errors) {
  HessianAccumulator acc(3);
  EXPECT_THROW(acc.take_hessian(), Error);  // no tokens yet
  std::vector<float> x = {1, 2, 3, 4, NAN, 6};
  try {
    acc.add(x.data(), 2);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("column 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(HessianAccumulator(0), Error);
}

namespace {
// max |UᵀU (H + λ·mean(diag H)·I) − I|
double inverse_residual(const std::vector<float>& u, const std::vector<double>& h, int n, double lambda) {
  double mean = 0;
  for (int i = 0; i < n; ++i) mean += h[i * n + i] / n;
  double worst = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int k = 0; k < n; ++k) {
        double utu = 0;  // (UᵀU)_ik
        for (int l = 0; l < n; ++l) utu += u[l * n + i] * u[l * n + k];
        s += utu * (h[k * n + j] + (k == j ? lambda * mean : 0));
      }
      worst = std::max(worst, std::fabs(s - (i == j ? 1 : 0)));
    }
  return worst;
}
}  // namespace

TEST(InverseCholesky, UpperFactorOfTheDampedInverse) {
  const int n = 12;
  const std::vector<double> h = naive_hessian(correlated_activations(200, n, 2), 200, n);
  std::vector<float> u(h.begin(), h.end());
  const InverseCholesky inv = damped_inverse_cholesky(u, n, 0.01, 5);
  ASSERT_TRUE(inv.ok);
  EXPECT_EQ(inv.damp, 0.01);
  EXPECT_EQ(inv.tries, 1);
  for (int i = 0; i < n; ++i) {
    EXPECT_GT(u[i * n + i], 0);
    for (int j = 0; j < i; ++j) EXPECT_EQ(u[i * n + j], 0);
  }
  EXPECT_LT(inverse_residual(u, h, n, 0.01), 1e-5);  // fp32
}

TEST(InverseCholesky, EscalatesDampingUntilPositiveDefinite) {
  // A rank-deficient PSD matrix shifted down by 5% of its mean diagonal: λ = 0.01 is not
  // enough, λ = 0.1 is.
  const int n = 10;
  std::vector<double> h = naive_hessian(correlated_activations(4, n, 3), 4, n);
  double mean = 0;
  for (int i = 0; i < n; ++i) mean += h[i * n + i] / n;
  for (int i = 0; i < n; ++i) h[i * n + i] -= 0.05 * mean;
  std::vector<float> u(h.begin(), h.end());
  const InverseCholesky inv = damped_inverse_cholesky(u, n, 0.01, 5);
  ASSERT_TRUE(inv.ok);
  EXPECT_EQ(inv.tries, 2);
  EXPECT_NEAR(inv.damp, 0.1, 1e-12);
  EXPECT_LT(inverse_residual(u, h, n, inv.damp), 1e-5);  // the retry started from H again
}

TEST(InverseCholesky, HopelessMatrixFails) {
  std::vector<double> h = identity(4);
  for (double& v : h) v = -v;  // negative definite: damping by a negative mean only hurts
  std::vector<float> u(h.begin(), h.end());
  const InverseCholesky inv = damped_inverse_cholesky(u, 4, 0.01, 5);
  EXPECT_FALSE(inv.ok);
  EXPECT_EQ(inv.tries, 5);
}

TEST(CalibrationStates, Fp16KeepsWhatItCanAndRefusesWhatItCannot) {
  const int hidden = 4, tokens = 2;
  CalibrationStates f16(StateStorage::fp16, hidden), f32(StateStorage::fp32, hidden);
  const std::vector<float> x = {1.f, -0.333333f, 1e-3f, 60000.f, 3.14159f, -2.5f, 0.f, 1e-8f};
  f16.add(x, tokens);
  f32.add(x, tokens);
  std::vector<float> back;
  f32.get(0, back);
  EXPECT_EQ(back, x);
  f16.get(0, back);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(back[i], x[i], std::abs(x[i]) * 0x1p-11f + 6e-8f) << i;
  std::vector<float> big = x;
  big[5] = 1e5f;  // beyond fp16's 65504
  try {
    f16.set(0, big, 7);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("block 7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--states fp32"), std::string::npos) << e.what();
  }
  f32.set(0, big, 7);  // fp32 holds it
  EXPECT_THROW(parse_state_storage("bf16"), Error);
}
