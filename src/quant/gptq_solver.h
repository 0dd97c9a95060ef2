// The GPTQ solver (method.md §3): quantize W column by column, each time spreading the
// rounding error over the columns not yet quantized so that the layer output error
// tr((W − Ŵ) H (W − Ŵ)ᵀ) stays small. Any grid fitter (linear, BCQ, GPTQT) supplies the grids.
#pragma once
#include <vector>

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
  bool refit_scales = false;  // after the sweep, refit α/offset (scale) to the layer loss (scale_refit.h)
};

struct GptqReport {
  double loss = 0;         // Σ (w − q)² / U_ii² / 2 (proxy loss); NaN after an RTN fallback
  double damp = 0;         // λ actually used (the last one tried after a fallback)
  int damp_tries = 0;      // factorisations attempted
  bool fallback_rtn = false;  // no λ gave a usable factor: the layer was quantized by RTN
  int dead_inputs = 0;     // columns with H_ii = 0 (their weights are zeroed)
  // refit_scales: the layer loss tr((W − Ŵ)(H + λ·mean(diag H)·I)(W − Ŵ)ᵀ) before and after.
  double loss_before_refit = 0, loss_after_refit = 0;
  double seconds = 0;
};

struct GptqResult {
  QuantizedLinear weights;
  GptqReport report;
};

// What the solver needs of a Hessian alone: the processing order, the dead inputs
// and the factor U. Layers that read the same input (q, k, v; gate, up) share one,
// so the O(cols³) factorisation is done once for them.
struct GptqFactor {
  int cols = 0;
  std::vector<int> perm;        // processing order (act-order: by decreasing H_ii)
  std::vector<float> hdiag;     // H_ii by original column, 1 for dead inputs
  std::vector<int> dead;        // columns with H_ii = 0: their weights are zeroed
  std::vector<float> u;         // cols × cols, upper: (H + λ·mean(diag H)·I)⁻¹ = UᵀU in processing order; empty unless ok
  std::vector<float> h;         // refit_scales only: H + λ·mean(diag H)·I, original order, dead H_ii = 1
  bool ok = false;              // false: no λ gave a usable factor (layers fall back to RTN)
  double damp = 0;              // λ used (the last one tried when !ok)
  int damp_tries = 0;
  double seconds = 0;
  bool act_order = false;       // the options it was made with, checked when used
  double damp_option = 0;
  int max_damp_tries = 0;
  bool refit_scales = false;
};

// h: cols × cols, row-major, symmetric; factored in its own storage (pass it with
// std::move: a wide layer's Hessian is gigabytes). The fp64 overload copies to fp32.
// NaN/Inf in h or bad options throw gptqt::Error.
GptqFactor gptq_factor(std::vector<float> h, int cols, const GptqOptions& options);
GptqFactor gptq_factor(const double* h, int cols, const GptqOptions& options);

// w: rows × cols, row-major, quantized against a factor made with the same options.
GptqResult gptq_quantize(const float* w, int rows, const GptqFactor& factor, const GridFitter& fitter,
                         const GptqOptions& options);

// Both steps for one layer.
GptqResult gptq_quantize(const float* w, int rows, int cols, const double* h, const GridFitter& fitter,
                         const GptqOptions& options);
GptqResult gptq_quantize(const float* w, int rows, int cols, const float* h, const GridFitter& fitter,
                         const GptqOptions& options);

}  // namespace gptqt::quant
