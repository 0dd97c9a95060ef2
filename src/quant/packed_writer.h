// Writes a quantized model in the packed format (docs/format.md), atomically:
// everything goes to a temporary folder that is renamed into place at the end.
#pragma once
#include <optional>
#include <string>

#include "model/model.h"
#include "quant/bit_plan.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

struct PackedModelInfo {
  std::string source_model;    // the path it was quantized from
  std::string calibration;     // text name or path ("" without a solver)
  int nsamples = 0, seqlen = 0;
  uint64_t seed = 0;
  bool true_sequential = false;
  std::optional<BitPlan> plan;  // --bpw: the widths chosen per layer
};

class WorkDir;

// `model` supplies the unquantized tensors (embeddings, norms, head, biases; a
// streamed model's blocks and head are read again from its source); `result` the
// quantized linear layers, or `work` for blocks whose layers the result no longer
// holds. Returns the bits per weight of the quantized layers as stored (planes,
// fp16 alpha/offset, the rotations' seeds).
double write_packed_model(const Model& model, const PipelineResult& result, const MethodOptions& method,
                          const PackedModelInfo& info, const std::string& out_dir, const WorkDir* work = nullptr);

// quant_log.csv: one row per layer (block, layer, loss, damp, seconds, ...).
std::string quant_log_csv(const PipelineResult& result);

}  // namespace gptqt::quant
