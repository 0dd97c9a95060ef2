// RTN (method.md §2): each group's grid is fitted on the original weights and every weight
// rounded to it, with no error compensation. Works with any fitter (linear, BCQ, GPTQT).
#pragma once
#include "quant/grid.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

// w: rows × cols, row-major. importance: optional per-column weights for the fitter (e.g.
// diag H for GPTQT's re-explore); null means plain squared error.
QuantizedLinear quantize_rtn(const float* w, int rows, int cols, const GridFitter& fitter, int group_size,
                             const float* importance = nullptr);

}  // namespace gptqt::quant
