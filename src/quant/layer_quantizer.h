// One linear layer quantized by the method (GPTQ against its Hessian with the
// solver, else RTN), its levels rounded to the fp16 the packed format stores:
// what the pipeline does per layer, and the bit planner per candidate width.
#pragma once
#include <string>
#include <vector>

#include "model/linear.h"
#include "quant/gptq_solver.h"
#include "quant/grid.h"
#include "quant/method.h"
#include "quant/pipeline.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

// The solver's view of a layer's Hessian: its factor and how many tokens made it, and
// with --asymmetric the drift term of its input (asymmetric.h).
struct SolverInput {
  const GptqFactor& factor;
  int64_t samples;
  const std::vector<float>* drift = nullptr;
};

// The layer by the method (solver == nullptr: RTN), every failure naming the layer, and
// levels that the packed format's fp16 cannot hold (weights beyond ±65504) refused
// rather than written as infinities. Fills the row's loss, damping and sample count.
QuantizedLinear quantize_named_layer(const std::string& name, const DenseLinear& dense, const SolverInput* solver,
                                     const GridFitter& fitter, const MethodOptions& m, LayerLogRow& row);

}  // namespace gptqt::quant
