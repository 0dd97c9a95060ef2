// Plain scalar fp32 GEMV: the baseline the quantized kernels are checked against
// (the benchmarks time OpenBLAS sgemv instead).
#pragma once

namespace gptqt::kernels {

// y = W x, W rows x cols row-major, summed in fp32 column order.
void gemv_f32_reference(const float* W, int rows, int cols, const float* x, float* y);

}  // namespace gptqt::kernels
