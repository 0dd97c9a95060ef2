#include "quant/bcq_grid.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "core/error.h"

namespace gptqt::quant {

BcqFitter::BcqFitter(BcqOptions options) : options_(options) {
  GPTQT_CHECK(options_.bits >= 1 && options_.bits <= kMaxBits, "bcq grid: bits must be 1..{}, got {}", kMaxBits,
              options_.bits);
  GPTQT_CHECK(options_.max_rounds >= 0, "bcq grid: max rounds must be >= 0, got {}", options_.max_rounds);
  GPTQT_CHECK(options_.search == CriticalPointSearch::alternating || options_.bits <= 3,
              "bcq grid: the {} search supports up to 3 bits, got {}; use the alternating search",
              to_string(options_.search), options_.bits);
}

std::string BcqFitter::describe() const {
  return fmt::format("bcq {}-bit, {} search ({} rounds)", options_.bits, to_string(options_.search),
                     options_.max_rounds);
}

void BcqFitter::check_group_size(int n) const {
  GPTQT_CHECK(options_.search == CriticalPointSearch::alternating || n <= kMaxExactPoints,
              "bcq grid: the {} search handles groups of at most {} weights, got {}; use the alternating search",
              to_string(options_.search), kMaxExactPoints, n);
}

void BcqFitter::fit_row(const float* w, int n, const float*, int row, GroupGrid& grid) const {
  thread_local std::unique_ptr<CriticalPointSolver> solver;
  thread_local std::vector<double> x;
  if (!solver || solver->bits() != options_.bits || solver->max_points() < n ||
      solver->search() != options_.search || solver->max_rounds() != options_.max_rounds)
    solver = std::make_unique<CriticalPointSolver>(options_.bits, n, options_.search, options_.max_rounds);
  x.assign(w, w + n);
  std::sort(x.begin(), x.end());  // the fit depends on the set of weights, not their order
  BinaryCoding bc;
  solver->solve_points(x.data(), nullptr, n, bc);
  for (int j = 0; j < options_.bits; ++j) grid.alpha(j, row) = float(bc.alpha[j]);
  grid.offset(row) = float(bc.offset);
}

}  // namespace gptqt::quant
