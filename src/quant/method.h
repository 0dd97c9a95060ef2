// The quantization methods of `gptqt quantize`, as one options record:
//   rtn   linear grid, no solver        gptq   linear grid + GPTQ solver
//   bcq   BCQ grid, no solver           gptqt  GPTQT grid + GPTQ solver
// Any grid can be run with or without the solver (--solver), for ablations.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "quant/gptq_solver.h"
#include "io/gguf.h"
#include "quant/grid.h"

namespace gptqt::quant {

struct MethodOptions {
  std::string method = "gptq";  // rtn | gptq | bcq | gptqt
  std::string solver = "auto";  // auto (by method) | gptq | none
  int bits = 4;
  int group_size = -1;
  // GPTQ solver
  bool act_order = false, static_groups = false;
  double damp = 0.01;
  bool refit_scales = false;  // refit α/offset (scale) to the layer loss after the sweep
  // Incoherence processing (model/rotation.h): each layer quantized in a randomly
  // Hadamard-rotated input space, the rotation applied to the activations at run time.
  bool rotate = false;
  // Asymmetric calibration (quant/asymmetric.h): match the full-precision model's layer
  // outputs from the quantized model's inputs.
  bool asymmetric = false;
  // linear grid
  bool symmetric = false, mse = false;
  // GPTQT grid
  int inter_bits = 0;  // 0: max(4, bits + 1)
  bool re_explore = true;
  std::string rounding = "one";    // one | two: one won every comparison measured (docs/results.md §7)
  std::string search = "auto";     // auto | fast | exhaustive | alternating
  std::string weighting = "hdiag"; // hdiag | plain
  float p_from = 0.70f, p_to = 1.10f, p_step = 0.02f;
  // The output head (tied or not): 0 keeps it as loaded; else it is quantized after
  // the last block by the same method at these bits and group size.
  int head_bits = 0;
  int head_group_size = 64;
  // "": the packed format. Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or Q2_K..Q6_K: llama.cpp's block
  // type, the levels chosen on its grid (quant/ggml_grid.h, quant/kquant_grid.h) and the
  // model written as a GGUF file.
  std::string format;
  // Where a k-quant's 256-weight super-blocks do not divide a layer's rows: "" refuses
  // (naming the layer), "auto" takes llama-quantize's fallback type, or a 32-block type.
  std::string format_fallback;
};

// The ggml type --format names (Error for anything else).
GgmlType format_type(const MethodOptions& m);
// The method of a layer whose rows hold `cols` weights: m itself, or m on its format's
// fallback where the format's blocks do not divide the rows. Error naming `layer` when
// neither fits.
MethodOptions method_for_layer(const MethodOptions& m, int cols, const std::string& layer);

// Throws Error on an unknown method or an impossible combination.
void validate(const MethodOptions& m);
std::unique_ptr<GridFitter> make_fitter(const MethodOptions& m);
bool uses_solver(const MethodOptions& m);
GptqOptions solver_options(const MethodOptions& m);
// The critical-point search "auto" resolves to: the exact fast search where it is
// cheap (k <= 3, m <= 4), the alternating refinement otherwise.
std::string resolved_search(const MethodOptions& m);
int resolved_inter_bits(const MethodOptions& m);
// The options the head is quantized with (head_bits and head_group_size as bits and group_size).
MethodOptions head_method(const MethodOptions& m);
// Every option that changes the result, as one line (logs, headers, resume fingerprints).
std::string describe(const MethodOptions& m);

}  // namespace gptqt::quant
