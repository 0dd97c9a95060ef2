// Linear layers that run packed weights without expanding them to fp32:
//   lut      binary-coded weights through the LUT-GEMM kernels (any method);
//   dequant  linear-grid weights (RTN/GPTQ) through the dequantize-and-multiply
//            kernel, the "GPTQ kernel" baseline of the GPTQT paper;
//   f32      the dequantized matrix through sgemm (the reference path).
// Batches above kSmallBatch (prompt processing, perplexity) dequantize a tile
// of rows at a time and use sgemm in every case.
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

// dequant falls back to lut for layers without a linear grid (BCQ, GPTQT) or at 1 bit.
std::unique_ptr<LinearOp> make_packed_op(PackedLinear q, PackedKernel kernel);

}  // namespace gptqt
