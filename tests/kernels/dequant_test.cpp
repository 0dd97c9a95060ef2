// The dequantize kernels (GEMV/GEMM for linear weights, rows to fp32 for both
// formats) on every instruction set this CPU has, with 1 and 2 threads.
//
// GEMV/GEMM tolerance: the kernels sum q·x in fp32 over a group in a few chains and
// apply scale and zero per group, so the error is a few hundred fp32 roundings of
// partial sums bounded by mag = Σ_c |scale| (q + |zero|) |x_c|; 3e-5 · mag is
// about 250 units of roundoff of that bound. dequantize_rows does the scalar
// operations in the scalar order, so every path must match it bit for bit.
#include <gtest/gtest.h>

#include <cmath>

#include "kernel_test_util.h"
#include "kernels/dequant_gemv.h"
#include "kernels/dequantize.h"
#include "kernels/reference.h"

namespace gptqt::kernels::test {
namespace {

std::vector<double> linear_magnitude(const LinearMatrixView& w, const float* X, int batch) {
  const QuantShape s = w.shape();
  const std::vector<uint8_t> codes = unpack_linear_codes(w.qweight, w.rows, w.cols, w.bits);
  std::vector<double> mag(size_t(batch) * w.rows, 0.0);
  for (int v = 0; v < batch; ++v)
    for (int r = 0; r < w.rows; ++r)
      for (int c = 0; c < w.cols; ++c) {
        const int g = s.group_of(c);
        mag[size_t(v) * w.rows + r] += std::abs(w.scale_at(g, r)) *
                                       (codes[size_t(r) * w.cols + c] + std::abs(w.zero_at(g, r))) *
                                       std::abs(X[size_t(v) * w.cols + c]);
      }
  return mag;
}

class DequantGemm : public IsaTest {};

TEST_P(DequantGemm, MatchesExactProduct) {
  uint32_t seed = 200;
  for (const Shape& sh : ragged_shapes())
    for (int bits = 2; bits <= 4; ++bits)
      for (int batch : {1, 2, 5, 16}) {
        SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " group " << sh.group_size << " bits "
                                          << bits << " batch " << batch);
        const LinearMatrix m = random_linear(sh.rows, sh.cols, bits, sh.group_size, ++seed);
        const std::vector<float> X = random_vector(size_t(batch) * sh.cols, ++seed);
        const std::vector<double> want = dense_gemm(dense_linear(m.view()), sh.rows, sh.cols, X.data(), batch);
        const std::vector<double> mag = linear_magnitude(m.view(), X.data(), batch);
        for_thread_counts([&] {
          std::vector<float> Y(size_t(batch) * sh.rows, NAN);
          if (batch == 1)
            dequant_gemv(m.view(), X.data(), Y.data());
          else
            dequant_gemm(m.view(), X.data(), batch, Y.data());
          for (size_t i = 0; i < Y.size(); ++i) ASSERT_NEAR(Y[i], want[i], 3e-5 * mag[i]) << "output " << i;
        });
      }
}

class DequantizeRows : public IsaTest {};

TEST_P(DequantizeRows, BcqEqualsScalarPathAndDefinition) {
  uint32_t seed = 300;
  for (const Shape& sh : ragged_shapes())
    for (int bits = 1; bits <= 4; ++bits) {
      SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " group " << sh.group_size << " bits " << bits);
      const BcqMatrix m = random_bcq(sh.rows, sh.cols, bits, sh.group_size, ++seed);
      const std::vector<double> want = dense_bcq(m.view());
      const int r0 = sh.rows / 3, r1 = sh.rows;  // a sub-range, as a prefill tile would be
      const size_t n = size_t(r1 - r0) * sh.cols;
      std::vector<float> got(n + 1, NAN), ref(n + 1, NAN);
      got[n] = ref[n] = -7.f;  // must stay untouched
      for_thread_counts([&] { dequantize_rows(m.view(), r0, r1, got.data()); });
      set_active_isa(Isa::scalar);
      dequantize_rows(m.view(), r0, r1, ref.data());
      set_active_isa(GetParam());
      ASSERT_EQ(got, ref);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[size_t(r0) * sh.cols + i], 1e-5) << i;
    }
}

TEST_P(DequantizeRows, LinearEqualsScalarPathAndDefinition) {
  uint32_t seed = 400;
  for (const Shape& sh : ragged_shapes())
    for (int bits = 2; bits <= 4; ++bits) {
      SCOPED_TRACE(::testing::Message() << sh.rows << "x" << sh.cols << " group " << sh.group_size << " bits " << bits);
      const LinearMatrix m = random_linear(sh.rows, sh.cols, bits, sh.group_size, ++seed);
      const std::vector<double> want = dense_linear(m.view());
      const int r0 = sh.rows / 2, r1 = sh.rows;
      const size_t n = size_t(r1 - r0) * sh.cols;
      std::vector<float> got(n + 1, NAN), ref(n + 1, NAN);
      got[n] = ref[n] = -7.f;
      for_thread_counts([&] { dequantize_rows(m.view(), r0, r1, got.data()); });
      set_active_isa(Isa::scalar);
      dequantize_rows(m.view(), r0, r1, ref.data());
      set_active_isa(GetParam());
      ASSERT_EQ(got, ref);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[size_t(r0) * sh.cols + i], 1e-6) << i;
    }
}

// The fp32 evaluation path: dequantize every row, then a plain fp32 GEMV.
TEST_P(DequantizeRows, Fp32PathMatchesDequantGemv) {
  const LinearMatrix m = random_linear(200, 700, 3, 64, 500);
  const std::vector<float> x = random_vector(700, 501);
  std::vector<float> W(size_t(200) * 700), want(200), got(200);
  dequantize_rows(m.view(), 0, 200, W.data());
  gemv_f32_reference(W.data(), 200, 700, x.data(), want.data());
  dequant_gemv(m.view(), x.data(), got.data());
  const std::vector<double> mag = linear_magnitude(m.view(), x.data(), 1);
  for (int r = 0; r < 200; ++r) ASSERT_NEAR(got[r], want[r], 3e-5 * mag[r]) << r;
}

GPTQT_INSTANTIATE_ISA_TESTS(DequantGemm);
GPTQT_INSTANTIATE_ISA_TESTS(DequantizeRows);

}  // namespace
}  // namespace gptqt::kernels::test
