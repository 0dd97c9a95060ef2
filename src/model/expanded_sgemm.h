// Batched products with a matrix held compactly (packed or int8): row tiles are
// expanded to fp32 and handed to sgemm. Prompt processing and perplexity windows
// go this way; for a batch of many tokens the expansion is a small share of the
// work, and the fp32 GEMM (kernels/f32_gemm.h) is the fastest multiply.
#pragma once
#include <functional>

namespace gptqt {

// Writes rows r0 .. r1-1 of the matrix, fp32, row-major, to dst; called with whole
// 32-row tiles (r0 a multiple of 32, r1 = min(rows, r0 + 32)), as LUT layers hold them.
using ExpandRows = std::function<void(int r0, int r1, float* dst)>;

// Y (T x rows) = X (T x cols) · Wᵀ. Tiles of about 4 MiB are expanded by all
// threads at once (`expand` must be safe to call concurrently on disjoint rows),
// so a layer of SmolLM2's size is one tile and one sgemm call.
void expanded_sgemm(int rows, int cols, const ExpandRows& expand, const float* x, int T, float* y);

}  // namespace gptqt
