#include "quant/gptqt_grid.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "core/error.h"
#include "quant/linear_grid.h"

namespace gptqt::quant {

const char* to_string(GptqtRounding rounding) { return rounding == GptqtRounding::two ? "two" : "one"; }
const char* to_string(GptqtWeighting weighting) { return weighting == GptqtWeighting::hdiag ? "hdiag" : "plain"; }

std::vector<float> range_grid(float from, float to, float step) {
  GPTQT_CHECK(std::isfinite(from) && std::isfinite(to) && std::isfinite(step) && from > 0 && step > 0 && from <= to,
              "range factors {}..{} step {}: need finite numbers with 0 < from <= to and step > 0", from, to, step);
  // Each factor costs a grid fit per group: a range of a million steps would run for days.
  constexpr double kMaxFactors = 1000;
  GPTQT_CHECK((double(to) - double(from)) / double(step) < kMaxFactors,
              "range factors {}..{} step {}: more than {} factors to try", from, to, step, kMaxFactors);
  std::vector<float> v;
  // Each value from its index, so float steps do not accumulate error.
  for (int i = 0; double(from) + i * double(step) <= double(to) + 0.1 * double(step); ++i)
    v.push_back(float(double(from) + i * double(step)));
  return v;
}

GptqtFitter::GptqtFitter(GptqtOptions options) : options_(std::move(options)) {
  const GptqtOptions& o = options_;
  GPTQT_CHECK(o.bits >= 1 && o.bits <= o.inter_bits && o.inter_bits <= kMaxBits,
              "gptqt grid: need 1 <= bits <= intermediate bits <= {}, got bits {} and intermediate bits {}", kMaxBits,
              o.bits, o.inter_bits);
  GPTQT_CHECK(o.search == CriticalPointSearch::alternating || o.bits <= 3,
              "gptqt grid: the {} critical-point search supports up to 3 bits, got {}; use the alternating search",
              to_string(o.search), o.bits);
  GPTQT_CHECK(o.max_rounds >= 0, "gptqt grid: max rounds must be >= 0, got {}", o.max_rounds);
  if (o.re_explore) {
    GPTQT_CHECK(!o.p_grid.empty(), "gptqt grid: re-explore needs at least one range factor");
    for (float p : o.p_grid) GPTQT_CHECK(p > 0 && std::isfinite(p), "gptqt grid: bad range factor {}", p);
    ps_ = o.p_grid;
  } else {
    ps_ = {1.f};
  }
}

QuantRule GptqtFitter::rule() const {
  return options_.rounding == GptqtRounding::two ? QuantRule::two_roundings : QuantRule::nearest;
}

std::string GptqtFitter::describe() const {
  const GptqtOptions& o = options_;
  const std::string p = o.re_explore ? fmt::format("re-explore p {:.2f}..{:.2f} ({} values)", ps_.front(),
                                                   ps_.back(), ps_.size())
                                     : std::string("no re-explore");
  return fmt::format("gptqt {}-bit from {}-bit, {}, {} rounding(s), {} search, {} weighting", o.bits,
                     o.inter_bits, p, to_string(o.rounding), to_string(o.search), to_string(o.weighting));
}

namespace {

// Per-thread scratch: the solver keeps its buffers between rows and groups.
struct Scratch {
  std::unique_ptr<CriticalPointSolver> solver;
  std::vector<double> hist;
  std::vector<uint8_t> q, map, best_map;

  void prepare(const GptqtOptions& o, int n) {
    const int bins = 1 << o.inter_bits;
    if (!solver || solver->bits() != o.bits || solver->max_points() != bins || solver->search() != o.search ||
        solver->max_rounds() != o.max_rounds)
      solver = std::make_unique<CriticalPointSolver>(o.bits, bins, o.search, o.max_rounds);
    hist.resize(bins);
    map.resize(hist.size());
    best_map.resize(hist.size());
    q.resize(n);
  }
};

// Levels (integer domain of grid `from`) expressed in the integer domain of grid `to`.
BinaryCoding change_domain(const BinaryCoding& bc, LinearParams from, LinearParams to) {
  BinaryCoding out = bc;
  const double ratio = double(from.scale) / double(to.scale);
  out.offset = (bc.offset - from.zero) * ratio + to.zero;
  for (int j = 0; j < bc.bits; ++j) out.alpha[j] = bc.alpha[j] * ratio;
  return out;
}

}  // namespace

void GptqtFitter::fit_row(const float* w, int n, const float* importance, int row, GroupGrid& grid) const {
  const GptqtOptions& o = options_;
  thread_local Scratch scratch;
  scratch.prepare(o, n);
  const int maxq = (1 << o.inter_bits) - 1;
  const int levels = 1 << o.bits;
  const float* imp = o.weighting == GptqtWeighting::hdiag ? importance : nullptr;

  float xmin = 0.f, xmax = 0.f;
  for (int i = 0; i < n; ++i) xmin = std::min(xmin, w[i]), xmax = std::max(xmax, w[i]);

  double best_err = INFINITY;
  LinearParams best_lp;
  BinaryCoding best_levels, levels_bc;
  LinearParams prev_lp;
  for (size_t k = 0; k < ps_.size(); ++k) {
    const LinearParams lp = linear_params(ps_[k] * xmin, ps_[k] * xmax, o.inter_bits, false);
    std::fill(scratch.hist.begin(), scratch.hist.end(), 0.0);
    for (int i = 0; i < n; ++i) {
      scratch.q[i] = uint8_t(linear_code(w[i], lp, maxq));
      scratch.hist[scratch.q[i]] += 1;
    }
    // The previous range factor's levels are a good start for this one.
    const BinaryCoding hint = k > 0 ? change_domain(levels_bc, prev_lp, lp) : BinaryCoding{};
    scratch.solver->solve_histogram(scratch.hist.data(), maxq + 1, levels_bc, k > 0 ? &hint : nullptr);
    prev_lp = lp;

    // Weight-domain value of every level, then the error of this p on the actual weights.
    double value[1 << kMaxBits];
    for (int c = 0; c < levels; ++c) value[c] = double(lp.scale) * (levels_bc.level(c) - lp.zero);
    double err = 0;
    if (o.rounding == GptqtRounding::two) {
      build_code_map(levels_bc, maxq + 1, scratch.map.data());
      for (int i = 0; i < n; ++i) {
        const double d = w[i] - value[scratch.map[scratch.q[i]]];
        err += (imp ? imp[i] : 1.0) * d * d;
      }
    } else {
      BinaryCoding weight_domain = levels_bc;
      weight_domain.offset = double(lp.scale) * (levels_bc.offset - lp.zero);
      for (int j = 0; j < o.bits; ++j) weight_domain.alpha[j] = double(lp.scale) * levels_bc.alpha[j];
      const SortedLevels sorted(weight_domain);
      for (int i = 0; i < n; ++i) {
        const double d = w[i] - value[sorted.nearest(w[i])];
        err += (imp ? imp[i] : 1.0) * d * d;
      }
    }
    if (err < best_err) {
      best_err = err, best_lp = lp, best_levels = levels_bc;
      std::swap(scratch.map, scratch.best_map);
    }
  }

  // Merge both steps into one binary coding.
  for (int j = 0; j < o.bits; ++j) grid.alpha(j, row) = float(double(best_lp.scale) * best_levels.alpha[j]);
  grid.offset(row) = float(double(best_lp.scale) * (best_levels.offset - best_lp.zero));
  if (o.rounding == GptqtRounding::two) {
    grid.scale(row) = best_lp.scale;
    grid.zero(row) = best_lp.zero;
    std::copy(scratch.best_map.begin(), scratch.best_map.end(), grid.map(row));
  }
}

}  // namespace gptqt::quant
