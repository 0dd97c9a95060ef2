#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>

#include "core/error.h"
#include "quant/bcq_grid.h"
#include "quant/binary_coding.h"
#include "quant/critical_points.h"
#include "quant_test_util.h"

using namespace gptqt;
using namespace gptqt::quant;
using namespace gptqt::quant::test;

namespace {

// The global optimum of min over (offset, alpha, codes) of Σ (x − level)²: every assignment
// of codes to points, each with its least-squares (offset, alpha) (Eigen, independent of the
// library's normal equations).
double brute_force_bcq(const std::vector<double>& x, int bits) {
  const int n = int(x.size()), levels = 1 << bits;
  Eigen::VectorXd b = Eigen::Map<const Eigen::VectorXd>(x.data(), n);
  Eigen::MatrixXd a(n, bits + 1);
  std::vector<int> code(n, 0);
  double best = INFINITY;
  for (;;) {
    for (int i = 0; i < n; ++i) {
      a(i, 0) = 1;
      for (int j = 0; j < bits; ++j) a(i, 1 + j) = (code[i] >> j) & 1 ? 1 : -1;
    }
    const Eigen::VectorXd theta = a.completeOrthogonalDecomposition().solve(b);
    best = std::min(best, (a * theta - b).squaredNorm());
    int i = 0;
    while (i < n && ++code[i] == levels) code[i++] = 0;
    if (i == n) break;
  }
  return best;
}

}  // namespace

TEST(Bcq, GreedyMatchesDefinition) {
  const std::vector<double> x = {-1.0, 0.0, 1.0, 4.0};  // mean 1
  const BinaryCoding bc = bcq_greedy(x.data(), nullptr, 4, 1);
  EXPECT_DOUBLE_EQ(bc.offset, 1.0);
  EXPECT_DOUBLE_EQ(bc.alpha[0], (2 + 1 + 0 + 3) / 4.0);  // mean |x − 1|
}

TEST(Bcq, NormalizeKeepsTheLevels) {
  BinaryCoding bc;
  bc.bits = 3, bc.offset = 0.25, bc.alpha = {-2.0, 0.5, 1.0};
  std::vector<double> before, after;
  for (unsigned c = 0; c < 8; ++c) before.push_back(bc.level(c));
  bc.normalize();
  for (unsigned c = 0; c < 8; ++c) after.push_back(bc.level(c));
  EXPECT_EQ(bc.alpha[0], 0.5);
  EXPECT_EQ(bc.alpha[2], 2.0);
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(before, after);
}

TEST(Bcq, ExactWhenTheDataIsABinaryCoding) {
  // Points on the levels 1 ± 0.5 ± 2: the refinement must find them exactly.
  const std::vector<double> x = {-1.5, -0.5, 2.5, 3.5, -1.5, 3.5};
  BinaryCoding bc = bcq_greedy(x.data(), nullptr, 6, 2);
  std::vector<uint8_t> codes(6);
  EXPECT_NEAR(bcq_refine(x.data(), nullptr, 6, 15, bc, codes.data()), 0.0, 1e-12);
}

TEST(Bcq, MatchesBruteForceOnTinyCases) {
  // The exact searches equal the brute-force optimum; the alternating refinement (the
  // default, LUT-GEMM style) is a local method: it never beats the optimum, finds it in most
  // cases and is never far from it.
  std::mt19937 rng(5);
  std::normal_distribution<double> nd;
  int cases = 0, optimal = 0;
  double worst = 1;
  for (int bits : {1, 2}) {
    CriticalPointSolver fast(bits, 8, CriticalPointSearch::fast);
    CriticalPointSolver exhaustive(bits, 8, CriticalPointSearch::exhaustive);
    CriticalPointSolver alternating(bits, 8, CriticalPointSearch::alternating);
    for (int n : {6, 7}) {
      for (int t = 0; t < 30; ++t) {
        std::vector<double> x(n);
        for (double& v : x) v = nd(rng) + (t % 3 == 0 ? 2.0 : 0.0) * (v > 0);
        const double brute = brute_force_bcq(x, bits);
        std::sort(x.begin(), x.end());
        BinaryCoding bc;
        EXPECT_NEAR(fast.solve_points(x.data(), nullptr, n, bc), brute, 1e-9 * (1 + brute));
        EXPECT_NEAR(exhaustive.solve_points(x.data(), nullptr, n, bc), brute, 1e-9 * (1 + brute));
        const double err = alternating.solve_points(x.data(), nullptr, n, bc);
        EXPECT_GE(err, brute - 1e-9);
        ++cases;
        optimal += err <= brute * (1 + 1e-6) + 1e-12;
        worst = std::max(worst, err / brute);
      }
    }
  }
  EXPECT_GE(optimal, cases * 3 / 4) << optimal << " of " << cases;
  EXPECT_LE(worst, 3.0);
}

TEST(BcqFitter, ExactSearchNeverWorseThanAlternating) {
  const int rows = 12, n = 24;
  const std::vector<float> w = random_matrix(rows, n, 31);
  GroupGrid exact, alternating;
  BcqFitter({.bits = 2, .search = CriticalPointSearch::fast}).fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, exact);
  BcqFitter({.bits = 2}).fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, alternating);
  std::vector<float> col(rows), ve(rows), va(rows);
  std::vector<uint8_t> codes(rows);
  std::vector<double> err_exact(rows, 0.0), err_alt(rows, 0.0);
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rows; ++r) col[r] = w[r * n + c];
    exact.quantize(col.data(), codes.data(), ve.data());
    alternating.quantize(col.data(), codes.data(), va.data());
    for (int r = 0; r < rows; ++r) err_exact[r] += std::pow(col[r] - ve[r], 2), err_alt[r] += std::pow(col[r] - va[r], 2);
  }
  for (int r = 0; r < rows; ++r) EXPECT_LE(err_exact[r], err_alt[r] * (1 + 1e-5));
}

TEST(BcqFitter, FitsEveryRowAndQuantizesToNearest) {
  const int rows = 6, n = 50;
  const std::vector<float> w = random_matrix(rows, n, 9);
  const BcqFitter fitter({.bits = 2});
  GroupGrid grid;
  fitter.fit(MatrixView{w.data(), rows, n, n, 1}, nullptr, grid);
  std::vector<float> col(rows), values(rows);
  std::vector<uint8_t> codes(rows);
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < rows; ++r) col[r] = w[r * n + c];
    grid.quantize(col.data(), codes.data(), values.data());
    for (int r = 0; r < rows; ++r) {
      EXPECT_EQ(values[r], grid.value(r, codes[r]));
      for (unsigned k = 0; k < 4; ++k) EXPECT_LE(std::fabs(col[r] - values[r]), std::fabs(col[r] - grid.value(r, k)) + 1e-6f);
    }
  }
  // The fitted row equals the stand-alone fit of its sorted weights.
  std::vector<double> x(w.begin(), w.begin() + n);
  std::sort(x.begin(), x.end());
  BinaryCoding bc;
  CriticalPointSolver(2, n, CriticalPointSearch::alternating).solve_points(x.data(), nullptr, n, bc);
  for (unsigned k = 0; k < 4; ++k) EXPECT_NEAR(grid.value(0, k), bc.level(k), 1e-6);
  EXPECT_THROW(BcqFitter({.bits = 0}), Error);
  EXPECT_THROW(BcqFitter({.bits = 4, .search = CriticalPointSearch::fast}), Error);
  // The exact search refuses groups too large for it before any work starts.
  const std::vector<float> wide = random_matrix(2, kMaxExactPoints + 1, 1);
  EXPECT_THROW(BcqFitter({.bits = 2, .search = CriticalPointSearch::fast})
                   .fit(MatrixView{wide.data(), 2, kMaxExactPoints + 1, kMaxExactPoints + 1, 1}, nullptr, grid),
               Error);
}
