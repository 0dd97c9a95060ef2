#include "kernels/hadamard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/cpu_features.h"
#include "core/error.h"

using namespace gptqt;
using namespace gptqt::kernels;

namespace {

std::vector<float> random_vectors(int n, int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  std::vector<float> v(size_t(n) * count);
  for (float& x : v) x = nd(rng);
  return v;
}

// The widths of real models' linear inputs (SmolLM2 576/1536, Qwen2.5-0.5B 896/4864,
// Llama-3-8B 4096/14336, head_dim 64), and small ones with no Paley factor (blocks).
const int kWidths[] = {2, 6, 18, 64, 576, 896, 1536, 2048, 4864, 14336};

}  // namespace

TEST(Hadamard, PaleyAndSylvesterMatricesAreHadamard) {
  for (int m : {1, 2, 4, 8, 12, 20, 24, 28, 36, 44, 60, 76}) {
    const std::vector<int8_t> h = hadamard_matrix(m);
    ASSERT_EQ(h.size(), size_t(m) * m) << m;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j) {
        int dot = 0;
        for (int k = 0; k < m; ++k) dot += h[i * m + k] * h[j * m + k];
        ASSERT_EQ(dot, i == j ? m : 0) << "order " << m << " rows " << i << ", " << j;
      }
  }
  for (int m : {3, 6, 9, 10, 18}) EXPECT_TRUE(hadamard_matrix(m).empty()) << m;
}

TEST(Hadamard, FactorsRealWidthsWithAPaleyMatrixWhereOneExists) {
  const struct { int n, m, chunk; } cases[] = {{576, 36, 16}, {896, 28, 32}, {1536, 12, 128}, {4864, 76, 64},
                                               {14336, 28, 512}, {2048, 1, 2048}, {18, 9, 2}};
  for (const auto& c : cases) {
    const HadamardRotation r(c.n, 1);
    EXPECT_EQ(r.order_m(), c.m) << c.n;
    EXPECT_EQ(r.chunk(), c.chunk) << c.n;
  }
}

TEST(Hadamard, RotationIsOrthogonalAndApplyUndoesIt) {
  for (int n : kWidths) {
    const HadamardRotation r(n, 42);
    const int count = 5;
    const std::vector<float> v = random_vectors(n, count, unsigned(n));
    std::vector<float> y = v;
    r.apply_transpose(y.data(), count);
    for (int a = 0; a < count; ++a)
      for (int b = 0; b < count; ++b) {  // inner products (and norms) are kept
        double dv = 0, dy = 0;
        for (int i = 0; i < n; ++i) {
          dv += double(v[a * n + i]) * v[b * n + i];
          dy += double(y[a * n + i]) * y[b * n + i];
        }
        EXPECT_NEAR(dy, dv, 1e-5 * n) << "n " << n;
      }
    r.apply(y.data(), count);
    for (size_t i = 0; i < v.size(); ++i) ASSERT_NEAR(y[i], v[i], 1e-5f) << "n " << n;
  }
}

TEST(Hadamard, MatchesTheDenseMatrixOfItsDefinition) {
  // R = D·(H_36 ⊗ H_16)/√576 with H_16 Sylvester, built entry by entry.
  const int n = 576, m = 36, c = 16;
  const HadamardRotation r(n, 7);
  const std::vector<int8_t> hm = hadamard_matrix(m);
  auto sylvester = [](int i, int j) { return __builtin_popcount(unsigned(i & j)) % 2 ? -1 : 1; };
  std::vector<float> d(n, 1.f);  // D, read off R·1 of a unit vector's image
  for (int i = 0; i < n; ++i) {
    std::vector<float> e(n, 0.f);
    e[i] = 1;
    r.apply_transpose(e.data(), 1);  // Rᵀ e_i = row i of R
    for (int j = 0; j < n; ++j) {
      const float h = float(hm[(i / c) * m + j / c] * sylvester(i % c, j % c)) / std::sqrt(float(n));
      if (j == 0) d[i] = e[0] / h;  // the sign of row i
      ASSERT_NEAR(e[j], d[i] * h, 1e-6f) << i << ", " << j;
    }
    ASSERT_EQ(std::abs(d[i]), 1.f);
  }
  int negative = 0;
  for (float s : d) negative += s < 0;
  EXPECT_GT(negative, n / 4);  // the signs are random, not all +1
  EXPECT_LT(negative, 3 * n / 4);
}

// The AVX2 steps (in-register butterflies, the chunk mix) against the scalar path, both
// directions, on every width (those with chunks under 8 floats stay scalar).
TEST(Hadamard, EveryIsaPathGivesTheScalarResult) {
  const Isa best = best_isa();
  for (int n : kWidths)
    for (bool transpose : {true, false}) {
      const HadamardRotation r(n, 11);
      const std::vector<float> v = random_vectors(n, 20, unsigned(n));  // 20: the parallel path too
      set_active_isa(Isa::scalar);
      std::vector<float> ref = v;
      transpose ? r.apply_transpose(ref.data(), 20) : r.apply(ref.data(), 20);
      for (Isa isa : {Isa::avx2, Isa::avx512}) {
        if (isa > best) continue;
        set_active_isa(isa);
        std::vector<float> got = v;
        transpose ? r.apply_transpose(got.data(), 20) : r.apply(got.data(), 20);
        for (size_t i = 0; i < v.size(); ++i)
          ASSERT_NEAR(got[i], ref[i], 1e-5f * (1 + std::abs(ref[i]))) << n << " " << isa_name(isa) << " " << i;
      }
      set_active_isa(best);
    }
}

TEST(Hadamard, RotatedWeightsTimesRotatedInputsGiveTheSameProduct) {
  const int rows = 7, n = 1536;
  const HadamardRotation r(n, 3);
  std::vector<float> w = random_vectors(n, rows, 1), x = random_vectors(n, 1, 2);
  std::vector<double> want(rows, 0.0);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < n; ++j) want[i] += double(w[i * n + j]) * x[j];
  r.apply_transpose(w.data(), rows);  // rows of W·R
  r.apply_transpose(x.data(), 1);     // Rᵀ·x
  for (int i = 0; i < rows; ++i) {
    double got = 0;
    for (int j = 0; j < n; ++j) got += double(w[i * n + j]) * x[j];
    EXPECT_NEAR(got, want[i], 1e-4 * std::sqrt(double(n)));
  }
}

TEST(Hadamard, SpreadsAnOutlierOverTheWholeVector) {
  for (int n : {576, 1536, 4864}) {
    std::vector<float> v(n, 0.f);
    v[n / 3] = 100.f;
    HadamardRotation(n, 5).apply_transpose(v.data(), 1);
    for (float x : v) ASSERT_NEAR(std::abs(x), 100.f / std::sqrt(float(n)), 1e-3f) << n;
  }
}

TEST(Hadamard, OddWidthsAreRefused) {
  EXPECT_THROW(HadamardRotation(9, 1), Error);
  EXPECT_THROW(HadamardRotation(1, 1), Error);
}
