#include "quant/critical_points.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "quant/linear_grid.h"

using namespace gptqt;
using namespace gptqt::quant;

namespace {

// Histograms like GPTQT sees them (m-bit min-max codes of 128 weights, with the range shrunk
// by p) plus adversarial ones: random counts, few occupied codes, two clusters.
std::vector<std::vector<double>> histograms(int inter_bits, int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  std::student_t_distribution<float> heavy(3.f);
  std::uniform_int_distribution<int> ui(0, 9);
  const int m = 1 << inter_bits;
  std::vector<std::vector<double>> out;
  for (int t = 0; t < count; ++t) {
    std::vector<double> h(m, 0.0);
    switch (t % 5) {
      case 0:
      case 1: {
        std::vector<float> w(128);
        for (float& v : w) v = t % 5 == 0 ? nd(rng) : heavy(rng);
        float lo = 0, hi = 0;
        for (float v : w) lo = std::min(lo, v), hi = std::max(hi, v);
        const float p = 0.7f + 0.1f * float(t % 4);
        const LinearParams lp = linear_params(p * lo, p * hi, inter_bits, false);
        for (float v : w) h[linear_code(v, lp, m - 1)] += 1;
        break;
      }
      case 2:
        for (double& v : h) v = ui(rng);
        break;
      case 3:
        for (int k = 0; k < 3; ++k) h[std::uniform_int_distribution<int>(0, m - 1)(rng)] += 1 + ui(rng);
        break;
      case 4:
        for (int q = 0; q < m; ++q) h[q] = std::round(20 * (std::exp(-0.5 * std::pow((q - m / 4.0) / 1.5, 2)) +
                                                            std::exp(-0.5 * std::pow((q - 0.8 * m) / 1.0, 2))));
        break;
    }
    out.push_back(h);
  }
  return out;
}

void expect_fast_equals_exhaustive(int bits, int inter_bits, int count) {
  const int bins = 1 << inter_bits;
  CriticalPointSolver exhaustive(bits, bins, CriticalPointSearch::exhaustive);
  CriticalPointSolver fast(bits, bins, CriticalPointSearch::fast);
  CriticalPointSolver alternating(bits, bins, CriticalPointSearch::alternating);
  for (const auto& h : histograms(inter_bits, count, 100 * bits + inter_bits)) {
    BinaryCoding le, lf, la;
    const double ee = exhaustive.solve_histogram(h.data(), bins, le);
    const double ef = fast.solve_histogram(h.data(), bins, lf);
    const double ea = alternating.solve_histogram(h.data(), bins, la);
    EXPECT_NEAR(ef, ee, 1e-9 * std::max(1.0, ee)) << "k=" << bits << " m=" << inter_bits;
    EXPECT_GE(ea, ee - 1e-9 * std::max(1.0, ee));
    // The reported error is the error of the returned levels.
    EXPECT_NEAR(ef, histogram_error(h.data(), bins, lf), 1e-9 * std::max(1.0, ef));
    for (int j = 1; j < bits; ++j) EXPECT_LE(lf.alpha[j - 1], lf.alpha[j]);  // normalized
    EXPECT_GE(lf.alpha[0], 0.0);
  }
}

}  // namespace

TEST(CriticalPoints, FastEqualsExhaustive1Bit) {
  expect_fast_equals_exhaustive(1, 3, 20);
  expect_fast_equals_exhaustive(1, 4, 20);
}

TEST(CriticalPoints, FastEqualsExhaustive2Bits) {
  expect_fast_equals_exhaustive(2, 3, 20);
  expect_fast_equals_exhaustive(2, 4, 30);
  expect_fast_equals_exhaustive(2, 5, 10);
}

TEST(CriticalPoints, FastEqualsExhaustive3Bits) {
  expect_fast_equals_exhaustive(3, 3, 10);
  expect_fast_equals_exhaustive(3, 4, 10);
}

TEST(CriticalPoints, ZeroErrorWhenCodesFormABinaryCoding) {
  // Codes 2, 5, 9, 12 are 7 ± 3.5 ± 1.5: a 2-bit coding fits them exactly, although they are
  // not equally spaced.
  std::vector<double> h(16, 0.0);
  h[2] = 3, h[5] = 1, h[9] = 7, h[12] = 2;
  for (auto search : {CriticalPointSearch::exhaustive, CriticalPointSearch::fast}) {
    CriticalPointSolver solver(2, 16, search);
    BinaryCoding levels;
    EXPECT_NEAR(solver.solve_histogram(h.data(), 16, levels), 0.0, 1e-9);
    EXPECT_NEAR(levels.offset, 7.0, 1e-9);
    EXPECT_NEAR(levels.alpha[0], 1.5, 1e-9);
    EXPECT_NEAR(levels.alpha[1], 3.5, 1e-9);
  }
}

TEST(CriticalPoints, DegenerateHistograms) {
  CriticalPointSolver solver(3, 16, CriticalPointSearch::fast);
  BinaryCoding levels;
  std::vector<double> h(16, 0.0);
  EXPECT_EQ(solver.solve_histogram(h.data(), 16, levels), 0.0);  // empty
  h[6] = 10;
  EXPECT_NEAR(solver.solve_histogram(h.data(), 16, levels), 0.0, 1e-12);  // one code
  std::vector<uint8_t> map(16);
  build_code_map(levels, 16, map.data());
  EXPECT_NEAR(levels.level(map[6]), 6.0, 1e-9);
}

TEST(CriticalPoints, CodeMapIsNearestLevel) {
  BinaryCoding levels;
  levels.bits = 2, levels.offset = 7, levels.alpha = {1.5, 3.5};  // levels 2, 5, 9, 12
  std::vector<uint8_t> map(16);
  build_code_map(levels, 16, map.data());
  for (int q = 0; q < 16; ++q) {
    double best = INFINITY;
    for (unsigned c = 0; c < 4; ++c) best = std::min(best, std::fabs(q - levels.level(c)));
    EXPECT_EQ(std::fabs(q - levels.level(map[q])), best) << q;
  }
}

TEST(CriticalPoints, RejectsUnsupportedSettings) {
  EXPECT_THROW(CriticalPointSolver(4, 32, CriticalPointSearch::fast), Error);
  EXPECT_THROW(CriticalPointSolver(9, 32, CriticalPointSearch::alternating), Error);
  EXPECT_THROW(CriticalPointSolver(2, 0, CriticalPointSearch::alternating), Error);
  EXPECT_NO_THROW(CriticalPointSolver(4, 64, CriticalPointSearch::alternating));
  CriticalPointSolver small(2, 8, CriticalPointSearch::fast);
  BinaryCoding levels;
  std::vector<double> h(16, 1.0);
  EXPECT_THROW(small.solve_histogram(h.data(), 16, levels), Error);  // more bins than it was made for
}
