// Shared helpers of the kernel tests: random quantized matrices, double-precision
// references computed straight from the format definitions (not from the code under
// test), and a fixture that runs a test once per instruction set.
#pragma once
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/bcq_matrix.h"
#include "kernels/linear_matrix.h"

namespace gptqt {
// Names the instruction set in gtest messages instead of its bytes.
inline void PrintTo(Isa isa, std::ostream* os) { *os << isa_name(isa); }
}  // namespace gptqt

namespace gptqt::kernels::test {

struct Shape {
  int rows, cols, group_size;
};

// Row counts off the 32-row tile and the 8/16-row SIMD widths, columns off the
// 32-column block, ragged last groups, whole rows longer than one LUT segment;
// 200x700 is big enough for the kernels to use threads (parallel.h).
inline const std::vector<Shape>& ragged_shapes() {
  static const std::vector<Shape> shapes = {
      {1, 32, -1},    {7, 50, -1},     {33, 64, 32},   {64, 576, 128}, {100, 300, 64},
      {45, 1000, 96}, {130, 200, 128}, {31, 96, 96},   {40, 1500, -1}, {65, 4, -1},
      {17, 130, 128}, {96, 256, 128},  {3, 1100, 1024}, {200, 700, 64},
  };
  return shapes;
}

inline std::vector<float> random_vector(size_t n, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

inline std::vector<uint8_t> random_codes(int rows, int cols, int bits, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, (1 << bits) - 1);
  std::vector<uint8_t> c(size_t(rows) * cols);
  for (auto& v : c) v = uint8_t(d(rng));
  return c;
}

// Random BCQ weights shaped like a fitted grid: alpha_j ≈ 2^-j, a small offset.
inline BcqMatrix random_bcq(int rows, int cols, int bits, int group_size, uint32_t seed) {
  BcqMatrix m(rows, cols, bits, group_size);
  const std::vector<uint8_t> codes = random_codes(rows, cols, bits, seed);
  m.planes = pack_signs(codes.data(), rows, cols, bits);
  std::mt19937 rng(seed + 1);
  std::uniform_real_distribution<float> u(0.5f, 1.f), o(-0.3f, 0.3f);
  for (size_t i = 0; i < m.alpha.size(); ++i) m.alpha[i] = u(rng) / float(1 << ((i / rows) % bits));  // i / rows = g·bits + j
  for (float& v : m.offset) v = o(rng);
  return m;
}

inline LinearMatrix random_linear(int rows, int cols, int bits, int group_size, uint32_t seed) {
  LinearMatrix m(rows, cols, bits, group_size);
  const std::vector<uint8_t> codes = random_codes(rows, cols, bits, seed);
  m.qweight = pack_linear_codes(codes.data(), rows, cols, bits);
  std::mt19937 rng(seed + 1);
  std::uniform_real_distribution<float> s(0.01f, 0.1f), z(0.f, float((1 << bits) - 1));
  for (float& v : m.scale) v = s(rng);
  for (float& v : m.zero) v = z(rng);
  return m;
}

// ŵ in double from the format definition (bcq_matrix.h), reading bits directly.
inline std::vector<double> dense_bcq(const BcqMatrixView& w) {
  const QuantShape s = w.shape();
  std::vector<double> d(size_t(w.rows) * w.cols);
  for (int r = 0; r < w.rows; ++r)
    for (int c = 0; c < w.cols; ++c) {
      const int g = c / s.group_cols();
      double v = w.offset[size_t(g) * w.rows + r];
      for (int j = 0; j < w.bits; ++j) {
        const uint32_t word = w.planes[(size_t(j) * w.rows + r) * s.blocks() + c / 32];
        const double a = w.alpha[(size_t(g) * w.bits + j) * w.rows + r];
        v += (word >> (c % 32) & 1) ? a : -a;
      }
      d[size_t(r) * w.cols + c] = v;
    }
  return d;
}

// ŵ = scale · (q − zero) in double, codes read with the documented bit positions.
inline std::vector<double> dense_linear(const LinearMatrixView& w) {
  const QuantShape s = w.shape();
  const size_t row_words = size_t(w.bits) * s.blocks();
  std::vector<double> d(size_t(w.rows) * w.cols);
  for (int r = 0; r < w.rows; ++r)
    for (int c = 0; c < w.cols; ++c) {
      uint32_t q = 0;
      for (int b = 0; b < w.bits; ++b) {
        const size_t bit = size_t(c) * w.bits + b;
        q |= ((w.qweight[r * row_words + bit / 32] >> (bit % 32)) & 1u) << b;
      }
      const int g = c / s.group_cols();
      d[size_t(r) * w.cols + c] = double(w.scale[size_t(g) * w.rows + r]) * (double(q) - w.zero[size_t(g) * w.rows + r]);
    }
  return d;
}

// Y[v][r] = Σ_c W[r][c] X[v][c] in double; also Σ_c |W[r][c] X[v][c]| in mag.
inline std::vector<double> dense_gemm(const std::vector<double>& W, int rows, int cols,
                                      const float* X, int batch, std::vector<double>* mag = nullptr) {
  std::vector<double> y(size_t(batch) * rows, 0.0);
  if (mag) mag->assign(y.size(), 0.0);
  for (int v = 0; v < batch; ++v)
    for (int r = 0; r < rows; ++r) {
      double s = 0, m = 0;
      for (int c = 0; c < cols; ++c) {
        const double p = W[size_t(r) * cols + c] * X[size_t(v) * cols + c];
        s += p;
        m += std::abs(p);
      }
      y[size_t(v) * rows + r] = s;
      if (mag) (*mag)[size_t(v) * rows + r] = m;
    }
  return y;
}

// Runs each test once per instruction set; sets that this CPU lacks are skipped.
class IsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (int(GetParam()) > int(best_isa()))
      GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam()) << " (best: " << isa_name(best_isa())
                   << ")";
    set_active_isa(GetParam());
  }
  void TearDown() override { set_active_isa(best_isa()); }
};

inline std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return isa_name(info.param); }

#define GPTQT_INSTANTIATE_ISA_TESTS(Fixture)                                                   \
  INSTANTIATE_TEST_SUITE_P(Isa, Fixture, ::testing::Values(Isa::scalar, Isa::avx2, Isa::avx512), \
                           ::gptqt::kernels::test::isa_param_name)

// Runs f() with 1 and with 2 OpenMP threads.
template <class F>
void for_thread_counts(F&& f) {
  const int saved = omp_get_max_threads();
  for (int t : {1, 2}) {
    omp_set_num_threads(t);
    SCOPED_TRACE(::testing::Message() << t << " thread(s)");
    f();
  }
  omp_set_num_threads(saved);
}

}  // namespace gptqt::kernels::test
