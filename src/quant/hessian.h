// Streaming accumulation of the GPTQ Hessian proxy H = (2/N) Σ x xᵀ over the N calibration
// tokens reaching one linear layer (method.md §3). The calibration pipeline feeds it batches
// of activation rows as they are produced; nothing but the running sum is kept.
#pragma once
#include <vector>

namespace gptqt::quant {

class HessianAccumulator {
 public:
  explicit HessianAccumulator(int cols);

  // x: tokens × cols activations, row-major. Throws gptqt::Error on NaN/Inf activations.
  void add(const float* x, long tokens);

  int cols() const { return cols_; }
  long samples() const { return n_; }
  // H = (2/N) Σ x xᵀ, cols × cols, row-major, symmetric. Throws when no tokens were added.
  std::vector<double> hessian() const;

 private:
  int cols_;
  long n_ = 0;
  std::vector<double> sum_;   // Σ x xᵀ, upper triangle (row-major, i ≤ j)
  std::vector<float> chunk_;  // x_chunkᵀ x_chunk of one chunk, upper triangle
};

}  // namespace gptqt::quant
