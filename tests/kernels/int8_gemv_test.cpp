#include "kernels/int8_gemv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "isa_loop.h"
#include "kernels/reference.h"

using namespace gptqt;

TEST(Int8Gemv, EveryPathMatchesTheReferenceAndTheExactProduct) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  test::for_each_available_isa([&](Isa isa) {
    for (auto [rows, cols] : {std::pair{1, 1}, {5, 31}, {70, 576}, {129, 100}, {300, 1536}}) {
      std::vector<float> W(size_t(rows) * cols), x(static_cast<size_t>(cols));
      for (float& v : W) v = nd(rng);
      for (float& v : x) v = nd(rng);
      kernels::Int8Matrix m = kernels::quantize_int8(W.data(), rows, cols);
      std::vector<float> y(static_cast<size_t>(rows)), ref(y), exact(y);
      kernels::int8_gemv(m, x.data(), y.data());
      kernels::int8_gemv_reference(m, x.data(), ref.data());
      kernels::gemv_f32_reference(W.data(), rows, cols, x.data(), exact.data());
      double xnorm = 0;
      for (float v : x) xnorm += std::abs(v);
      for (int r = 0; r < rows; ++r) {
        ASSERT_NEAR(y[r], ref[r], 1e-4 * xnorm) << isa_name(isa);
        // Rounding to 8 bits moves each weight by at most half a step (max|w|/254).
        ASSERT_NEAR(y[r], exact[r], xnorm * 4.5 / 254) << isa_name(isa);
      }
    }
  });
}

TEST(Int8Gemv, Q8ValuesRoundTripExactly) {
  // Weights already on a per-32 int8 grid (ggml's Q8_0) come back unchanged.
  std::vector<float> W(64);
  for (int i = 0; i < 64; ++i) W[i] = 0.03125f * float((i * 37) % 255 - 127);
  kernels::Int8Matrix m = kernels::quantize_int8(W.data(), 1, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(m.scale[i / 32] * m.q[i], W[i]);
}
