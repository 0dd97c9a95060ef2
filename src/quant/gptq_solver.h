// The GPTQ solver (method.md §3): quantize W column by column, each time spreading the
// rounding error over the columns not yet quantized so that the layer output error
// tr((W − Ŵ) H (W − Ŵ)ᵀ) stays small. Any grid fitter (linear, BCQ, GPTQT) supplies the grids.
#pragma once
#include "quant/grid.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

struct GptqOptions {
  int group_size = -1;      // columns per group, -1 = whole row
  int block_size = 128;     // columns per lazy-batch block
  bool act_order = false;   // process columns by decreasing H_ii
  bool static_groups = false;  // fit every group on the original W before the loop
  double damp = 0.01;       // λ: H += λ·mean(diag H)·I
  int max_damp_tries = 5;   // λ, 10λ, 100λ, …; then fall back to RTN
};

struct GptqReport {
  double loss = 0;         // Σ (w − q)² / U_ii² / 2 (proxy loss); NaN after an RTN fallback
  double damp = 0;         // λ actually used (the last one tried after a fallback)
  int damp_tries = 0;      // factorisations attempted
  bool fallback_rtn = false;  // no λ gave a usable factor: the layer was quantized by RTN
  int dead_inputs = 0;     // columns with H_ii = 0 (their weights are zeroed)
  double seconds = 0;
};

struct GptqResult {
  QuantizedLinear weights;
  GptqReport report;
};

// w: rows × cols, row-major; h: cols × cols, row-major, symmetric (fp64 or fp32).
// NaN/Inf in w or h, or bad options, throw gptqt::Error.
GptqResult gptq_quantize(const float* w, int rows, int cols, const double* h, const GridFitter& fitter,
                         const GptqOptions& options);
GptqResult gptq_quantize(const float* w, int rows, int cols, const float* h, const GridFitter& fitter,
                         const GptqOptions& options);

}  // namespace gptqt::quant
