// The per-block fits that llama.cpp's grids share (quant/ggml_grid.h for the legacy
// types, quant/kquant_grid.h for the k-quants): one block of n weights, each weighed
// by its importance (H_cc from the solver, or null for plain squared error).
#pragma once
#include <utility>

#include "quant/linear_grid.h"

namespace gptqt::quant {

// How a fitted scale is stored: fp16 for a block's own d, or kept as a float where the
// k-quants go on to express it as an integer multiple of their super-block's d.
using ScaleRounding = float (*)(float);
inline float keep_float(float f) { return f; }

// The grid ŵ = s·(c − z) of a type whose codes 0..2^k − 1 sit around `half` (2^(k−1)) with
// signed scale d: d·(q − half) with d < 0 is the same set of levels as |d|·(c − (half − 1))
// with c = 2^k − 1 − q, so z carries d's sign. q8: Q8_0's -128..127 around 128.
LinearParams zero_point_grid(int half, bool q8, float d);

// Σ importance·(w − ŵ)² with ŵ from the linear grid p (codes 0..maxq).
double weighted_error(const float* w, const float* imp, int n, LinearParams p, int maxq);
// The same for ŵ = m + d·c, c = clamp(round((w − m)/d), 0, maxq); the codes go to `codes` if given.
double affine_error(const float* w, const float* imp, int n, float d, float m, int maxq, int* codes = nullptr);

// The zero-point grid above for one block: llama-quantize's choice (the extreme weight on
// the grid's longer side), and with `search` the best by weighted error of the weighted
// least-squares scales for the codes of nearby inverse scales.
LinearParams fit_zero_point(int half, bool q8, const float* w, int n, const float* imp, bool search,
                            ScaleRounding round);
// (d, m) of ŵ = m + d·c, c in 0..maxq: min-max, and with `search` the weighted least-squares
// refits of ranges trimmed at either end.
std::pair<float, float> fit_with_min(int maxq, const float* w, int n, const float* imp, bool search,
                                     ScaleRounding round);

}  // namespace gptqt::quant
