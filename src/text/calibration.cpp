#include "text/calibration.h"

#include <random>

#include "core/error.h"

namespace gptqt {

std::vector<std::vector<int32_t>> sample_calibration(std::span<const int32_t> tokens, size_t n, size_t length,
                                                     uint64_t seed) {
  GPTQT_CHECK(length > 0, "calibration sample length must be positive");
  GPTQT_CHECK(tokens.size() >= length, "calibration text has {} tokens, fewer than one sample of {}",
              tokens.size(), length);
  std::mt19937_64 rng(seed);
  const uint64_t starts = tokens.size() - length + 1;
  std::vector<std::vector<int32_t>> samples;
  samples.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto window = tokens.subspan(rng() % starts, length);
    samples.emplace_back(window.begin(), window.end());
  }
  return samples;
}

}  // namespace gptqt
