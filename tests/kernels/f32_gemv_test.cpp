#include "kernels/f32_gemv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/half.h"
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
        ASSERT_NEAR(y[r], ref[r], 1e-4f * std::sqrt(float(cols)) + 1e-5f)
            << isa_name(isa) << " " << rows << "x" << cols;
    }
  });
}

// Keys or values in a cache (fp32 or fp16): rows `ld` apart, several query heads at once.
TEST(F32RowProducts, EveryPathMatchesTheDefinition) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  test::for_each_available_isa([&](Isa isa) {
    for (auto [rows, cols] : {std::pair{1, 1}, {7, 64}, {8, 64}, {37, 64}, {130, 100}, {9, 7}, {300, 128}})
      for (int m : {1, 3, 4}) {
        SCOPED_TRACE(::testing::Message() << isa_name(isa) << " " << rows << "x" << cols << " m " << m);
        const int64_t ld = cols + 5, ldy = rows + 2;
        std::vector<float> W(size_t(rows) * ld), X(size_t(m) * cols), P(size_t(m) * ldy);
        for (float& v : W) v = nd(rng);
        for (float& v : X) v = nd(rng);
        for (float& v : P) v = nd(rng);
        // fp16 rows: the same products over W rounded to fp16.
        std::vector<uint16_t> W16(W.size());
        for (size_t i = 0; i < W.size(); ++i) {
          W16[i] = f32_to_f16(W[i]);
          W[i] = f16_to_f32(W16[i]);
        }
        for (const bool half : {false, true}) {
          SCOPED_TRACE(half ? "fp16 rows" : "fp32 rows");
          std::vector<float> dots(size_t(m) * ldy, NAN), sums(size_t(m) * cols, NAN);
          if (half) {
            kernels::f32_rows_dot(W16.data(), ld, rows, cols, X.data(), m, 0.5f, dots.data(), ldy);
            kernels::f32_rows_combine(W16.data(), ld, rows, cols, P.data(), ldy, m, sums.data());
          } else {
            kernels::f32_rows_dot(W.data(), ld, rows, cols, X.data(), m, 0.5f, dots.data(), ldy);
            kernels::f32_rows_combine(W.data(), ld, rows, cols, P.data(), ldy, m, sums.data());
          }
          for (int v = 0; v < m; ++v) {
            for (int r = 0; r < rows; ++r) {
              double want = 0, mag = 0;
              for (int c = 0; c < cols; ++c) {
                want += double(W[r * ld + c]) * X[v * cols + c];
                mag += std::abs(double(W[r * ld + c]) * X[v * cols + c]);
              }
              ASSERT_NEAR(dots[v * ldy + r], 0.5 * want, 1e-6 * mag + 1e-30) << "dot " << v << "," << r;
            }
            for (int c = 0; c < cols; ++c) {
              double want = 0, mag = 0;
              for (int r = 0; r < rows; ++r) {
                want += double(P[v * ldy + r]) * W[r * ld + c];
                mag += std::abs(double(P[v * ldy + r]) * W[r * ld + c]);
              }
              ASSERT_NEAR(sums[v * cols + c], want, 1e-6 * mag + 1e-30) << "sum " << v << "," << c;
            }
          }
        }
      }
  });
}
