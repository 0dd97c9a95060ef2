#include "kernels/f32_gemv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "isa_loop.h"
#include "kernels/reference.h"

using namespace gptqt;

TEST(F32Gemv, EveryPathMatchesTheReference) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  test::for_each_available_isa([&](Isa isa) {
    for (auto [rows, cols] : {std::pair{1, 1}, {3, 7}, {17, 9}, {64, 576}, {130, 1537}, {2048, 64}}) {
      std::vector<float> W(size_t(rows) * cols), x(static_cast<size_t>(cols)), y(static_cast<size_t>(rows)),
          ref(static_cast<size_t>(rows));
      for (float& v : W) v = nd(rng);
      for (float& v : x) v = nd(rng);
      kernels::f32_gemv(W.data(), rows, cols, x.data(), y.data());
      kernels::gemv_f32_reference(W.data(), rows, cols, x.data(), ref.data());
      for (int r = 0; r < rows; ++r)
        ASSERT_NEAR(y[r], ref[r], 1e-4f * std::sqrt(float(cols)) + 1e-5f) << isa_name(isa) << " " << rows << "x" << cols;
    }
  });
}
