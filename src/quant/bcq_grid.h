// BCQ grid (method.md §5): free offset and alphas per row, quantizing by nearest level.
// Fitted on the sorted weights of the row (critical_points.h): by default greedy
// initialisation + alternating refinement as in LUT-GEMM, also started from the uniform
// min-max grid (the better result is kept); the exact branch and bound is available for
// k ≤ 3, affordable for small groups (its cost grows quickly with the group size).
#pragma once
#include <string>

#include "quant/critical_points.h"
#include "quant/grid.h"

namespace gptqt::quant {

struct BcqOptions {
  int bits = 3;
  int max_rounds = 15;  // least-squares fits of the alternating refinement (LUT-GEMM: 15)
  CriticalPointSearch search = CriticalPointSearch::alternating;
};

class BcqFitter final : public GridFitter {
 public:
  explicit BcqFitter(BcqOptions options);
  int bits() const override { return options_.bits; }
  std::string describe() const override;

 protected:
  QuantRule rule() const override { return QuantRule::nearest; }
  void check_group_size(int n) const override;
  void fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const override;

 private:
  BcqOptions options_;
};

}  // namespace gptqt::quant
