// The bit planner (quant/bit_plan.h): its costs are the packed format's, its plan
// is the exhaustive optimum on small problems and never over budget, and the plan
// survives the header.
#include "quant/bit_plan.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "model/packed_linear.h"
#include "quant/packed_conversion.h"
#include "quant/rtn.h"

using namespace gptqt;
using namespace gptqt::quant;

TEST(BitPlan, ParsesWidths) {
  const auto w = parse_widths("2:-1,3:128,4:64");
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1], (LayerWidth{3, 128}));
  EXPECT_EQ(widths_to_string(w), "2:-1,3:128,4:64");
  for (const char* bad : {"", "3", "3:", "3:100", "5:128", "0:-1", "3:128,3:128", "3:128x", "a:b"})
    EXPECT_THROW(parse_widths(bad), Error) << bad;
}

TEST(BitPlan, DefaultWidthsSurroundTheBudget) {
  for (double b : {2.25, 3.25, 4.25}) {
    const auto w = default_widths();
    int below = 0, above = 0;  // SmolLM2's 576 x 576 layers
    for (const LayerWidth& x : w) (layer_bits_per_weight(MethodOptions{}, x, 576, 576) <= b ? below : above)++;
    EXPECT_GT(below, 0) << b;
    EXPECT_GT(above, 0) << b;
  }
}

// The planner's cost of a width is what the written layer costs.
TEST(BitPlan, LayerCostIsThePackedLayers) {
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.f, 1.f);
  for (const auto& [rows, cols] : {std::pair{24, 576}, {16, 96}, {8, 1536}}) {
    std::vector<float> w(size_t(rows) * cols);
    for (float& x : w) x = n(rng);
    for (const LayerWidth lw : {LayerWidth{2, -1}, {3, 128}, {4, 64}, {3, 256}}) {
      MethodOptions m = with_width(MethodOptions{}, lw);
      m.method = "rtn";
      const QuantizedLinear q = quantize_rtn(w.data(), rows, cols, *make_fitter(m), lw.group_size);
      EXPECT_NEAR(layer_bits_per_weight(m, lw, rows, cols), to_packed(q).bits_per_weight(), 1e-12)
          << rows << "x" << cols << " " << lw.bits << ":" << lw.group_size;
    }
  }
  MethodOptions act;
  act.act_order = true;  // the permutation is stored: 32 bits per column
  EXPECT_NEAR(layer_bits_per_weight(act, {3, -1}, 10, 64) - layer_bits_per_weight(MethodOptions{}, {3, -1}, 10, 64),
              32.0 / 10, 1e-12);
}

namespace {

struct Problem {
  std::vector<LayerCost> layers;
  std::vector<LayerWidth> widths = {{2, -1}, {3, 128}, {4, -1}};
  MethodOptions method;
};

Problem random_problem(std::mt19937& rng, int n_layers) {
  Problem p;
  std::uniform_int_distribution<int> dim(1, 8);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int l = 0; l < n_layers; ++l) {
    LayerCost c{l / 3, LinearRole(l % 3), 32 * dim(rng), 128 * dim(rng), {}};
    double e = 1.0 + 10 * u(rng);  // error falls as the width grows, by a random amount
    for (size_t i = 0; i < p.widths.size(); ++i) {
      c.error.push_back(e);
      e *= 0.1 + 0.5 * u(rng);
    }
    p.layers.push_back(c);
  }
  return p;
}

// The exhaustive optimum: least error within `budget` bits per weight (seeds `fixed`).
double best_error(const Problem& p, double budget, double fixed) {
  double weights = 0;
  for (const auto& l : p.layers) weights += double(l.rows) * l.cols;
  const size_t k = p.widths.size();
  size_t combos = 1;
  for (size_t i = 0; i < p.layers.size(); ++i) combos *= k;
  double best = INFINITY;
  for (size_t c = 0; c < combos; ++c) {
    double bits = fixed, err = 0;
    size_t code = c;
    for (const auto& l : p.layers) {
      const size_t w = code % k;
      code /= k;
      bits += layer_bits_per_weight(p.method, p.widths[w], l.rows, l.cols) * l.rows * l.cols;
      err += l.error[w];
    }
    if (bits <= budget * weights) best = std::min(best, err);
  }
  return best;
}

}  // namespace

TEST(BitPlan, PlanIsTheExhaustiveOptimumWithinBudget) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    const Problem p = random_problem(rng, 7);  // 3^7 plans
    const double budget = std::uniform_real_distribution<double>(2.2, 4.1)(rng), fixed = 64.0 * 3;
    const BitPlan plan = choose_plan(p.layers, p.widths, p.method, budget, fixed, 3);
    EXPECT_LE(plan.planned_bpw, budget) << trial;
    // The planned figures are those of the layers it chose.
    double weights = 0, bits = fixed, err = 0;
    for (const auto& l : p.layers) {
      const LayerWidth w = plan.width(l.block, l.role);
      const size_t i = size_t(std::find(p.widths.begin(), p.widths.end(), w) - p.widths.begin());
      weights += double(l.rows) * l.cols;
      bits += layer_bits_per_weight(p.method, w, l.rows, l.cols) * l.rows * l.cols;
      err += l.error[i];
    }
    EXPECT_NEAR(plan.planned_bpw, bits / weights, 1e-9);
    EXPECT_NEAR(plan.planned_error, err, 1e-9);
    // No plan within the budget does better; and the rounding of costs to units of
    // 1/50,000 of the budget gives away at most the plans within 7 units of it.
    EXPECT_GE(err, best_error(p, budget, fixed) - 1e-9) << trial;
    EXPECT_LE(err, best_error(p, budget * (1 - 7.0 / 50000), fixed) + 1e-9) << trial;
  }
}

TEST(BitPlan, BudgetBelowTheNarrowestWidthsIsRefused) {
  std::mt19937 rng(1);
  const Problem p = random_problem(rng, 4);
  try {
    choose_plan(p.layers, p.widths, p.method, 2.0, 0, 2);  // 2-bit per row costs a little above 2
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("below the narrowest"), std::string::npos) << e.what();
  }
  // A generous budget buys the widest (least error) width everywhere.
  const BitPlan wide = choose_plan(p.layers, p.widths, p.method, 8.0, 0, 2);
  for (const auto& l : p.layers) EXPECT_EQ(wide.width(l.block, l.role), (LayerWidth{4, -1}));
}

TEST(BitPlan, JsonRoundTrip) {
  std::mt19937 rng(2);
  const Problem p = random_problem(rng, 6);
  const BitPlan plan = choose_plan(p.layers, p.widths, p.method, 3.1, 0, 2);
  const BitPlan back = BitPlan::from_json(plan.to_json());
  EXPECT_EQ(back.widths, plan.widths);
  EXPECT_EQ(back.choice, plan.choice);
  EXPECT_DOUBLE_EQ(back.budget_bpw, plan.budget_bpw);
  nlohmann::json bad = plan.to_json();
  bad["layers"][0]["bits"] = 1;  // not a candidate
  EXPECT_THROW(BitPlan::from_json(bad), Error);
  bad = plan.to_json();
  bad["layers"][0]["layer"] = "gate_up";
  EXPECT_THROW(BitPlan::from_json(bad), Error);
  bad = plan.to_json();
  bad.erase("widths");
  EXPECT_THROW(BitPlan::from_json(bad), Error);
}
