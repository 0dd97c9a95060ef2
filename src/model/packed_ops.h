// Linear layers that run packed weights without expanding them to fp32:
//   lut      binary-coded weights through the LUT-GEMM kernels (any method);
//   dequant  linear-grid weights (RTN/GPTQ) through the dequantize-and-multiply
//            kernel, the "GPTQ kernel" baseline of the GPTQT paper;
//   f32      the dequantized matrix through sgemm (the reference path).
// Batches above kSmallBatch (prompt processing, perplexity) go through the int8
// GEMM (kernels/int8_gemm.h) where it holds the weights exactly (linear grids: RTN,
// GPTQ), and otherwise dequantize a tile of rows to fp32 at a time and multiply it
// by sgemm: on binary codings the int8 GEMM's 8-bit codes cost SmolLM2 3-bit 1.2%
// of perplexity, over the 0.5% the issue allows (docs/performance.md, "Int8 GEMM").
// BatchGemm::int8 or ::sgemm makes every layer take one path (comparisons;
// LoadOptions::batch_gemm, the CLI's --batch-gemm).
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

enum class BatchGemm { automatic, int8, sgemm };
BatchGemm parse_batch_gemm(const std::string& s);  // "auto", "int8" or "sgemm"
const char* batch_gemm_description(BatchGemm g);

// dequant falls back to lut for layers without a linear grid (BCQ, GPTQT) or at 1 bit.
std::unique_ptr<LinearOp> make_packed_op(PackedLinear q, PackedKernel kernel, BatchGemm batch = BatchGemm::automatic);

}  // namespace gptqt
