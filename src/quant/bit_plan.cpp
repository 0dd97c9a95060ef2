#include "quant/bit_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "model/packed_linear.h"

namespace gptqt::quant {

using nlohmann::json;

std::vector<LayerWidth> parse_widths(const std::string& text) {
  std::vector<LayerWidth> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    LayerWidth w;
    char colon = 0, rest = 0;
    std::stringstream one(item);
    GPTQT_CHECK((one >> w.bits >> colon >> w.group_size) && colon == ':' && !(one >> rest),
                "bad width '{}' (want bits:group_size, such as 3:128 or 3:-1)", item);
    GPTQT_CHECK(w.bits >= 1 && w.bits <= 4, "width '{}': bits must be 1 to 4", item);
    GPTQT_CHECK(w.group_size == -1 || (w.group_size > 0 && w.group_size % 32 == 0),
                "width '{}': the group size must be -1 (whole row) or a multiple of 32", item);
    GPTQT_CHECK(std::find(out.begin(), out.end(), w) == out.end(), "width '{}' is listed twice", item);
    out.push_back(w);
  }
  GPTQT_CHECK(!out.empty(), "no widths in '{}'", text);
  return out;
}

std::string widths_to_string(const std::vector<LayerWidth>& widths) {
  std::string s;
  for (const LayerWidth& w : widths) s += fmt::format("{}{}:{}", s.empty() ? "" : ",", w.bits, w.group_size);
  return s;
}

std::vector<LayerWidth> default_widths() {
  std::vector<LayerWidth> out;
  for (int b = 2; b <= 4; ++b)
    for (int g : {-1, 128}) out.push_back({b, g});
  return out;
}

MethodOptions with_width(MethodOptions m, LayerWidth w) {
  m.bits = w.bits;
  m.group_size = w.group_size;
  return m;
}

double layer_bits_per_weight(const MethodOptions& method, LayerWidth w, int rows, int cols) {
  // Act-order stores its permutation unless static groups keep the columns in place (packed_conversion).
  const bool permuted = method.act_order && !method.static_groups;
  return PackedLinear::bits_per_weight(rows, cols, w.bits, w.group_size, permuted);
}

LayerWidth BitPlan::width(int block, LinearRole role) const {
  const auto& c = choice.at(size_t(block))[size_t(role)];
  GPTQT_CHECK(c.has_value(), "internal: the plan has no width for block {} {}", block, linear_role_name(role));
  return widths.at(size_t(*c));
}

json BitPlan::to_json() const {
  json layers = json::array();
  for (size_t b = 0; b < choice.size(); ++b)
    for (int r = 0; r < kNumLinearRoles; ++r)
      if (choice[b][size_t(r)]) {
        const LayerWidth w = widths[size_t(*choice[b][size_t(r)])];
        layers.push_back({{"block", b}, {"layer", linear_role_name(LinearRole(r))}, {"bits", w.bits},
                          {"group_size", w.group_size}});
      }
  return {{"budget_bits_per_weight", budget_bpw}, {"planned_bits_per_weight", planned_bpw},
          {"planned_error", planned_error}, {"widths", widths_to_string(widths)}, {"layers", layers}};
}

BitPlan BitPlan::from_json(const json& j) {
  BitPlan p;
  try {
    p.budget_bpw = j.at("budget_bits_per_weight").get<double>();
    p.planned_bpw = j.at("planned_bits_per_weight").get<double>();
    p.planned_error = j.at("planned_error").get<double>();
    p.widths = parse_widths(j.at("widths").get<std::string>());
    for (const json& l : j.at("layers")) {
      const int b = l.at("block").get<int>();
      GPTQT_CHECK(b >= 0 && b < (1 << 16), "bad block {}", b);
      const LinearRole r = linear_role_from_name(l.at("layer").get<std::string>());
      const LayerWidth w{l.at("bits").get<int>(), l.at("group_size").get<int>()};
      const auto it = std::find(p.widths.begin(), p.widths.end(), w);
      GPTQT_CHECK(it != p.widths.end(), "block {} {}: width {}:{} is not a candidate", b, linear_role_name(r), w.bits,
                  w.group_size);
      if (p.choice.size() <= size_t(b)) p.choice.resize(size_t(b) + 1);
      p.choice[size_t(b)][size_t(r)] = int(it - p.widths.begin());
    }
  } catch (const json::exception& e) {
    fail("bad bit plan: {}", e.what());
  } catch (const Error& e) {
    fail("bad bit plan: {}", e.what());
  }
  return p;
}

void BitPlan::check_fits(const ModelConfig& cfg) const {
  GPTQT_CHECK(choice.size() == size_t(cfg.n_layers), "the plan has {} blocks, the model {}", choice.size(),
              cfg.n_layers);
  for (size_t b = 0; b < choice.size(); ++b)
    for (int r = 0; r < kNumLinearRoles; ++r) {
      const std::string layer = fmt::format("block {} {}", b, linear_role_name(LinearRole(r)));
      if (LinearRole(r) != LinearRole::gate || cfg.gated())
        GPTQT_CHECK(choice[b][size_t(r)].has_value(), "the plan has no width for {}", layer);
      else
        GPTQT_CHECK(!choice[b][size_t(r)].has_value(), "the plan gives a width to {}, which this model lacks", layer);
    }
}

std::string BitPlan::describe() const {
  std::string s = fmt::format("bit plan: {:.3f} bits per weight (budget {:.3f}), error {:.4g}\n", planned_bpw,
                              budget_bpw, planned_error);
  for (size_t b = 0; b < choice.size(); ++b) {
    s += fmt::format("  block {:>3}:", b);
    for (int r = 0; r < kNumLinearRoles; ++r)
      if (choice[b][size_t(r)]) {
        const LayerWidth w = widths[size_t(*choice[b][size_t(r)])];
        s += fmt::format(" {} {}/{}", linear_role_name(LinearRole(r)), w.bits, w.group_size);
      }
    s += "\n";
  }
  return s;
}

BitPlan choose_plan(const std::vector<LayerCost>& layers, const std::vector<LayerWidth>& widths,
                    const MethodOptions& method, double budget_bpw, double fixed_bits, int n_blocks) {
  GPTQT_CHECK(!layers.empty() && !widths.empty(), "internal: nothing to plan");
  double weights = 0, narrowest = fixed_bits;
  std::vector<std::vector<double>> bits(layers.size());  // per layer and width, stored bits
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerCost& lc = layers[l];
    GPTQT_CHECK(lc.error.size() == widths.size(), "internal: {} errors for {} widths", lc.error.size(), widths.size());
    const double n = double(lc.rows) * lc.cols;
    weights += n;
    for (const LayerWidth& w : widths) bits[l].push_back(layer_bits_per_weight(method, w, lc.rows, lc.cols) * n);
    narrowest += *std::min_element(bits[l].begin(), bits[l].end());
  }
  const double budget = budget_bpw * weights - fixed_bits;
  GPTQT_CHECK(narrowest <= budget_bpw * weights,
              "a budget of {:.3f} bits per weight is below the narrowest candidate widths ({:.3f}); widen the "
              "candidates (--plan-widths) or raise --bpw",
              budget_bpw, narrowest / weights);

  // Multiple-choice knapsack by dynamic programming over the budget in whole units,
  // each layer's bits rounded up (so no rounding can take the plan over budget).
  constexpr int kUnits = 50000;
  const double unit = budget / kUnits;
  auto units = [&](size_t l, size_t c) { return std::ceil(bits[l][c] / unit); };
  constexpr double kNone = std::numeric_limits<double>::infinity();
  GPTQT_CHECK(widths.size() < 256, "too many candidate widths");
  std::vector<double> best(kUnits + 1, 0.0), next(kUnits + 1);  // least error within k units
  std::vector<std::vector<uint8_t>> pick(layers.size(), std::vector<uint8_t>(kUnits + 1));
  for (size_t l = 0; l < layers.size(); ++l) {
    std::fill(next.begin(), next.end(), kNone);
    for (size_t c = 0; c < widths.size(); ++c) {
      if (units(l, c) > kUnits) continue;
      const int u = int(units(l, c));
      const double e = layers[l].error[c];
      for (int k = u; k <= kUnits; ++k)
        if (best[size_t(k - u)] + e < next[size_t(k)]) {
          next[size_t(k)] = best[size_t(k - u)] + e;
          pick[l][size_t(k)] = uint8_t(c);
        }
    }
    std::swap(best, next);
  }
  GPTQT_CHECK(best[kUnits] < kNone,
              "a budget of {:.3f} bits per weight is too close to the narrowest candidate widths ({:.3f}) to plan; "
              "raise --bpw a little",
              budget_bpw, narrowest / weights);

  BitPlan plan;
  plan.budget_bpw = budget_bpw;
  plan.widths = widths;
  plan.choice.resize(size_t(n_blocks));
  plan.planned_error = best[kUnits];
  double used = fixed_bits;
  int k = kUnits;
  for (size_t l = layers.size(); l-- > 0;) {
    const int c = pick[l][size_t(k)];
    const LayerCost& lc = layers[l];
    GPTQT_CHECK(lc.block >= 0 && lc.block < n_blocks, "internal: block {} of {}", lc.block, n_blocks);
    plan.choice[size_t(lc.block)][size_t(lc.role)] = c;
    used += bits[l][size_t(c)];
    k -= int(units(l, size_t(c)));
  }
  plan.planned_bpw = used / weights;
  return plan;
}

}  // namespace gptqt::quant
