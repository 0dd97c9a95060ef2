#include "kernels/activation_outliers.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

}  // namespace

int extract_outliers(float* x, int cols, ActivationOutlier* out) {
  const float limit = kOutlierRatio * mean_abs(x, cols);
  thread_local std::vector<ActivationOutlier> found;
  found.clear();
  for (int c = 0; c < cols; ++c)
    if (std::fabs(x[c]) > limit) found.push_back({c, x[c]});
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
