// The int8 GEMM on every instruction set this CPU has, with 1 and 2 threads:
//
// 1. Bit for bit against the scalar path (int8_gemm_kernels.h fixes the order of
//    every fp32 operation, and the integer sums are exact).
// 2. Against the exact product of the dequantized matrix in double, within the
//    bound of the two roundings int8_gemm.h states. With x = σ(u − 128) + e_x,
//    |e_x| ≤ σ/2 (outliers: e_x = 0), and ŵ = s·q + offset + e_w, |e_w| ≤ s/2
//    (s = A/64, A = Σ|α|): y − Σ ŵ x = −Σ (ŵ − offset) e_x − Σ e_w x + Σ e_w e_x,
//    so per output, with σ_b the scale of the token's 32-column block b (outliers out),
//      |error| ≤ Σ_groups Σ_{b∈g} ( A·σ_b/2 · n_b + s/2 · Σ_b |x| + s/2 · σ_b/2 · n_b )
//    (n_b the block's columns), plus fp32 rounding: 1e-5 of Σ |ŵ x|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernel_test_util.h"
#include "kernels/int8_gemm.h"

namespace gptqt::kernels::test {
namespace {

class Int8Gemm : public IsaTest {};

// Token 1 gets 3 outlier inputs (100x), token 2 more than kMaxOutliers.
std::vector<float> inputs(int batch, int cols, uint32_t seed, float scale = 1.f) {
  std::vector<float> X = random_vector(size_t(batch) * cols, seed, scale);
  for (int t = 1; t < std::min(batch, 3); ++t)
    for (int k = 0; k < (t == 1 ? 3 : 2 * kMaxOutliers); ++k) X[size_t(t) * cols + (k * 7919 + t) % cols] *= 100.f;
  return X;
}

// The bound above for every (token, row).
std::vector<double> error_bound(const BcqMatrixView& w, const float* X, int batch) {
  const QuantShape s = w.shape();
  std::vector<double> bound(size_t(batch) * w.rows, 0.0);
  for (int t = 0; t < batch; ++t) {
    const float* x = X + size_t(t) * w.cols;
    std::vector<float> rest(x, x + w.cols);
    ActivationOutlier out[kMaxOutliers];
    extract_outliers(rest.data(), w.cols, out);
    for (int r = 0; r < w.rows; ++r)
      for (int g = 0; g < s.n_groups(); ++g) {
        double a = 0;
        for (int j = 0; j < w.bits; ++j) a += std::fabs(w.alpha_at(g, j, r));
        const double step = a / kInt8CodeMax;
        for (int b0 = s.group_begin(g); b0 < s.group_end(g); b0 += kInt8BlockCols) {
          const int b1 = std::min(s.group_end(g), b0 + kInt8BlockCols);
          double m = 0, l1 = 0;
          for (int c = b0; c < b1; ++c) {
            m = std::max(m, double(std::fabs(rest[size_t(c)])));
            l1 += std::fabs(x[c]);
          }
          const double sigma = m / 127, n = b1 - b0;
          bound[size_t(t) * w.rows + r] += a * sigma / 2 * n + step / 2 * l1 + step / 2 * sigma / 2 * n;
        }
      }
  }
  return bound;
}

TEST_P(Int8Gemm, WithinTheStatedBoundOfTheExactProduct) {
  uint32_t seed = 1;
  for (const Shape& sh : ragged_shapes())
    for (int bits = 1; bits <= 4; ++bits)
      for (int batch : {1, 3, 6, 21}) {
        SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " g" << sh.group_size << " " << bits
                                          << "-bit, batch " << batch);
        const BcqMatrix m = random_bcq(sh.rows, sh.cols, bits, sh.group_size, seed++);
        const std::vector<float> X = inputs(batch, sh.cols, seed++);
        std::vector<double> mag;
        const std::vector<double> exact = dense_gemm(dense_bcq(m.view()), sh.rows, sh.cols, X.data(), batch, &mag);
        const std::vector<double> bound = error_bound(m.view(), X.data(), batch);
        for_thread_counts([&] {
          std::vector<float> Y(size_t(batch) * sh.rows, NAN);
          int8_gemm(m.view(), X.data(), batch, Y.data());
          for (size_t i = 0; i < Y.size(); ++i)
            ASSERT_LE(std::abs(Y[i] - exact[i]), bound[i] * (1 + 1e-4) + 1e-5 * mag[i])
                << "token " << i / sh.rows << " row " << i % sh.rows << ": " << Y[i] << " vs " << exact[i];
        });
      }
}

TEST_P(Int8Gemm, AgreesWithScalarPathBitForBit) {
  uint32_t seed = 100;
  for (const Shape& sh : ragged_shapes())
    for (int bits : {2, 3, 4})
      for (int batch : {1, 2, 5, 17}) {
        SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " g" << sh.group_size << " " << bits
                                          << "-bit, batch " << batch);
        const BcqMatrix m = random_bcq(sh.rows, sh.cols, bits, sh.group_size, seed++);
        const std::vector<float> X = inputs(batch, sh.cols, seed++, 3.f);
        std::vector<float> want(size_t(batch) * sh.rows);
        const Isa isa = active_isa();
        set_active_isa(Isa::scalar);
        int8_gemm(m.view(), X.data(), batch, want.data());
        set_active_isa(isa);
        for_thread_counts([&] {
          std::vector<float> Y(size_t(batch) * sh.rows, NAN);
          int8_gemm(m.view(), X.data(), batch, Y.data());
          ASSERT_EQ(0, std::memcmp(Y.data(), want.data(), Y.size() * sizeof(float)));
        });
      }
}

GPTQT_INSTANTIATE_ISA_TESTS(Int8Gemm);

// The typical error is far below the worst case; on SmolLM2-like shapes (3 bits,
// g128, 576 columns, normal inputs with a few outliers) it stays under 1% of the
// output's size.
TEST(Int8Accuracy, RelativeErrorIsSmall) {
  const int rows = 256, cols = 576, batch = 32;
  const BcqMatrix m = random_bcq(rows, cols, 3, 128, 7);
  std::vector<float> X = random_vector(size_t(batch) * cols, 8);
  for (int t = 0; t < batch; ++t) X[size_t(t) * cols + (t * 37) % cols] *= 20.f;  // one outlier per token
  std::vector<float> Y(size_t(batch) * rows);
  int8_gemm(m.view(), X.data(), batch, Y.data());
  const std::vector<double> exact = dense_gemm(dense_bcq(m.view()), rows, cols, X.data(), batch);
  double err = 0, ref = 0;
  for (size_t i = 0; i < Y.size(); ++i) {
    err += (Y[i] - exact[i]) * (Y[i] - exact[i]);
    ref += exact[i] * exact[i];
  }
  const double rel = std::sqrt(err / ref);
  std::printf("int8 GEMM relative RMS error: %.4f%%\n", 100 * rel);
  EXPECT_LT(rel, 0.01);
}

TEST(Int8Gemm, RejectsActivationsOfAnotherShape) {
  const BcqMatrix m = random_bcq(16, 64, 2, 32, 1);
  Int8Activations x;
  const std::vector<float> X(128, 1.f);
  quantize_activations(X.data(), 2, 64, 64, x);  // groups of 64, the weights' are 32
  std::vector<float> Y(32);
  EXPECT_THROW(int8_gemm(m.view(), x, Y.data()), Error);
}

}  // namespace
}  // namespace gptqt::kernels::test
