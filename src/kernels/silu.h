// Gated SiLU, the MLP activation of Llama-style models: x ← x·σ(x)·up, with a
// vectorised exp (a 512-token prompt through SmolLM2 computes 24M of them).
#pragma once
#include <cstddef>

namespace gptqt::kernels {

void silu_gated(float* x, const float* up, size_t n);

// The scalar reference (std::exp), for tests and CPUs without AVX2.
void silu_gated_reference(float* x, const float* up, size_t n);

namespace detail {
void silu_gated_avx2(float* x, const float* up, size_t n);
}

}  // namespace gptqt::kernels
