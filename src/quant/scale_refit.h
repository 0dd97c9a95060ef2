// Refitting a quantized layer's scales to the layer's output (docs/quant.md). The solver
// chooses the codes column by column, each group's α and offset fitted to weights that
// later columns then change; with the codes fixed, the parameters that minimise the
// layer objective tr((W − Ŵ) H (W − Ŵ)ᵀ) follow in closed form, one least-squares
// problem per row in the parameters of all its groups at once (H couples the groups).
//   binary codings (BCQ, GPTQT): every α_j and the offset of each group;
//   linear grids (RTN, GPTQ): the scale, with the integer zero fixed, so the levels stay
//   on an integer grid (what the GPTQ checkpoint format holds).
// No parameter is added: the stored form and the bits per weight are unchanged.
#pragma once
#include "quant/quantized_linear.h"

namespace gptqt::quant {

struct RefitReport {
  double loss_before = 0, loss_after = 0;  // Σ over rows of (w − ŵ) H (w − ŵ)ᵀ
};

// w: rows × cols, row-major, original column order (the weights the codes were chosen
// for); h: cols × cols, symmetric positive semi-definite, original column order. A row
// whose refit would not lower its loss (rounding) keeps its parameters, so the loss never
// rises. Directions the codes leave undetermined (a bit plane constant over a group)
// keep their old value.
RefitReport refit_scales(QuantizedLinear& q, const float* w, const float* h);

}  // namespace gptqt::quant
