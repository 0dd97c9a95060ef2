#include "kernels/activation_outliers.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cpu_features.h"

namespace gptqt::kernels {

namespace {

float mean_abs(const float* x, int n) {
  float part[8] = {};
  int c = 0;
  for (; c + 8 <= n; c += 8)
    for (int i = 0; i < 8; ++i) part[i] += std::fabs(x[c + i]);
  for (; c < n; ++c) part[0] += std::fabs(x[c]);
  return (((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]))) / float(n);
}

bool any_above_scalar(const float* x, int n, float limit) {
  for (int c = 0; c < n; ++c)
    if (std::fabs(x[c]) > limit) return true;
  return false;
}

}  // namespace

int extract_outliers(float* x, int cols, ActivationOutlier* out) {
  const float limit = kOutlierRatio * mean_abs(x, cols);
  thread_local std::vector<ActivationOutlier> found;
  found.clear();
  // Most runs of 32 hold none: a branch-free test says so, and only the others are
  // scanned element by element.
  const auto any_above = active_isa() >= Isa::avx2 ? detail::any_above_avx2 : any_above_scalar;
  constexpr int kRun = 32;
  for (int c0 = 0; c0 < cols; c0 += kRun) {
    const int c1 = std::min(cols, c0 + kRun);
    if (any_above(x + c0, c1 - c0, limit))
      for (int c = c0; c < c1; ++c)
        if (std::fabs(x[c]) > limit) found.push_back({c, x[c]});
  }
  if (int(found.size()) > kMaxOutliers) {
    auto larger = [](const ActivationOutlier& a, const ActivationOutlier& b) { return std::fabs(a.value) > std::fabs(b.value); };
    std::nth_element(found.begin(), found.begin() + kMaxOutliers, found.end(), larger);
    found.resize(kMaxOutliers);
    std::sort(found.begin(), found.end(), [](const ActivationOutlier& a, const ActivationOutlier& b) { return a.col < b.col; });
  }
  for (const ActivationOutlier& o : found) x[o.col] = 0.f;
  std::copy(found.begin(), found.end(), out);
  return int(found.size());
}

}  // namespace gptqt::kernels
