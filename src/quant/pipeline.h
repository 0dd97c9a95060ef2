// The sequential quantization pipeline (method.md §3): calibration windows pass
// through the model block by block; per block the inputs of every linear layer
// are accumulated into Hessians, the layers are quantized, and the calibration
// is pushed through the *quantized* block to feed the next one. Only one
// block's activations and Hessians are alive at a time.
#pragma once
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/model.h"
#include "quant/bit_plan.h"
#include "quant/calibration_states.h"
#include "quant/method.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

class Cluster;

struct PipelineOptions {
  MethodOptions method;
  std::optional<BitPlan> plan;  // --bpw: each block layer's bits and group size (the method's otherwise)
  bool true_sequential = false;                   // Llama: [q,k,v] -> [o] -> [gate,up] -> [down]
  std::vector<std::vector<int32_t>> calibration;  // token windows; needed when the method uses the solver
  uint64_t rotation_seed = 0;                     // method.rotate: the seed the rotations are drawn from
  StateStorage states = StateStorage::fp32;       // how the hidden states between blocks are kept
  std::string work_dir;                           // where finished blocks are kept for resume ("" = none)
  std::string fingerprint;                        // identifies the job; resume requires the same
  int max_blocks = 0;  // > 0: stop after quantizing this many blocks in this run (the work folder keeps them)
  bool progress = true;
  // The processes of a data-parallel run (quant/cluster.h); nullptr: this one alone.
  const Cluster* cluster = nullptr;
};

struct LayerLogRow {
  int block = 0;
  std::string layer;
  double loss = 0, damp = 0, seconds = 0;
  bool fallback_rtn = false;
  int dead_inputs = 0;
  long samples = 0;  // calibration tokens behind the Hessian
};

struct QuantizedBlock {
  std::array<std::optional<QuantizedLinear>, kNumLinearRoles> lin;
};

struct PipelineResult {
  std::vector<QuantizedBlock> blocks;
  std::optional<QuantizedLinear> head;  // when method.head_bits > 0
  std::vector<LayerLogRow> log;
  int resumed_blocks = 0;
  bool complete = false;  // false when max_blocks stopped the run early
  double forward_seconds = 0, hessian_seconds = 0, solver_seconds = 0, total_seconds = 0;
  double exchange_seconds = 0;  // a data-parallel run's communication (activations, panels, layers)
};

// Quantizes every linear layer of every block of `model` in place: afterwards
// each holds its dequantized quantized weights (so `model` evaluates as the
// quantized model would). With method.rotate, model.rotations holds the rotations
// and the layers are stored rotated. With method.head_bits > 0 the head follows, its
// Hessian taken from the calibration's final hidden states; its log row has
// block = n_layers. `on_block_done` runs after each block (progress, logs).
// A streamed model (Model::stream) with a work folder holds one block at a time:
// each is loaded when its turn comes and dropped after, and `blocks` of the result
// stays empty (write_packed_model reads the layers from the work folder).
PipelineResult quantize_model(Model& model, const PipelineOptions& options,
                              const std::function<void(const PipelineResult&, int block)>& on_block_done = {});

}  // namespace gptqt::quant
