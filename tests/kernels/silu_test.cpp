#include "kernels/silu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "isa_loop.h"

using namespace gptqt;

// Every path against x·σ(x)·up in double, to a few float ulps, over the range an MLP
// sees and beyond it (where σ saturates to 0 or 1, never to NaN).
TEST(SiluGated, EveryPathMatchesDoublePrecision) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.f, 6.f);
  test::for_each_available_isa([&](Isa isa) {
    for (size_t n : {1, 7, 8, 9, 100, 1027}) {
      std::vector<float> x(n), up(n);
      for (size_t i = 0; i < n; ++i) {
        x[i] = nd(rng);
        up[i] = nd(rng);
      }
      x[0] = n > 1 ? -150.f : 120.f;  // exp(150) overflows a float
      if (n > 1) x[n - 1] = 95.f;
      std::vector<float> got = x;
      kernels::silu_gated(got.data(), up.data(), n);
      for (size_t i = 0; i < n; ++i) {
        const double v = x[i], want = v / (1.0 + std::exp(-v)) * up[i];
        ASSERT_NEAR(got[i], want, 1e-6 * std::abs(want) + 1e-30) << isa_name(isa) << " n=" << n << " x=" << x[i];
      }
    }
  });
}
