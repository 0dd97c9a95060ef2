#include "kernels/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "isa_loop.h"

using namespace gptqt;

TEST(Softmax, EveryPathMatchesTheReference) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 8.f);
  test::for_each_available_isa([&](Isa isa) {
    for (int n : {1, 3, 8, 9, 31, 64, 257, 2048}) {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = nd(rng);
      x[0] = -200.f;  // far below the max: must flush to 0, not NaN
      std::vector<float> ref = x, got = x;
      kernels::softmax_inplace_reference(ref.data(), n);
      kernels::softmax_inplace(got.data(), n);
      double sum = 0;
      for (int i = 0; i < n; ++i) {
        ASSERT_NEAR(got[i], ref[i], 1e-6 * std::max(1.f, ref[i] * 10)) << isa_name(isa) << " n=" << n << " i=" << i;
        sum += got[i];
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  });
}
