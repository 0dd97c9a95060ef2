#include "text/windows.h"

#include "core/error.h"

namespace gptqt {

std::vector<std::span<const int32_t>> non_overlapping_windows(std::span<const int32_t> tokens, size_t length,
                                                              size_t max_windows) {
  GPTQT_CHECK(length > 0, "window length must be positive");
  size_t n = tokens.size() / length;
  if (max_windows > 0 && max_windows < n) n = max_windows;
  std::vector<std::span<const int32_t>> windows;
  windows.reserve(n);
  for (size_t i = 0; i < n; ++i) windows.push_back(tokens.subspan(i * length, length));
  return windows;
}

}  // namespace gptqt
