// Evaluation windows over a token stream.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace gptqt {

// The GPTQ evaluation's windows: tokens.size() / length consecutive,
// non-overlapping windows of `length` tokens from the start; the incomplete
// tail is not evaluated. max_windows > 0 keeps only the first max_windows.
// The spans view `tokens`. Throws Error if length is 0.
std::vector<std::span<const int32_t>> non_overlapping_windows(std::span<const int32_t> tokens, size_t length,
                                                              size_t max_windows = 0);

}  // namespace gptqt
