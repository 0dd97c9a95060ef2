// The int8 GEMM on every instruction set this CPU has, with 1 and 2 threads:
//
// 1. Bit for bit against the scalar path (int8_gemm_kernels.h fixes the order of
//    every fp32 operation, and the integer sums are exact).
// 2. Against the exact product of the dequantized matrix in double, within the
//    bound of the roundings int8_gemm.h states. With x = σ·x8 + e_x, |e_x| ≤ σ/2
//    (outliers: e_x = 0), and ŵ = m + s(q − c) + e_w, the computed sum is
//    Σ (ŵ − e_w) x − Σ s(q − c) e_x, so per output, with σ_b the scale of the
//    token's 32-column block b (outliers out) and n_b its columns,
//      |error| ≤ Σ_groups Σ_{b∈g} ( W · σ_b/2 · n_b + E · Σ_b |x| ),
//    W = max |s(q − c)| and E = max |e_w|: a linear grid (and any 1-bit coding) has
//    W = 2^bits·|α_0| and E = 0, any other coding W = A and E = A/128 (A = Σ|α|);
//    plus fp32 rounding: 1e-5 of Σ |ŵ x|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernel_test_util.h"
#include "kernels/int8_gemm.h"

namespace gptqt::kernels::test {
namespace {

class Int8Gemm : public IsaTest {};

// Runs f() once per int8 kernel of the active path: on avx512, the AVX-512BW kernel
// and, where the CPU has VNNI, the VNNI one; on avx2, the maddubs kernel and, where
// the CPU has AVX-VNNI, the AVX-VNNI one.
template <class F>
void for_each_kernel(F&& f) {
  const bool avx512 = active_isa() == Isa::avx512;
  if (!(avx512 ? cpu_has_avx512_vnni() : active_isa() == Isa::avx2 && cpu_has_avx_vnni())) return f();
  for (const bool vnni : {false, true}) {
    SCOPED_TRACE(vnni ? (avx512 ? "VNNI" : "AVX-VNNI") : (avx512 ? "AVX-512BW" : "AVX2"));
    set_avx512_vnni(vnni);
    ASSERT_EQ(avx512 ? avx512_vnni_active() : avx_vnni_active(), vnni);
    f();
  }
  set_avx512_vnni(true);
}

// Token 1 gets 3 outlier inputs (100x), token 2 more than kMaxOutliers.
std::vector<float> inputs(int batch, int cols, uint32_t seed, float scale = 1.f) {
  std::vector<float> X = random_vector(size_t(batch) * cols, seed, scale);
  for (int t = 1; t < std::min(batch, 3); ++t)
    for (int k = 0; k < (t == 1 ? 3 : 2 * kMaxOutliers); ++k) X[size_t(t) * cols + (k * 7919 + t) % cols] *= 100.f;
  return X;
}

// The bound above for every (token, row).
std::vector<double> error_bound(const BcqMatrixView& w, bool linear_grid, const float* X, int batch) {
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
        const double most = linear_grid ? std::ldexp(std::fabs(w.alpha_at(g, 0, r)), w.bits) : a;
        const double e_w = linear_grid ? 0.0 : a / 128;
        for (int b0 = s.group_begin(g); b0 < s.group_end(g); b0 += kInt8BlockCols) {
          const int b1 = std::min(s.group_end(g), b0 + kInt8BlockCols);
          double m = 0, l1 = 0;
          for (int c = b0; c < b1; ++c) {
            m = std::max(m, double(std::fabs(rest[size_t(c)])));
            l1 += std::fabs(x[c]);
          }
          bound[size_t(t) * w.rows + r] += most * (m / 127) / 2 * (b1 - b0) + e_w * l1;
        }
      }
  }
  return bound;
}

// Random binary codings (any bits), or linear grids (2-4 bits) as the quantizers write them.
BcqMatrix random_weights(const Shape& sh, int bits, bool linear_grid, uint32_t seed) {
  return linear_grid ? linear_to_bcq(random_linear(sh.rows, sh.cols, bits, sh.group_size, seed).view())
                     : random_bcq(sh.rows, sh.cols, bits, sh.group_size, seed);
}

TEST_P(Int8Gemm, WithinTheStatedBoundOfTheExactProduct) {
  uint32_t seed = 1;
  for (const bool linear_grid : {false, true})
    for (const Shape& sh : ragged_shapes())
      for (int bits = linear_grid ? 2 : 1; bits <= 4; ++bits)
        for (int batch : {1, 3, 6, 21}) {
          SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " g" << sh.group_size << " " << bits
                                            << "-bit " << (linear_grid ? "linear grid" : "BCQ") << ", batch " << batch);
          const BcqMatrix m = random_weights(sh, bits, linear_grid, seed++);
          const std::vector<float> X = inputs(batch, sh.cols, seed++);
          std::vector<double> mag;
          const std::vector<double> exact = dense_gemm(dense_bcq(m.view()), sh.rows, sh.cols, X.data(), batch, &mag);
          const std::vector<double> bound = error_bound(m.view(), linear_grid || bits == 1, X.data(), batch);
          for_each_kernel([&] {
            for_thread_counts([&] {
              std::vector<float> Y(size_t(batch) * sh.rows, NAN);
              int8_gemm(m.view(), X.data(), batch, Y.data());
              for (size_t i = 0; i < Y.size(); ++i)
                ASSERT_LE(std::abs(Y[i] - exact[i]), bound[i] * (1 + 1e-4) + 1e-5 * mag[i])
                    << "token " << i / sh.rows << " row " << i % sh.rows << ": " << Y[i] << " vs " << exact[i];
            });
          });
        }
}

TEST_P(Int8Gemm, AgreesWithScalarPathBitForBit) {
  uint32_t seed = 100;
  for (const bool linear_grid : {false, true})
    for (const Shape& sh : ragged_shapes())
      for (int bits : {2, 3, 4})
        for (int batch : {1, 2, 5, 17}) {
          SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " g" << sh.group_size << " " << bits
                                            << "-bit " << (linear_grid ? "linear grid" : "BCQ") << ", batch " << batch);
          const BcqMatrix m = random_weights(sh, bits, linear_grid, seed++);
          const std::vector<float> X = inputs(batch, sh.cols, seed++, 3.f);
          std::vector<float> want(size_t(batch) * sh.rows);
          const Isa isa = active_isa();
          set_active_isa(Isa::scalar);
          int8_gemm(m.view(), X.data(), batch, want.data());
          set_active_isa(isa);
          for_each_kernel([&] {
            for_thread_counts([&] {
              std::vector<float> Y(size_t(batch) * sh.rows, NAN);
              int8_gemm(m.view(), X.data(), batch, Y.data());
              ASSERT_EQ(0, std::memcmp(Y.data(), want.data(), Y.size() * sizeof(float)));
            });
          });
        }
}

GPTQT_INSTANTIATE_ISA_TESTS(Int8Gemm);

// The typical error is far below the worst case. On SmolLM2-like shapes (3 bits,
// g128, 576 columns, normal inputs with an outlier per token) it stays under 1% of
// the output's size for a binary coding, and under 0.5% for a linear grid, whose
// weights are exact (only the activations are rounded, as llama.cpp's Q8_0).
double relative_rms_error(const BcqMatrix& m, int batch) {
  const int rows = m.rows, cols = m.cols;
  std::vector<float> X = random_vector(size_t(batch) * cols, 8);
  for (int t = 0; t < batch; ++t) X[size_t(t) * cols + (t * 37) % cols] *= 20.f;
  std::vector<float> Y(size_t(batch) * rows);
  int8_gemm(m.view(), X.data(), batch, Y.data());
  const std::vector<double> exact = dense_gemm(dense_bcq(m.view()), rows, cols, X.data(), batch);
  double err = 0, ref = 0;
  for (size_t i = 0; i < Y.size(); ++i) {
    err += (Y[i] - exact[i]) * (Y[i] - exact[i]);
    ref += exact[i] * exact[i];
  }
  return std::sqrt(err / ref);
}

TEST(Int8Accuracy, RelativeErrorIsSmall) {
  const double bcq = relative_rms_error(random_bcq(256, 576, 3, 128, 7), 32);
  const double linear = relative_rms_error(linear_to_bcq(random_linear(256, 576, 3, 128, 7).view()), 32);
  std::printf("int8 GEMM relative RMS error: binary coding %.4f%%, linear grid %.4f%%\n", 100 * bcq, 100 * linear);
  EXPECT_LT(bcq, 0.01);
  EXPECT_LT(linear, 0.005);
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
