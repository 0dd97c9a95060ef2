// A LUT layer keeps its weights once, as LUT records (the sign planes are released
// after the repacking): its batch paths rebuild each tile's planes from the records
// and must give the bits that the planes themselves give.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "kernels/dequantize.h"
#include "kernels/int8_gemm.h"
#include "model/expanded_sgemm.h"
#include "model/packed_ops.h"
#include "random_packed.h"

namespace gptqt {
namespace {

std::vector<float> random_inputs(int T, int cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.f, 1.f);
  std::vector<float> x(size_t(T) * cols);
  for (float& v : x) v = n(rng);
  return x;
}

TEST(LutLinear, BatchesFromTheLutRecordsMatchThePlanes) {
  // Rows off the 32-row tile, columns off the block, ragged groups.
  for (const auto& [rows, cols, group] : {std::tuple{70, 200, 64}, {33, 96, 32}, {128, 576, 128}, {5, 50, 32}})
    for (const bool linear_grid : {true, false}) {  // int8 GEMM, dequantize + sgemm
      SCOPED_TRACE(::testing::Message() << rows << "x" << cols << " g" << group << (linear_grid ? " linear" : " BCQ"));
      const PackedLinear q = random_packed(rows, cols, linear_grid, uint32_t(rows + cols), group);
      const std::unique_ptr<LinearOp> op = make_packed_op(q, PackedKernel::lut);
      const int T = kSmallBatch + 3;
      const std::vector<float> x = random_inputs(T, cols, 7);
      std::vector<float> want(size_t(T) * rows), got(size_t(T) * rows, NAN);
      if (linear_grid)
        kernels::int8_gemm(q.view(), x.data(), T, want.data());
      else
        expanded_sgemm(
            rows, cols, [&](int r0, int r1, float* dst) { kernels::dequantize_rows(q.view(), r0, r1, dst); }, x.data(),
            T, want.data());
      op->forward(x.data(), T, got.data());
      EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float)));
    }
}

}  // namespace
}  // namespace gptqt
