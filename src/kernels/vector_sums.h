// Reductions over a float vector with 8 interleaved partials: no long dependency
// chain, and the compiler vectorizes them. One fixed order of operations, so every
// kernel that calls them gets the same bits on every ISA path.
#pragma once
#include <algorithm>
#include <cmath>

namespace gptqt::kernels {

// Σ x[0..n).
inline float sum8(const float* x, int n) {
  float part[8] = {};
  int c = 0;
  for (; c + 8 <= n; c += 8)
    for (int i = 0; i < 8; ++i) part[i] += x[c + i];
  for (; c < n; ++c) part[0] += x[c];
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

// Σ x[0..n)² in double (an RMS norm's mean square: a row of thousands of squares).
inline double sum_squares8(const float* x, int n) {
  double part[8] = {};
  int c = 0;
  for (; c + 8 <= n; c += 8)
    for (int i = 0; i < 8; ++i) part[i] += double(x[c + i]) * x[c + i];
  for (; c < n; ++c) part[0] += double(x[c]) * x[c];
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

// max |x[0..n)| (0 for n = 0).
inline float max_abs8(const float* x, int n) {
  float part[8] = {};
  int c = 0;
  for (; c + 8 <= n; c += 8)
    for (int i = 0; i < 8; ++i) part[i] = std::max(part[i], std::fabs(x[c + i]));
  for (; c < n; ++c) part[0] = std::max(part[0], std::fabs(x[c]));
  return std::max(std::max(std::max(part[0], part[1]), std::max(part[2], part[3])),
                  std::max(std::max(part[4], part[5]), std::max(part[6], part[7])));
}

}  // namespace gptqt::kernels
