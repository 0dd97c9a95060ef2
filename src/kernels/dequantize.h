// Dequantize rows of packed weights to fp32, row-major (row_end − row_begin) x cols:
// the fp32 evaluation path, and the prefill path that hands tiles of rows to sgemm
// for large batches. The scalar path is the reference; the SIMD paths give
// bit-identical results (same operations in the same order). Threaded over rows.
#pragma once

#include "kernels/bcq_matrix.h"
#include "kernels/linear_matrix.h"

namespace gptqt::kernels {

// ŵ = offset + Σ_j alpha_j · s_j, added in plane order.
void dequantize_rows(const BcqMatrixView& w, int row_begin, int row_end, float* out);
// ŵ = scale · (q − zero).
void dequantize_rows(const LinearMatrixView& w, int row_begin, int row_end, float* out);

}  // namespace gptqt::kernels
