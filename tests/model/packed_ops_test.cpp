// A LUT layer keeps its weights once, as LUT records (the sign planes are released
// after the repacking): its batch paths rebuild each tile's planes from the records
// and must give the bits that the planes themselves give.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/half.h"
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

// fp16_scales: alpha and offset are fp16 values, as a packed file's are, so the layer
// releases its fp32 copies too and reads the records' fp16 ones.
TEST(LutLinear, BatchesFromTheLutRecordsMatchThePlanes) {
  // Rows off the 32-row tile, columns off the block, ragged groups.
  for (const auto& [rows, cols, group] : {std::tuple{70, 200, 64}, {33, 96, 32}, {128, 576, 128}, {5, 50, 32}})
    for (const bool linear_grid : {true, false})  // int8 GEMM, dequantize + sgemm
      for (const bool fp16_scales : {false, true}) {
        SCOPED_TRACE(::testing::Message() << rows << "x" << cols << " g" << group << (linear_grid ? " linear" : " BCQ")
                                          << (fp16_scales ? ", fp16 scales" : ""));
        PackedLinear q = random_packed(rows, cols, linear_grid, uint32_t(rows + cols), group);
        if (fp16_scales)
          for (std::vector<float>* v : {&q.alpha, &q.offset})
            for (float& x : *v) x = f16_to_f32(f32_to_f16(x));
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
