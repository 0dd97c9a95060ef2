#include "quant/layer_quantizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/half.h"
#include "quant/asymmetric.h"
#include "quant/rtn.h"

namespace gptqt::quant {

namespace {

// The packed format stores alpha, offset, scale and zero in fp16. Rounding them
// before the layer is installed makes the propagated calibration, the work
// folder and the written file hold the same levels. (The solver's own error
// feedback used the fp32 levels; they differ by < 2^-11 relative.)
void round_to_fp16(QuantizedLinear& q) {
  for (auto* v : {&q.alpha, &q.offset, &q.scale, &q.zero})
    for (float& x : *v) x = round_to_f16(x);
}

// One layer by the method: GPTQ against its Hessian with the solver, else RTN.
QuantizedLinear quantize_layer(const DenseLinear& dense, const SolverInput* solver, const GridFitter& fitter,
                               const MethodOptions& m, LayerLogRow& row) {
  QuantizedLinear q;
  if (solver) {
    GPTQT_CHECK(solver->factor.cols == dense.cols(), "internal: a Hessian of {} inputs for a layer of {}",
                solver->factor.cols, dense.cols());
    std::vector<float> target;  // --asymmetric: the weights whose outputs on X̃ best match W's on X
    if (solver->drift) target = asymmetric_target(dense.weights().data(), dense.rows(), *solver->drift, solver->factor);
    const float* w = solver->drift ? target.data() : dense.weights().data();
    GptqResult g = gptq_quantize(w, dense.rows(), solver->factor, fitter, solver_options(m));
    q = std::move(g.weights);
    row.loss = g.report.loss;
    row.damp = g.report.damp;
    row.fallback_rtn = g.report.fallback_rtn;
    row.dead_inputs = g.report.dead_inputs;
    row.samples = solver->samples;
  } else {
    q = quantize_rtn(dense.weights().data(), dense.rows(), dense.cols(), fitter, m.group_size);
  }
  // --format's grids are fp16 already in ggml's terms (d, m); their binary-coding offset
  // (m + d·(2^k − 1)/2) is not, and rounding it would move every level off llama.cpp's.
  if (m.format.empty()) round_to_fp16(q);
  return q;
}

}  // namespace

QuantizedLinear quantize_named_layer(const std::string& name, const DenseLinear& dense, const SolverInput* solver,
                                     const GridFitter& fitter, const MethodOptions& m, LayerLogRow& row) {
  QuantizedLinear q;
  try {
    q = quantize_layer(dense, solver, fitter, m, row);
  } catch (const Error& e) {
    fail("{}: {}", name, e.what());
  }
  for (const auto* v : {&q.alpha, &q.offset, &q.scale, &q.zero})
    for (float x : *v)
      if (!std::isfinite(x)) {
        float largest = 0;
        for (float w : dense.weights()) largest = std::max(largest, std::abs(w));
        fail("{}: the quantized levels are not finite in fp16 (largest |weight| {:.4g}, fp16 holds up to 65504)",
             name, largest);
      }
  return q;
}


}  // namespace gptqt::quant
