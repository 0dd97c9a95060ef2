// fp16 <-> fp32 runs on every path against core/half.h's scalar conversions: the
// same bits for normal, subnormal, rounding-tie, overflowing and infinite values.
#include "kernels/half_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/half.h"
#include "isa_loop.h"

using namespace gptqt;

TEST(HalfRows, EveryPathRoundsLikeTheScalarConversion) {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.f, 3.f);
  std::vector<float> x(1000);
  for (float& v : x) v = nd(rng);
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {0.f, -0.f, 1e-6f, -3e-7f, 6.1e-5f, 65504.f, 65520.f, 1e6f, -inf, inf, 1.f + 1.f / 2048,
                  1.f + 3.f / 2048})
    x.push_back(v);
  std::vector<uint16_t> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = f32_to_f16(x[i]);
  std::vector<float> back(x.size());
  for (size_t i = 0; i < x.size(); ++i) back[i] = f16_to_f32(want[i]);
  test::for_each_available_isa([&](Isa isa) {
    for (int64_t n : {int64_t(0), int64_t(5), int64_t(x.size())}) {
      std::vector<uint16_t> h(size_t(n), 0x7e00);
      std::vector<float> f(size_t(n), NAN);
      kernels::f32_to_f16_row(x.data(), n, h.data());
      kernels::f16_to_f32_row(want.data(), n, f.data());
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(h[i], want[i]) << isa_name(isa) << " value " << x[i];
        ASSERT_EQ(f[i], back[i]) << isa_name(isa) << " value " << x[i];
      }
    }
  });
}
