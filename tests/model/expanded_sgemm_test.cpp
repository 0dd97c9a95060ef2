// expanded_sgemm against a double-precision product, on shapes that need several
// tiles and a ragged last chunk of rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "model/expanded_sgemm.h"

using namespace gptqt;

namespace {

void check_shape(int rows, int cols, int T, std::mt19937& rng) {
  std::normal_distribution<float> nd;
  std::vector<float> w(size_t(rows) * cols), x(size_t(T) * cols), y(size_t(T) * rows, NAN);
  for (float& v : w) v = nd(rng);
  for (float& v : x) v = nd(rng);
  int calls = 0;
  const ExpandRows expand = [&](int r0, int r1, float* dst) {
    ASSERT_TRUE(0 <= r0 && r0 < r1 && r1 <= rows);
    ASSERT_TRUE(r0 % 32 == 0 && (r1 == std::min(rows, r0 + 32))) << r0 << ".." << r1;  // whole LUT tiles
#pragma omp atomic
    ++calls;
    std::copy(w.begin() + ptrdiff_t(r0) * cols, w.begin() + ptrdiff_t(r1) * cols, dst);
  };
  expanded_sgemm(rows, cols, expand, x.data(), T, y.data());
  EXPECT_EQ(calls, (rows + 31) / 32);
  double worst = 0;
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < rows; ++r) {
      double ref = 0, mag = 0;
      for (int i = 0; i < cols; ++i) {
        ref += double(x[size_t(t) * cols + i]) * w[size_t(r) * cols + i];
        mag += std::abs(double(x[size_t(t) * cols + i]) * w[size_t(r) * cols + i]);
      }
      worst = std::max(worst, std::abs(y[size_t(t) * rows + r] - ref) / mag);
    }
  EXPECT_LT(worst, 1e-5) << rows << "x" << cols << ", T=" << T;
}

}  // namespace

TEST(ExpandedSgemm, MatchesDoubleProductOnRandomShapes) {
  std::mt19937 rng(7);
  check_shape(1, 3, 1, rng);
  check_shape(37, 64, 5, rng);         // one tile, ragged last chunk
  check_shape(1536, 576, 17, rng);     // a SmolLM2 layer: one tile
  check_shape(2503, 1000, 3, rng);     // three tiles of 1024 rows, the last ragged
  check_shape(100, 70000, 2, rng);     // rows wider than a tile: 32-row tiles
}
