// Per-ISA entry points of the dequantize kernels (dequant_{scalar,avx2,avx512}.cpp);
// dequant_gemv.cpp and dequantize.cpp validate arguments and pick one with active_isa().
#pragma once

#include "kernels/bcq_matrix.h"
#include "kernels/linear_matrix.h"

namespace gptqt::kernels::detail {

// Y (batch x rows) from validated weights. Xpad is batch x padded_cols (zero past
// cols), gsum batch x n_groups holds Σ x over each group.
void dequant_gemm_scalar(const LinearMatrixView& w, const float* Xpad, const float* gsum, int batch, float* Y);
void dequant_gemm_avx2(const LinearMatrixView& w, const float* Xpad, const float* gsum, int batch, float* Y);
void dequant_gemm_avx512(const LinearMatrixView& w, const float* Xpad, const float* gsum, int batch, float* Y);

// Rows [r0, r1) of validated weights into out ((r1 − r0) x cols).
void dequantize_rows_scalar(const BcqMatrixView& w, int r0, int r1, float* out);
void dequantize_rows_avx2(const BcqMatrixView& w, int r0, int r1, float* out);
void dequantize_rows_avx512(const BcqMatrixView& w, int r0, int r1, float* out);
void dequantize_rows_scalar(const LinearMatrixView& w, int r0, int r1, float* out);
void dequantize_rows_avx2(const LinearMatrixView& w, int r0, int r1, float* out);
void dequantize_rows_avx512(const LinearMatrixView& w, int r0, int r1, float* out);

}  // namespace gptqt::kernels::detail
