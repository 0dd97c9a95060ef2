// Linear layers that run packed weights without expanding them to fp32:
//   lut      binary-coded weights through the LUT-GEMM kernels (any method);
//   dequant  linear-grid weights (RTN/GPTQ) through the dequantize-and-multiply
//            kernel, the "GPTQ kernel" baseline of the GPTQT paper;
//   f32      the dequantized matrix through sgemm (the reference path).
// Batches above kSmallBatch (prompt processing, perplexity) dequantize a tile of
// rows to fp32 at a time and multiply it by sgemm; GPTQT_BATCH_GEMM=int8 takes the
// int8 GEMM (kernels/int8_gemm.h) instead, not yet the default: it costs SmolLM2
// 3-bit 1.2% of perplexity (issue 15's bar is 0.5%; docs/performance.md).
#pragma once
#include <memory>
#include <string>

#include "model/linear.h"
#include "model/packed_linear.h"

namespace gptqt {

enum class PackedKernel { lut, dequant, f32 };
PackedKernel parse_packed_kernel(const std::string& s);
const char* packed_kernel_name(PackedKernel k);

inline constexpr int kSmallBatch = 16;

enum class BatchGemm { int8, sgemm };
BatchGemm batch_gemm();  // GPTQT_BATCH_GEMM, read once (default sgemm)

// dequant falls back to lut for layers without a linear grid (BCQ, GPTQT) or at 1 bit.
std::unique_ptr<LinearOp> make_packed_op(PackedLinear q, PackedKernel kernel);

}  // namespace gptqt
