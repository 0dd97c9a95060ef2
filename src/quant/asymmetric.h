// Asymmetric calibration (GPTAQ, Li et al. 2025): the quantized block's inputs X̃ are
// what the layer will see, but its output should match the full-precision model's,
// computed from the full-precision inputs X. Quantizing W against
//   ‖X̃·Qᵀ − X·Wᵀ‖²  =  ‖X̃·(Q − W*)ᵀ‖² + const,  W*ᵀ = Wᵀ + H⁻¹·X̃ᵀ(X − X̃)·Wᵀ,
// (H = X̃ᵀX̃) is GPTQ against the same Hessian with the target W* in place of W: the
// constant is the part of X·Wᵀ no weights on X̃ can reach. With H damped as the solver
// damps it, and W* = W exactly when X = X̃ (no drift: plain GPTQ).
#pragma once
#include <vector>

#include "quant/gptq_solver.h"

namespace gptqt::quant {

// The accumulated drift term D = (2/N)·X̃ᵀ(X − X̃), cols × cols (not symmetric), scaled as
// the Hessian is (hessian.h), and w (rows × cols): the target W* = W + (H_d⁻¹·D·Wᵀ)ᵀ with
// H_d⁻¹ = UᵀU from the layer's factor. Needs factor.ok (an RTN fallback keeps W).
std::vector<float> asymmetric_target(const float* w, int rows, const std::vector<float>& drift,
                                     const GptqFactor& factor);

}  // namespace gptqt::quant
