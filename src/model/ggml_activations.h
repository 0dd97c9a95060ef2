// llama.cpp's CPU backend does not multiply a quantized weight by fp32 activations:
// it first rounds each activation row to the weight type's "vec_dot_type" (Q8_0
// for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the k- and i-quants, fp16 for
// F16, bf16 for BF16) and multiplies in integers. That rounding moves its
// perplexity by 0.2-0.6% and its KL divergence by 0.003-0.006 nats on 135M-270M
// models, so scores of the same GGUF file agree between the two programs only when
// gptqt rounds the same way (`eval --ggml-activations`).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "model/linear.h"

namespace gptqt {

enum class ActivationGrid { f32, f16, bf16, q8_0, q8_1, q8_K };

// The grid llama.cpp rounds activations to for a weight of this ggml type.
// Error for types llama.cpp has no CPU dot product for.
ActivationGrid ggml_activation_grid(uint32_t ggml_type);
int activation_grid_block(ActivationGrid g);  // elements per scale: 1, 32 or 256
std::string activation_grid_name(ActivationGrid g);  // "q8_0", ...

// Rounds x[0..n) in place to the grid's values as llama.cpp computes them
// (fp16 scale per 32 for Q8_0/Q8_1, fp32 scale per 256 for Q8_K, ties to even).
// n must be a multiple of the grid's block.
void round_activations(ActivationGrid g, float* x, int64_t n);

// `op` with each input row rounded to the grid of `ggml_type` before it multiplies
// (its kind() then names the grid: "f32+q8_0"); `op` itself when that grid is f32.
// `what` names the tensor in errors.
std::unique_ptr<LinearOp> with_ggml_activations(std::unique_ptr<LinearOp> op, uint32_t ggml_type,
                                                const std::string& what);

}  // namespace gptqt
