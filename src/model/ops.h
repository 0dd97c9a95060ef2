// The elementwise and row-wise pieces of the decoder forward pass.
#pragma once
#include <vector>

#include "model/config.h"
#include "model/weights.h"

namespace gptqt {

// In place over T rows of width n: RMSNorm (bias empty) or LayerNorm.
void apply_norm(NormKind kind, const Norm& norm, float eps, float* x, int T, int n);

// act(gate) * up into gate for the gated kinds; act(x) in place otherwise.
void apply_activation(ActKind kind, float* x, const float* up, size_t n);

// BLOOM's ALiBi head slopes (also for head counts that are not powers of two).
std::vector<float> alibi_slopes(int n_heads);

// Numerically stable log-sum-exp of a row.
double log_sum_exp(const float* x, int n);

}  // namespace gptqt
