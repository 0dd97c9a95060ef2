// The fp32 GEMM on every instruction set this CPU has, with 1 and 2 threads, both
// layouts of B, ragged shapes (rows, columns and depth off the micro-tile and block
// sizes, leading dimensions past the row):
//
// 1. Our vector paths (detail::own_*) bit for bit against the chain f32_gemm.h
//    promises: c = fma(a_k, b_k, c) from 0.f in order of k, then c · alpha.
// 2. Ours and the public entry points (which may hand the product to OpenBLAS, as
//    the scalar path always does) against the product in double, within fp32's
//    rounding: k · 2⁻²⁴ · Σ|a·b| (each fma rounds once) plus alpha's.
// 3. C's padding between rows is left as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernel_test_util.h"
#include "kernels/f32_gemm.h"

namespace gptqt::kernels::test {
namespace {

class F32Gemm : public IsaTest {};

struct Shape {
  int m, n, k;
};

void check_layout(bool own, bool b_rows_are_columns, const Shape& s, uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << (own ? "ours, " : "public, ") << (b_rows_are_columns ? "A·Bᵀ " : "A·B ") << s.m
                                    << "x" << s.n << "x" << s.k);
  const int64_t lda = s.k + 3, ldb = (b_rows_are_columns ? s.k : s.n) + 1, ldc = s.n + 5;
  const float alpha = 0.37f;
  const std::vector<float> A = random_vector(size_t(s.m) * lda, seed);
  const std::vector<float> B = random_vector(size_t(b_rows_are_columns ? s.n : s.k) * ldb, seed + 1);
  auto b_at = [&](int kk, int j) { return b_rows_are_columns ? B[size_t(j) * ldb + kk] : B[size_t(kk) * ldb + j]; };
  const float sentinel = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> C(size_t(s.m) * ldc, sentinel);
  const auto gemm = b_rows_are_columns ? (own ? detail::own_f32_gemm_nt : f32_gemm_nt)
                                       : (own ? detail::own_f32_gemm_nn : f32_gemm_nn);
  gemm(s.m, s.n, s.k, alpha, A.data(), lda, B.data(), ldb, C.data(), ldc);
  const bool exact_chain = own && active_isa() != Isa::scalar;
  int mismatches = 0;
  for (int i = 0; i < s.m; ++i) {
    for (int j = 0; j < s.n; ++j) {
      float chain = 0.f;
      double exact = 0, magnitude = 0;
      for (int kk = 0; kk < s.k; ++kk) {
        const float a = A[size_t(i) * lda + kk], b = b_at(kk, j);
        chain = std::fma(a, b, chain);
        exact += double(a) * b;
        magnitude += std::fabs(double(a) * b);
      }
      chain *= alpha;
      const float c = C[size_t(i) * ldc + j];
      const double bound = (s.k * std::ldexp(1.0, -24) * magnitude + std::ldexp(std::fabs(exact), -24)) * alpha;
      if (exact_chain && c != chain && ++mismatches <= 3)
        ADD_FAILURE() << "C[" << i << "][" << j << "] = " << c << ", the fma chain gives " << chain;
      ASSERT_LE(std::fabs(c - alpha * exact), bound + 1e-30) << "C[" << i << "][" << j << "]";
    }
    for (int64_t j = s.n; j < ldc; ++j) ASSERT_TRUE(std::isnan(C[size_t(i) * ldc + j])) << "padding of row " << i;
  }
}

TEST_P(F32Gemm, MatchesTheFmaChainAndTheExactProduct) {
  // Micro-tiles are 6 × 16 (AVX2) and 8 × 32 (AVX-512); blocks 192 rows × 256 deep.
  const Shape shapes[] = {{1, 1, 1},    {5, 17, 3},   {13, 33, 257}, {8, 32, 64},
                          {37, 70, 300}, {64, 64, 64}, {200, 45, 513}, {7, 100, 520}};
  for_thread_counts([&] {
    uint32_t seed = 11;
    for (const Shape& s : shapes)
      for (const bool own : {true, false})
        for (const bool nt : {true, false}) check_layout(own, nt, s, seed += 2);
  });
}

TEST_P(F32Gemm, BigEnoughForThreadsGivesTheSameBitsAsOneThread) {
  if (active_isa() == Isa::scalar) GTEST_SKIP() << "the scalar path is OpenBLAS, whose sums depend on its threads";
  const int m = 100, n = 300, k = 400;
  const std::vector<float> A = random_vector(size_t(m) * k, 5), B = random_vector(size_t(n) * k, 6);
  std::vector<float> one(size_t(m) * n), two(size_t(m) * n);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  detail::own_f32_gemm_nt(m, n, k, 1.f, A.data(), k, B.data(), k, one.data(), n);
  omp_set_num_threads(2);
  detail::own_f32_gemm_nt(m, n, k, 1.f, A.data(), k, B.data(), k, two.data(), n);
  omp_set_num_threads(saved);
  EXPECT_EQ(one, two);
}

TEST(F32GemmShape, NoDepthGivesZerosAndBadShapesAreRefused) {
  std::vector<float> C(6, 1.f);
  f32_gemm_nt(2, 3, 0, 1.f, nullptr, 0, nullptr, 0, C.data(), 3);
  EXPECT_EQ(C, std::vector<float>(6, 0.f));
  EXPECT_THROW(f32_gemm_nt(2, 3, 4, 1.f, C.data(), 3, C.data(), 4, C.data(), 3), Error);  // lda < k
  EXPECT_THROW(f32_gemm_nn(2, 3, 4, 1.f, C.data(), 4, C.data(), 2, C.data(), 3), Error);  // ldb < n
}

GPTQT_INSTANTIATE_ISA_TESTS(F32Gemm);

}  // namespace
}  // namespace gptqt::kernels::test
