// Fitting k-bit binary coding with offset to weighted 1-D points: levels
// L(c) = γ + Σ_j β_j c_j minimising Σ_i w_i · (x_i − L(nearest))².
// GPTQT step 2 (method.md §4) is the case x = the integer codes 0..2^m−1 of the intermediate
// grid with w = their histogram; BCQ (method.md §5) is the case x = the sorted weights.
// The nearest-level assignment is monotone in x, so it is fixed by 2^k − 1 cut positions
// between consecutive points ("critical points"); for fixed cuts the best (γ, β) is a small
// least-squares problem (normal_equations.h). Searches:
//   exhaustive   every monotone assignment of the points to the 2^k ranks (ranks may stay
//                empty), for every order the 2^k levels can take (1 order for k ≤ 2, 2 for
//                k = 3). Exact; the reference, slow beyond ~16 points for k = 3.
//   alternating  assign ↔ least squares from the greedy start, the uniform start, an
//                optional hint and, for more than kCoarsePoints points (k ≤ 3), the exact
//                solution of the problem coarsened to kCoarsePoints points ("the exhaustive
//                small case" of method.md); keeps the best. Cheap, not always optimal.
//   fast         branch and bound over the same assignments as exhaustive, starting from the
//                alternating result and pruning with lower bounds: exact, same optimum.
// The exact searches support k ≤ 3 (the level orders are enumerated by hand) and at most
// kMaxExactPoints points (their cost grows steeply with the number of points anyway).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "quant/binary_coding.h"

namespace gptqt::quant {

enum class CriticalPointSearch { exhaustive, alternating, fast };
constexpr int kMaxExactPoints = 1024;
constexpr int kCoarsePoints = 16;
const char* to_string(CriticalPointSearch search);

class CriticalPointSolver {
 public:
  // max_points: the most points (or histogram bins) one call may pass.
  CriticalPointSolver(int bits, int max_points, CriticalPointSearch search, int max_rounds = 15);

  // Points x = 0..bins−1 weighted by hist (bins ≤ max_points). hint: optional start for the
  // alternating refinement. Writes normalized levels; returns the error.
  double solve_histogram(const double* hist, int bins, BinaryCoding& levels, const BinaryCoding* hint = nullptr);
  // Points sorted ascending (n ≤ max_points) with weights w (null: all 1).
  double solve_points(const double* x, const double* w, int n, BinaryCoding& levels,
                      const BinaryCoding* hint = nullptr);
  // Both allocate nothing: keep one solver per thread and reuse it.

  int bits() const { return bits_; }
  int max_points() const { return max_points_; }
  CriticalPointSearch search() const { return search_; }
  int max_rounds() const { return max_rounds_; }

 private:
  template <int K>
  friend class ExactSearch;

  void add_point(double x, double w);
  double search(BinaryCoding& levels, const BinaryCoding* hint);  // on the points added
  double alternating(BinaryCoding& levels, const BinaryCoding* hint, bool hint_only);
  BinaryCoding coarse_start();
  void build_bounds();
  // Σ h (x − mean)² of points [a, b) (from build_bounds' table).
  double segment_sse(int a, int b) const { return sse_[size_t(a) * (n_ + 1) + b]; }

  int bits_, max_points_, max_rounds_;
  CriticalPointSearch search_;
  int n_ = 0;                              // points with positive weight
  std::vector<double> x_, h_;              // their positions and weights
  std::vector<double> pn_, ps_, pq_;       // prefix sums of h, h·x, h·x²
  std::vector<double> sse_;                // [a][b]: segment_sse, fast search only
  std::vector<double> tail_;               // [t][e]: best free t-level clustering of points e..n−1
  std::vector<uint8_t> codes_;
  std::unique_ptr<CriticalPointSolver> coarse_;  // exact solver for coarse_start()
};

// Σ_q hist[q] · (q − nearest level)².
double histogram_error(const double* hist, int bins, const BinaryCoding& levels);

// map[q] = code of the level nearest to q, for every q ∈ [0, bins).
void build_code_map(const BinaryCoding& levels, int bins, uint8_t* map);

}  // namespace gptqt::quant
