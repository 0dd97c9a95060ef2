// The bit planner's measure (quant/bit_plan.h): how far each linear layer, quantized
// alone at each candidate width, moves the output of its block. The calibration goes
// through the full-precision model block by block (rotated as the pipeline will
// rotate it); per block the Hessians of its inputs are taken once, every layer is
// quantized by the method at every width, and the block is run on the first few
// windows with that one layer quantized. The error is the mean over those tokens of
// ‖y' − y‖² / ‖y‖² (y: the block's full-precision output): each token relative to
// its own residual stream, as the next normalisation sees it. Errors of different
// layers are taken to add, as the planner's knapsack assumes.
//
// With a work folder each block's errors are kept (record "sensitivity_<block>"),
// so an interrupted job measures only the blocks it had not finished.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/model.h"
#include "quant/bit_plan.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

class WorkDir;

// The errors of every linear layer of the blocks at each width, in block order. The
// model comes back as it came (unrotated, full precision; a streamed model's blocks
// dropped). `windows`: how many calibration windows the block outputs are compared on.
std::vector<LayerCost> measure_sensitivity(Model& model, const PipelineOptions& options,
                                           const std::vector<LayerWidth>& widths, int windows, const WorkDir* work);

// The figures as JSON (work-folder records, --plan-errors files) and back. Reading
// refuses (Error naming `where` and the field) anything but each linear layer of
// blocks [first_block, end_block) of `cfg` once, at its shape, with one finite,
// non-negative error per width.
nlohmann::json layer_costs_to_json(const std::vector<LayerCost>& costs);
std::vector<LayerCost> layer_costs_from_json(const nlohmann::json& j, const ModelConfig& cfg, int first_block,
                                             int end_block, size_t n_widths, const std::string& where);

}  // namespace gptqt::quant
