// Streaming accumulation of the GPTQ Hessian proxy H = (2/N) Σ x xᵀ over the N calibration
// tokens reaching one linear layer (method.md §3). The calibration pipeline feeds it one
// window of activation rows at a time; nothing but the running sum is kept.
//
// The sum is fp32, as in the GPTQ reference, and is added to in a fixed order: window by
// window, each window's xᵀx added into the sum one panel of rows at a time by the same
// sgemm calls whatever the number of threads. That order is what a data-parallel run
// reproduces (windows split over processes, panels passed from one to the next), so
// both give the same bits. A layer of 28,672 inputs (70B's down projection) needs one
// 3.3 GB matrix, which the solver then factors in place.
#pragma once
#include <cstddef>
#include <vector>

namespace gptqt::quant {

class HessianAccumulator {
 public:
  explicit HessianAccumulator(int cols);

  // x: tokens × cols activations, row-major. Throws gptqt::Error on NaN/Inf activations.
  // With parts > 1 only the panels p with p mod parts = part are added to (each rank
  // of a data-parallel run keeps its share); samples() counts the tokens either way.
  void add(const float* x, long tokens, int part = 0, int parts = 1);

  int cols() const { return cols_; }
  long samples() const { return n_; }
  // H = (2/N) Σ x xᵀ, cols × cols, row-major, symmetric. Hands over the accumulator's
  // storage (no copy), after which only cols() and samples() remain. Throws when no
  // tokens were added or the sums were already taken.
  std::vector<float> take_hessian();

  // The panel of rows [row0, row0 + kPanelRows) of the running sum Σ x xᵀ, from the
  // diagonal on (row i at panel(row0) + (i − row0)·cols): the unit a data-parallel run
  // keeps per rank and passes between ranks.
  static constexpr int kPanelRows = 256;
  float* panel(int row0) { return &sum_[std::size_t(row0) * cols_ + row0]; }

 private:
  void add_panel(const float* x, long tokens, int row0, int row1);
  int cols_;
  long n_ = 0;
  std::vector<float> sum_;  // Σ x xᵀ, row-major; the upper triangle is kept, the rest is scratch
};

}  // namespace gptqt::quant
