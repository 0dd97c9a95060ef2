// The factor the GPTQ solver runs on: U, upper triangular, with (H + λ·mean(diag H)·I)⁻¹ = UᵀU
// (method.md §3 steps 3-4), with automatic damping escalation.
#pragma once
#include <vector>

namespace gptqt::quant {

struct InverseCholesky {
  bool ok = false;  // false: no λ tried gave a usable factor
  double damp = 0;  // the last λ tried: the one that succeeded when ok
  int tries = 0;    // factorisations attempted
  double added = 0; // λ·mean(diag H): what the last try added to the diagonal
};

// Tries λ = damp, 10·damp, 100·damp, … (max_tries values) until the factorisation succeeds
// with a finite, positive-diagonal factor. `a`: n × n, row-major, symmetric H on entry; U
// (zeros below the diagonal) on return when ok, unspecified otherwise. Factors in fp32 and
// in place, as the GPTQ reference does in fp32: a 28,672-wide layer needs no second
// 3.3 GB matrix, and the damping (λ ≥ 1% of the mean diagonal) bounds the condition number
// well within fp32's reach; the escalation is the guard where it does not.
InverseCholesky damped_inverse_cholesky(std::vector<float>& a, int n, double damp, int max_tries);

}  // namespace gptqt::quant
