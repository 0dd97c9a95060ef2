#include "quant/critical_points.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.h"
#include "quant/normal_equations.h"

namespace gptqt::quant {

const char* to_string(CriticalPointSearch search) {
  switch (search) {
    case CriticalPointSearch::exhaustive: return "exhaustive";
    case CriticalPointSearch::alternating: return "alternating";
    case CriticalPointSearch::fast: return "fast";
  }
  return "?";
}

CriticalPointSolver::CriticalPointSolver(int bits, int max_points, CriticalPointSearch search, int max_rounds)
    : bits_(bits), max_points_(max_points), max_rounds_(max_rounds), search_(search) {
  GPTQT_CHECK(bits >= 1 && bits <= kMaxBits && max_points >= 1,
              "critical points: need 1 <= bits <= {} and at least one point, got bits {} and {} points", kMaxBits,
              bits, max_points);
  GPTQT_CHECK(search == CriticalPointSearch::alternating || bits <= 3,
              "critical points: the {} search supports up to 3 bits, got {}; use the alternating search",
              to_string(search), bits);
  GPTQT_CHECK(max_rounds >= 0, "critical points: max rounds must be >= 0, got {}", max_rounds);
  GPTQT_CHECK(search == CriticalPointSearch::alternating || max_points <= kMaxExactPoints,
              "critical points: the {} search handles at most {} points, got {}; use the alternating search",
              to_string(search), kMaxExactPoints, max_points);
  const size_t m = max_points;
  x_.resize(m), h_.resize(m), codes_.resize(m);
  pn_.resize(m + 1), ps_.resize(m + 1), pq_.resize(m + 1);
  if (search == CriticalPointSearch::fast) {
    sse_.resize((m + 1) * (m + 1));
    tail_.resize((size_t(1) << bits) * (m + 1));
  }
}

// The two lower bounds of the branch and bound, for the current points:
// sse_[a][b], the cost of points [a, b) around their own mean, and tail_[t][e], the least
// cost of points e..n−1 with at most t free levels. The levels still to assign are not free,
// so tail_ bounds their cost from below.
void CriticalPointSolver::build_bounds() {
  const int levels = 1 << bits_, stride = n_ + 1;
  for (int a = 0; a <= n_; ++a)
    for (int b = a; b <= n_; ++b) {
      const double n = pn_[b] - pn_[a], s = ps_[b] - ps_[a];
      sse_[size_t(a) * stride + b] = n > 0 ? std::max(pq_[b] - pq_[a] - s * s / n, 0.0) : 0.0;
    }
  for (int e = 0; e <= n_; ++e) tail_[e] = e == n_ ? 0 : INFINITY;
  for (int t = 1; t < levels; ++t) {
    const double* prev = &tail_[size_t(t - 1) * stride];
    double* cur = &tail_[size_t(t) * stride];
    for (int e = 0; e <= n_; ++e) {
      double best = INFINITY;
      for (int f = e; f <= n_; ++f) best = std::min(best, segment_sse(e, f) + prev[f]);
      cur[e] = best;
    }
  }
}

// Depth-first search over monotone assignments: rank r (in the sorted order of the levels)
// takes points [i, e), e ≥ i, so ranks may stay empty. The normal equations grow by one
// segment per level of the tree. With pruning (fast), a subtree is cut when
//   violation(parent) + Σ within-segment SSE + tail bound(rest)   or
//   least-squares error of the assigned segments + tail bound(rest)
// reaches the best error found; both bounds without their tail term only grow with e, which
// allows early breaks. The violation is the part of the least-squares error beyond the
// within-segment SSE (how far the segment means are from a binary coding); adding segments
// never lowers it.
template <int K>
class ExactSearch {
 public:
  static constexpr int L = 1 << K, P = K + 1;
  using Equations = NormalEquations<P>;

  ExactSearch(const CriticalPointSolver& s, bool prune, double best) : s_(s), prune_(prune), best_(best) {}

  // rank_code[r] = code of the r-th smallest level in one possible order of the levels.
  void run(const unsigned* rank_code) {
    rank_code_ = rank_code;
    dfs(0, 0, Equations{}, 0, 0, 0);
  }
  bool improved() const { return improved_; }
  double best() const { return best_; }
  const double* theta() const { return theta_; }

 private:
  void add_segment(Equations& eq, unsigned code, int a, int b) const {
    eq.add(code, s_.pn_[b] - s_.pn_[a], s_.ps_[b] - s_.ps_[a], s_.pq_[b] - s_.pq_[a]);
  }
  double tail(int ranks_left, int e) const { return s_.tail_[size_t(ranks_left) * (s_.n_ + 1) + e]; }

  // independent()[mask]: the design rows (1, c) of the codes in mask are linearly independent,
  // so least squares fits every segment mean exactly and the error is the within-segment SSE
  // (no solve needed). Computed once per K.
  static const std::array<bool, 1 << L>& independent() {
    static const std::array<bool, 1 << L> table = [] {
      std::array<bool, 1 << L> t{};
      for (unsigned mask = 0; mask < (1u << L); ++mask) {
        double rows[L][P];
        int n = 0;
        for (unsigned c = 0; c < L; ++c) {
          if (!((mask >> c) & 1u)) continue;
          rows[n][0] = 1;
          for (int j = 0; j < K; ++j) rows[n][1 + j] = ((c >> j) & 1u) ? 1 : -1;
          ++n;
        }
        int rank = 0;  // Gaussian elimination; entries stay small integers
        for (int col = 0; col < P && rank < n; ++col) {
          int piv = rank;
          while (piv < n && std::fabs(rows[piv][col]) < 1e-9) ++piv;
          if (piv == n) continue;
          std::swap(rows[piv], rows[rank]);
          for (int i = rank + 1; i < n; ++i) {
            const double f = rows[i][col] / rows[rank][col];
            for (int j = col; j < P; ++j) rows[i][j] -= f * rows[rank][j];
          }
          ++rank;
        }
        t[mask] = rank == n;
      }
      return t;
    }();
    return table;
  }

  // used: mask of the codes given a non-empty segment so far.
  void dfs(int r, int i, const Equations& eq, double err, double within, unsigned used) {
    const int n = s_.n_;
    const unsigned code = rank_code_[r];
    if (r == L - 1) {
      Equations leaf = eq;
      if (i < n) add_segment(leaf, code, i, n);
      double theta[P];
      const double e = leaf.solve(theta);
      if (e < best_) {
        best_ = e, improved_ = true;
        std::copy(theta, theta + P, theta_);
      }
      return;
    }
    const double violation = std::max(err - within, 0.0);
    for (int e = i; e <= n; ++e) {
      double within_e = 0;
      if (prune_) {
        within_e = within + s_.segment_sse(i, e);
        if (violation + within_e >= best_) break;
        if (violation + within_e + tail(L - 1 - r, e) >= best_) continue;
      }
      Equations next = eq;
      double next_err = err;
      const unsigned next_used = e > i ? used | (1u << code) : used;
      if (e > i) {
        add_segment(next, code, i, e);
        if (prune_) next_err = independent()[next_used] ? within_e : next.solve();
      }
      if (prune_) {
        if (next_err >= best_) break;
        if (next_err + tail(L - 1 - r, e) >= best_) continue;
      }
      dfs(r + 1, e, next, next_err, within_e, next_used);
    }
  }

  const CriticalPointSolver& s_;
  const bool prune_;
  const unsigned* rank_code_ = nullptr;
  double best_;
  bool improved_ = false;
  double theta_[P] = {};
};

namespace {

// The orders the 2^k levels γ + Σ β_j c_j can take, up to relabelling the bits and flipping
// their signs (so 0 ≤ β_0 ≤ … ≤ β_{k−1}): one for k ≤ 2; for k = 3 the middle pair swaps when
// β_2 < β_1 + β_0. Every optimum sorts its levels in one of these orders.
constexpr unsigned kOrder1[] = {0, 1};
constexpr unsigned kOrder2[] = {0, 1, 2, 3};
constexpr unsigned kOrder3a[] = {0, 1, 2, 3, 4, 5, 6, 7};
constexpr unsigned kOrder3b[] = {0, 1, 2, 4, 3, 5, 6, 7};

template <int K>
bool exact_search(const CriticalPointSolver& solver, bool prune, double& best, BinaryCoding& levels) {
  ExactSearch<K> search(solver, prune, best);
  if constexpr (K == 1) search.run(kOrder1);
  if constexpr (K == 2) search.run(kOrder2);
  if constexpr (K == 3) search.run(kOrder3a), search.run(kOrder3b);
  if (!search.improved()) return false;
  best = search.best();
  levels.bits = K;
  levels.offset = search.theta()[0];
  for (int j = 0; j < K; ++j) levels.alpha[j] = search.theta()[1 + j];
  return true;
}

}  // namespace

// The exact solution for the points merged into kCoarsePoints equal-width intervals of
// [x_0, x_{n−1}] (each interval becomes its weighted mean): a start that already has the
// global shape of the optimum, which local refinement from greedy or uniform starts often lacks.
BinaryCoding CriticalPointSolver::coarse_start() {
  if (!coarse_) coarse_ = std::make_unique<CriticalPointSolver>(bits_, kCoarsePoints, CriticalPointSearch::fast, max_rounds_);
  double cw[kCoarsePoints] = {}, cs[kCoarsePoints] = {};
  const double lo = x_[0], width = (x_[n_ - 1] - x_[0]) / kCoarsePoints;
  for (int i = 0; i < n_; ++i) {
    const int c = std::min(kCoarsePoints - 1, int((x_[i] - lo) / width));
    cw[c] += h_[i], cs[c] += h_[i] * x_[i];
  }
  double cx[kCoarsePoints];
  int nc = 0;
  for (int c = 0; c < kCoarsePoints; ++c)
    if (cw[c] > 0) cx[nc] = cs[c] / cw[c], cw[nc] = cw[c], ++nc;
  BinaryCoding start;
  coarse_->solve_points(cx, cw, nc, start);
  return start;
}

double CriticalPointSolver::alternating(BinaryCoding& levels, const BinaryCoding* hint, bool hint_only) {
  double best = INFINITY;
  auto try_start = [&](BinaryCoding start) {
    const double err = bcq_refine(x_.data(), h_.data(), n_, max_rounds_, start, codes_.data());
    if (err < best) best = err, levels = start;
  };
  if (hint) try_start(*hint);
  if (hint && hint_only) return best;
  try_start(bcq_greedy(x_.data(), h_.data(), n_, bits_));
  try_start(bcq_uniform(x_[0], x_[n_ - 1], bits_));
  if (bits_ <= 3 && n_ > kCoarsePoints) try_start(coarse_start());
  return best;
}

void CriticalPointSolver::add_point(double x, double w) {
  x_[n_] = x, h_[n_] = w;
  pn_[n_ + 1] = pn_[n_] + w;
  ps_[n_ + 1] = ps_[n_] + w * x;
  pq_[n_ + 1] = pq_[n_] + w * x * x;
  ++n_;
}

double CriticalPointSolver::solve_histogram(const double* hist, int bins, BinaryCoding& levels,
                                            const BinaryCoding* hint) {
  GPTQT_CHECK(bins >= 1 && bins <= max_points_, "critical points: {} bins for a solver of {} points", bins,
              max_points_);
  n_ = 0;
  for (int q = 0; q < bins; ++q)
    if (hist[q] > 0) add_point(q, hist[q]);
  if (n_ == 0) {  // nothing to fit: any grid will do, take the uniform one over all codes
    levels = bcq_uniform(0, bins - 1, bits_);
    return 0;
  }
  return search(levels, hint);
}

double CriticalPointSolver::solve_points(const double* x, const double* w, int n, BinaryCoding& levels,
                                         const BinaryCoding* hint) {
  GPTQT_CHECK(n >= 1 && n <= max_points_, "critical points: {} points for a solver of {}", n, max_points_);
  n_ = 0;
  for (int i = 0; i < n; ++i) {
    GPTQT_CHECK(i == 0 || x[i - 1] <= x[i], "critical points: points are not sorted");
    if (!w || w[i] > 0) add_point(x[i], w ? w[i] : 1.0);
  }
  if (n_ == 0) {
    levels = bcq_uniform(x[0], x[n - 1], bits_);
    return 0;
  }
  return search(levels, hint);
}

double CriticalPointSolver::search(BinaryCoding& levels, const BinaryCoding* hint) {
  // The fast search only needs a good first incumbent: a hint (the caller's solution of a
  // neighbouring problem) refined is usually the optimum already, so it skips the other starts.
  double best = INFINITY;
  if (search_ != CriticalPointSearch::exhaustive)
    best = alternating(levels, hint, search_ == CriticalPointSearch::fast);
  if (search_ != CriticalPointSearch::alternating) {
    const bool prune = search_ == CriticalPointSearch::fast;
    if (prune) build_bounds();
    switch (bits_) {
      case 1: exact_search<1>(*this, prune, best, levels); break;
      case 2: exact_search<2>(*this, prune, best, levels); break;
      case 3: exact_search<3>(*this, prune, best, levels); break;
    }
  }
  levels.normalize();
  return bcq_error(x_.data(), h_.data(), n_, levels);
}

double histogram_error(const double* hist, int bins, const BinaryCoding& levels) {
  const SortedLevels sorted(levels);
  double err = 0;
  for (int q = 0; q < bins; ++q) {
    if (!(hist[q] > 0)) continue;
    const double d = q - levels.level(sorted.nearest(q));
    err += hist[q] * d * d;
  }
  return err;
}

void build_code_map(const BinaryCoding& levels, int bins, uint8_t* map) {
  const SortedLevels sorted(levels);
  for (int q = 0; q < bins; ++q) map[q] = uint8_t(sorted.nearest(q));
}

}  // namespace gptqt::quant
