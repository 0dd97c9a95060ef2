// Dequantize-and-multiply GEMV/GEMM for linear 2/3/4-bit weights (linear_matrix.h):
// the "GPTQ kernel" baseline. Codes are expanded to fp32 in registers and multiplied
// with x; per group the kernel sums q·x and applies scale and zero once,
//   y_r = Σ_g scale_g · (Σ_{c∈g} q_c x_c − zero_g · Σ_{c∈g} x_c).
// Scalar, AVX2 and AVX-512 paths are chosen by active_isa(); rows are split over
// OpenMP threads.
#pragma once

#include "kernels/linear_matrix.h"

namespace gptqt::kernels {

void dequant_gemv(const LinearMatrixView& w, const float* x, float* y);
// X is batch x cols, Y batch x rows, both row-major.
void dequant_gemm(const LinearMatrixView& w, const float* X, int batch, float* Y);

}  // namespace gptqt::kernels
