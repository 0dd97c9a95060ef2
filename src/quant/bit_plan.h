// Bits where they matter (`gptqt quantize --bpw B`): every linear layer of the blocks
// gets its own width (bits and group size) from a list of candidates, chosen to
// make the least summed error (quant/sensitivity.h measures it per layer and
// candidate) within a budget of stored bits per weight. The budget counts what
// `inspect` counts: sign planes, fp16 α and offsets, permutations, and the
// rotation seeds and a quantized head, which the plan does not choose but pays for.
#pragma once
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/weights.h"
#include "quant/method.h"

namespace gptqt::quant {

struct LayerWidth {
  int bits = 0, group_size = -1;
  bool operator==(const LayerWidth&) const = default;
};

// "3:-1,3:128,4:128" (bits:group size) -> widths; Error on anything else.
std::vector<LayerWidth> parse_widths(const std::string& text);
std::string widths_to_string(const std::vector<LayerWidth>& widths);
// The candidates `--bpw B` tries by default, whatever B (so that one measurement,
// --plan-errors, serves every budget): 2, 3 and 4 bits, per row and in groups of 128.
std::vector<LayerWidth> default_widths();

// The method with a layer's width in place of its bits and group size.
MethodOptions with_width(MethodOptions m, LayerWidth w);

// One layer as the planner sees it: its shape and, per candidate, the error of
// quantizing it at that width (any additive measure; smaller is better).
struct LayerCost {
  int block = 0;
  LinearRole role = LinearRole::q;
  int rows = 0, cols = 0;
  std::vector<double> error;
};

struct BitPlan {
  double budget_bpw = 0;
  std::vector<LayerWidth> widths;  // the candidates
  // Per block and role, the index of the chosen width (absent: the model has no such layer).
  std::vector<std::array<std::optional<int>, kNumLinearRoles>> choice;
  double planned_bpw = 0, planned_error = 0;

  LayerWidth width(int block, LinearRole role) const;
  nlohmann::json to_json() const;
  static BitPlan from_json(const nlohmann::json& j);
  // Error unless the plan gives every linear layer of `cfg`'s blocks one width, and no other layer one.
  void check_fits(const ModelConfig& cfg) const;
  // One line per block ("block 3: q 3/-1 k 4/128 ..."), for the log.
  std::string describe() const;
};

// The stored bits per weight of a layer at a width under `method` (act-order's permutation included).
double layer_bits_per_weight(const MethodOptions& method, LayerWidth w, int rows, int cols);

// The choice of one candidate per layer with the least summed error whose bits,
// plus `fixed_bits` (seeds, head), stay within budget_bpw × (the layers' weights).
// Exact up to the rounding of each layer's bits up to 1/50,000 of the budget, so the
// plan never exceeds it. Error when even the narrowest widths exceed the budget.
BitPlan choose_plan(const std::vector<LayerCost>& layers, const std::vector<LayerWidth>& widths,
                    const MethodOptions& method, double budget_bpw, double fixed_bits, int n_blocks);

}  // namespace gptqt::quant
