// The median of a sample (the mean of the middle two for an even count): speed
// figures on the shared hosts here are medians of repetitions.
#pragma once
#include <algorithm>
#include <vector>

#include "core/error.h"

namespace gptqt {

inline double median(std::vector<double> v) {
  GPTQT_CHECK(!v.empty(), "internal: the median of nothing");
  std::sort(v.begin(), v.end());
  const size_t m = v.size();
  return m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

}  // namespace gptqt
