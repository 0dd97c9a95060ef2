// GPTQT grid (method.md §4): quantize twice. Per row of a group:
//   1. linear m-bit min-max grid (s, z) over the range scaled by p;
//   2. k-bit binary-coding levels on the histogram of the integer codes (critical points),
//      and the table map[q] -> level for all 2^m codes;
//   3. re-explore: repeat 1-2 for every p of a grid, keep the p whose final ŵ has the least
//      Σ_i importance_i (w_i − ŵ_i)² (importance = H_ii from the solver, or 1);
//   4. merge into pure binary coding: alpha_j = s·β_j, offset = s·(γ − z).
// Quantizing a weight is two roundings, q = clamp(round(w/s) + z) then ŵ = level(map[q]),
// or (switch) one rounding straight to the nearest level.
#pragma once
#include <string>
#include <vector>

#include "quant/critical_points.h"
#include "quant/grid.h"

namespace gptqt::quant {

enum class GptqtRounding { two, one };
enum class GptqtWeighting { hdiag, plain };
const char* to_string(GptqtRounding rounding);
const char* to_string(GptqtWeighting weighting);

// from, from + step, ... up to `to` inclusive (within a tenth of a step).
std::vector<float> range_grid(float from, float to, float step);

struct GptqtOptions {
  int bits = 3;        // k, final bits
  int inter_bits = 4;  // m, bits of the intermediate linear grid
  bool re_explore = true;
  std::vector<float> p_grid = range_grid(0.70f, 1.10f, 0.02f);  // range factors tried when re-exploring
  GptqtRounding rounding = GptqtRounding::one;  // won every comparison measured (docs/results.md §7)
  CriticalPointSearch search = CriticalPointSearch::fast;
  GptqtWeighting weighting = GptqtWeighting::hdiag;
  int max_rounds = 15;  // alternating refinement rounds (alternating search, fast's start)
};

class GptqtFitter final : public GridFitter {
 public:
  explicit GptqtFitter(GptqtOptions options);
  int bits() const override { return options_.bits; }
  std::string describe() const override;
  const GptqtOptions& options() const { return options_; }

 protected:
  QuantRule rule() const override;
  int inter_bits() const override { return options_.inter_bits; }
  void fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const override;

 private:
  GptqtOptions options_;
  std::vector<float> ps_;  // the range factors actually tried
};

}  // namespace gptqt::quant
