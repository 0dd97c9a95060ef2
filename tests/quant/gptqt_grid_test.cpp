#include "quant/gptqt_grid.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "quant/linear_grid.h"
#include "quant_test_util.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;

namespace {

// Fits one group (rows × n) and returns, per row, Σ importance (w − ŵ)² with ŵ as quantize() gives it.
std::vector<double> fitted_errors(const GridFitter& fitter, const std::vector<float>& w, int rows, int n,
                                  const float* importance = nullptr) {
  GroupGrid grid;
  fitter.fit(MatrixView{w.data(), rows, n, n, 1}, importance, grid);
  std::vector<double> err(rows, 0.0);
  std::vector<float> col(rows), values(rows);
  std::vector<uint8_t> codes(rows);
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rows; ++r) col[r] = w[r * n + c];
    grid.quantize(col.data(), codes.data(), values.data());
    for (int r = 0; r < rows; ++r) err[r] += (importance ? importance[c] : 1.f) * std::pow(double(col[r]) - values[r], 2);
  }
  return err;
}

}  // namespace

TEST(GptqtGrid, DefaultRangeGrid) {
  const std::vector<float> p = range_grid(0.70f, 1.10f, 0.02f);
  ASSERT_EQ(p.size(), 21u);
  EXPECT_FLOAT_EQ(p.front(), 0.70f);
  EXPECT_FLOAT_EQ(p[15], 1.00f);
  EXPECT_FLOAT_EQ(p.back(), 1.10f);
}

TEST(GptqtGrid, EqualBitsReproduceTheLinearGrid) {
  // m = k: the critical points keep every occupied code, so two roundings equal RTN.
  const int rows = 8, n = 64;
  const std::vector<float> w = random_matrix(rows, n, 21);
  const GptqtFitter gptqt({.bits = 3, .inter_bits = 3, .re_explore = false});
  const LinearFitter linear({.bits = 3});
  GroupGrid g1, g2;
  gptqt.fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, g1);
  linear.fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, g2);
  std::vector<float> col(rows), v1(rows), v2(rows);
  std::vector<uint8_t> c1(rows), c2(rows);
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rows; ++r) col[r] = w[r * n + c];
    g1.quantize(col.data(), c1.data(), v1.data());
    g2.quantize(col.data(), c2.data(), v2.data());
    for (int r = 0; r < rows; ++r) EXPECT_NEAR(v1[r], v2[r], 1e-5f);
  }
}

TEST(GptqtGrid, ReExploreNeverWorseThanRangeOne) {
  // The grid of range factors contains p = 1, and the choice minimises the same error.
  const int rows = 16, n = 128;
  const std::vector<float> w = random_matrix(rows, n, 4);
  std::vector<float> importance(n);
  for (int c = 0; c < n; ++c) importance[c] = 0.1f + float(c % 7);
  for (bool weighted : {false, true}) {
    const float* imp = weighted ? importance.data() : nullptr;
    const auto once = fitted_errors(GptqtFitter({.bits = 2, .re_explore = false}), w, rows, n, imp);
    const auto explored = fitted_errors(GptqtFitter({.bits = 2}), w, rows, n, imp);
    double sum_once = 0, sum_explored = 0;
    for (int r = 0; r < rows; ++r) {
      EXPECT_LE(explored[r], once[r] * (1 + 1e-5));
      sum_once += once[r], sum_explored += explored[r];
    }
    EXPECT_LT(sum_explored, 0.99 * sum_once);  // and it pays off on Gaussian rows
  }
}

TEST(GptqtGrid, OneRoundingIsNearestLevel) {
  const int rows = 8, n = 96;
  const std::vector<float> w = random_matrix(rows, n, 8);
  GroupGrid grid;
  GptqtFitter({.bits = 3, .rounding = GptqtRounding::one}).fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, grid);
  std::vector<float> col(rows), values(rows);
  std::vector<uint8_t> codes(rows);
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rows; ++r) col[r] = w[r * n + c];
    grid.quantize(col.data(), codes.data(), values.data());
    for (int r = 0; r < rows; ++r)
      for (unsigned k = 0; k < 8; ++k) EXPECT_LE(std::fabs(col[r] - values[r]), std::fabs(col[r] - grid.value(r, k)) + 1e-6f);
  }
}

TEST(GptqtGrid, TwoRoundingsGoThroughTheIntermediateCode) {
  // Every weight with the same m-bit code gets the same level.
  const int rows = 4, n = 128;
  const std::vector<float> w = random_matrix(rows, n, 13);
  GroupGrid grid;
  GptqtFitter({.bits = 2, .inter_bits = 5, .rounding = GptqtRounding::two}).fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, grid);
  std::vector<float> col(rows), values(rows);
  std::vector<uint8_t> codes(rows);
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rows; ++r) col[r] = w[r * n + c];
    grid.quantize(col.data(), codes.data(), values.data());
    for (int r = 0; r < rows; ++r) {
      const LinearParams lp{grid.scale(r), grid.zero(r)};
      EXPECT_EQ(codes[r], grid.map(r)[linear_code(col[r], lp, 31)]);
    }
  }
}

TEST(GptqtGrid, AllSearchesAndBitWidthsRun) {
  const int rows = 4, n = 100;  // a ragged group size
  const std::vector<float> w = random_matrix(rows, n, 2);
  for (auto search : {CriticalPointSearch::fast, CriticalPointSearch::alternating})
    for (int m : {3, 4, 5, 6}) {
      const auto err = fitted_errors(GptqtFitter({.bits = 2, .inter_bits = m, .search = search}), w, rows, n);
      for (double e : err) EXPECT_TRUE(std::isfinite(e) && e > 0 && e < n);
    }
  const auto err = fitted_errors(GptqtFitter({.bits = 4, .inter_bits = 6, .search = CriticalPointSearch::alternating}), w, rows, n);
  for (double e : err) EXPECT_LT(e, 0.05 * n);
}

TEST(GptqtGrid, RejectsBadOptions) {
  EXPECT_THROW(GptqtFitter({.bits = 3, .inter_bits = 2}), Error);
  EXPECT_THROW(GptqtFitter({.bits = 4, .inter_bits = 5}), Error);  // exact search needs k <= 3
  EXPECT_THROW(GptqtFitter({.bits = 3, .p_grid = {}}), Error);
  EXPECT_THROW(GptqtFitter({.bits = 3, .p_grid = {0.f}}), Error);
  EXPECT_THROW(range_grid(1.f, 0.f, 0.1f), Error);
}
