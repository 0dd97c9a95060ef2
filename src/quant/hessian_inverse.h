// The factor the GPTQ solver runs on: U, upper triangular, with (H + λ·mean(diag H)·I)⁻¹ = UᵀU
// (method.md §3 steps 3-4), with automatic damping escalation.
#pragma once
#include <vector>

namespace gptqt::quant {

struct InverseCholesky {
  bool ok = false;        // false: no λ tried gave a usable factor
  std::vector<double> u;  // n × n, row-major, upper triangular (zeros below); empty unless ok
  double damp = 0;        // the last λ tried: the one that succeeded when ok
  int tries = 0;          // factorisations attempted
};

// Tries λ = damp, 10·damp, 100·damp, … (max_tries values) until the factorisation succeeds
// with a finite, positive-diagonal factor. h: n × n, row-major, symmetric. Factors in fp64.
InverseCholesky damped_inverse_cholesky(const double* h, int n, double damp, int max_tries);

}  // namespace gptqt::quant
