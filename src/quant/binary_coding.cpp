#include "quant/binary_coding.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "quant/normal_equations.h"

namespace gptqt::quant {

void BinaryCoding::normalize() {
  for (int j = 0; j < bits; ++j) alpha[j] = std::fabs(alpha[j]);
  std::sort(alpha.begin(), alpha.begin() + bits);
}

SortedLevels::SortedLevels(const BinaryCoding& bc) : count(1 << bc.bits) {
  for (int c = 0; c < count; ++c) code[c] = uint8_t(c), value[c] = bc.level(c);
  // Insertion sort: at most 256 levels, usually 4-16.
  for (int i = 1; i < count; ++i)
    for (int k = i; k > 0 && value[k] < value[k - 1]; --k) std::swap(value[k], value[k - 1]), std::swap(code[k], code[k - 1]);
  for (int i = 0; i + 1 < count; ++i) midpoint[i] = 0.5 * (value[i] + value[i + 1]);
}

unsigned SortedLevels::nearest(double x) const {
  return code[std::lower_bound(midpoint.begin(), midpoint.begin() + (count - 1), x) - midpoint.begin()];
}

BinaryCoding bcq_greedy(const double* x, const double* w, int n, int bits) {
  BinaryCoding bc;
  bc.bits = bits;
  double wsum = 0, xsum = 0;
  for (int i = 0; i < n; ++i) wsum += w ? w[i] : 1, xsum += (w ? w[i] : 1) * x[i];
  if (wsum <= 0) return bc;
  bc.offset = xsum / wsum;
  // Residuals are recomputed from the coefficients found so far instead of being stored:
  // O(n·bits²) work, no scratch.
  for (int j = bits - 1; j >= 0; --j) {
    double abs_sum = 0;
    for (int i = 0; i < n; ++i) {
      double r = x[i] - bc.offset;
      for (int k = bits - 1; k > j; --k) r -= r >= 0 ? bc.alpha[k] : -bc.alpha[k];
      abs_sum += (w ? w[i] : 1) * std::fabs(r);
    }
    bc.alpha[j] = abs_sum / wsum;
  }
  return bc;
}

BinaryCoding bcq_uniform(double lo, double hi, int bits) {
  BinaryCoding bc;
  bc.bits = bits;
  bc.offset = 0.5 * (lo + hi);
  const double step = (hi - lo) / double((1 << bits) - 1);
  for (int j = 0; j < bits; ++j) bc.alpha[j] = std::ldexp(step, j - 1);
  return bc;
}

double bcq_error(const double* x, const double* w, int n, const BinaryCoding& bc) {
  const SortedLevels levels(bc);
  double err = 0;
  for (int i = 0; i < n; ++i) {
    const double d = x[i] - bc.level(levels.nearest(x[i]));
    err += (w ? w[i] : 1) * d * d;
  }
  return err;
}

namespace {

template <int K>
void refine_impl(const double* x, const double* w, int n, int max_rounds, BinaryCoding& bc, uint8_t* codes) {
  constexpr int L = 1 << K;
  {
    const SortedLevels levels(bc);
    for (int i = 0; i < n; ++i) codes[i] = uint8_t(levels.nearest(x[i]));
  }
  for (int round = 0; round < max_rounds; ++round) {
    // Sums per code first, so the normal equations cost O(n + 2^k (k+1)^2).
    double cn[L] = {}, cs[L] = {}, cq[L] = {};
    for (int i = 0; i < n; ++i) {
      const double wi = w ? w[i] : 1;
      cn[codes[i]] += wi, cs[codes[i]] += wi * x[i], cq[codes[i]] += wi * x[i] * x[i];
    }
    NormalEquations<K + 1> ne;
    for (int c = 0; c < L; ++c)
      if (cn[c] > 0) ne.add(c, cn[c], cs[c], cq[c]);
    double theta[K + 1];
    ne.solve(theta);
    bc.offset = theta[0];
    for (int j = 0; j < K; ++j) bc.alpha[j] = theta[1 + j];
    const SortedLevels levels(bc);
    bool changed = false;
    for (int i = 0; i < n; ++i) {
      const uint8_t c = uint8_t(levels.nearest(x[i]));
      changed |= c != codes[i];
      codes[i] = c;
    }
    if (!changed) break;
  }
}

}  // namespace

double bcq_refine(const double* x, const double* w, int n, int max_rounds, BinaryCoding& bc, uint8_t* codes) {
  switch (bc.bits) {
    case 1: refine_impl<1>(x, w, n, max_rounds, bc, codes); break;
    case 2: refine_impl<2>(x, w, n, max_rounds, bc, codes); break;
    case 3: refine_impl<3>(x, w, n, max_rounds, bc, codes); break;
    case 4: refine_impl<4>(x, w, n, max_rounds, bc, codes); break;
    case 5: refine_impl<5>(x, w, n, max_rounds, bc, codes); break;
    case 6: refine_impl<6>(x, w, n, max_rounds, bc, codes); break;
    case 7: refine_impl<7>(x, w, n, max_rounds, bc, codes); break;
    case 8: refine_impl<8>(x, w, n, max_rounds, bc, codes); break;
    default: fail("binary coding: bits must be 1..{}, got {}", kMaxBits, bc.bits);
  }
  bc.normalize();
  return bcq_error(x, w, n, bc);
}

}  // namespace gptqt::quant
