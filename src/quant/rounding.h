// Rounding for quantizers: round half to even (what torch.round and std::nearbyint do in
// the default mode), written without a libm call so the per-column loops vectorize on
// baseline x86-64 (no SSE4.1 roundps there).
#pragma once
#include <algorithm>

namespace gptqt::quant {

// Rounds x to the nearest integer, ties to even, after clamping it to ±2^22 (every float beyond
// that is an integer already, and quantizers clamp to a few bits right after).
inline float round_clamped(float x) {
  constexpr float kLimit = 4194304.f;  // 2^22
  constexpr float kMagic = 12582912.f;  // 1.5 · 2^23: adding it leaves no fraction bits
  x = std::clamp(x, -kLimit, kLimit);
  return (x + kMagic) - kMagic;
}

}  // namespace gptqt::quant
