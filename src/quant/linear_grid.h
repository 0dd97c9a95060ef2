// The linear (uniform) grid of RTN and GPTQ: ŵ = s·(q − z), q ∈ [0, 2^k − 1] (method.md §2),
// and its lossless conversion to binary coding.
#pragma once
#include <cstddef>
#include <string>

#include "quant/grid.h"
#include "quant/rounding.h"

namespace gptqt::quant {

struct LinearGridOptions {
  int bits = 4;
  bool symmetric = false;     // xmax = max(|xmin|, xmax), xmin = −xmax, z = 2^(k−1)
  bool mse = false;           // search shrink factors p = 1 − i/grid, i < max_shrink·grid
  float mse_norm = 2.4f;      // error Σ|ŵ − w|^norm
  int mse_grid = 100;
  float mse_max_shrink = 0.8f;
};

struct LinearParams {
  float scale = 1.f, zero = 0.f;  // zero is an integer value
};

// Min-max grid of the range [xmin, xmax] (callers pass xmin ≤ 0 ≤ xmax; both zero: [−1, 1]).
LinearParams linear_params(float xmin, float xmax, int bits, bool symmetric);

// The grid for one row of n weights: min-max over the row (including 0), optionally MSE-shrunk.
LinearParams fit_linear(const float* w, int n, const LinearGridOptions& options);

inline int linear_code(float w, LinearParams p, int maxq) {
  return int(std::clamp(round_clamped(w / p.scale) + p.zero, 0.f, float(maxq)));
}
inline float linear_value(int code, LinearParams p) { return p.scale * (float(code) - p.zero); }

// Binary coding of the same levels. With q = Σ_j b_j 2^j (bit j = (c_j + 1)/2, j = 0..k−1):
//   alpha_j = s·2^(j−1)   (= s·2^(j−2) in method.md's 1-based numbering),
//   offset  = s·((2^k − 1)/2 − z),
// so level code q of the binary coding is exactly linear level q.
void linear_to_binary(LinearParams p, int bits, float* alpha, std::ptrdiff_t alpha_stride, float* offset);

class LinearFitter final : public GridFitter {
 public:
  explicit LinearFitter(LinearGridOptions options);
  int bits() const override { return options_.bits; }
  std::string describe() const override;
  const LinearGridOptions& options() const { return options_; }

 protected:
  QuantRule rule() const override { return QuantRule::linear; }
  bool fit_in_parallel() const override { return options_.mse; }  // min-max is a few ns per weight
  void fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const override;

 private:
  LinearGridOptions options_;
};

}  // namespace gptqt::quant
