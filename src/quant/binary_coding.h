// Binary coding with offset in double precision, in whatever domain a fitter works in
// (weights for BCQ, integer codes for GPTQT's critical points), and fitting one to
// weighted 1-D points: greedy initialisation and alternating refinement (method.md §5).
#pragma once
#include <array>
#include <cstdint>

#include "quant/quantized_linear.h"

namespace gptqt::quant {

struct BinaryCoding {
  int bits = 0;
  double offset = 0;
  std::array<double, kMaxBits> alpha{};

  double level(unsigned code) const {
    double v = offset;
    for (int j = 0; j < bits; ++j) v += ((code >> j) & 1u) ? alpha[j] : -alpha[j];
    return v;
  }
  // Makes every alpha non-negative and ascending in j (bit 0 smallest, like the linear
  // grid's bit order). The set of levels is unchanged; which code names which level is not.
  void normalize();
};

// The levels of a coding sorted by value, for nearest-level search. Only the first `count`
// entries are set (no zero-filling: this sits in the fitters' inner loops).
struct SortedLevels {
  int count;
  std::array<double, 1 << kMaxBits> value;
  std::array<uint8_t, 1 << kMaxBits> code;
  std::array<double, (1 << kMaxBits) - 1> midpoint;

  explicit SortedLevels(const BinaryCoding& bc);
  // Code of the level nearest to x (ties go to the lower level).
  unsigned nearest(double x) const;
};

// Greedy initialisation: offset = weighted mean, then each alpha (largest first) is the
// weighted mean |residual| with c = sign(residual). w may be null (all weights 1).
BinaryCoding bcq_greedy(const double* x, const double* w, int n, int bits);

// The uniform grid spanning [lo, hi] as a binary coding.
BinaryCoding bcq_uniform(double lo, double hi, int bits);

// Alternating refinement from bc: assign every point its nearest level, fit (offset, alpha)
// by least squares given the codes, repeat until the codes stop changing or max_rounds fits.
// bc ends normalized; returns Σ w (x − nearest level)². codes: scratch for n codes.
double bcq_refine(const double* x, const double* w, int n, int max_rounds, BinaryCoding& bc, uint8_t* codes);

// Σ w (x − nearest level)².
double bcq_error(const double* x, const double* w, int n, const BinaryCoding& bc);

}  // namespace gptqt::quant
