#include "quant/sensitivity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/progress.h"
#include "model/rotation.h"
#include "quant/calibration_states.h"
#include "quant/cluster.h"
#include "quant/layer_quantizer.h"
#include "quant/parallel_stage.h"
#include "quant/work_dir.h"

namespace gptqt::quant {

using nlohmann::json;

namespace {

// Mean over tokens of ‖y' − y‖² / ‖y‖², accumulated window by window.
struct RelativeError {
  double sum = 0;
  long tokens = 0;
  void add(const std::vector<float>& quantized, const std::vector<float>& reference, int T, int hidden) {
    for (int t = 0; t < T; ++t) {
      double d = 0, y = 0;
      for (int i = 0; i < hidden; ++i) {
        const double r = reference[size_t(t) * hidden + i], e = quantized[size_t(t) * hidden + i] - r;
        d += e * e;
        y += r * r;
      }
      sum += y > 0 ? d / y : 0.0;
      ++tokens;
    }
  }
  double mean() const { return tokens ? sum / double(tokens) : 0.0; }
};

std::string record_name(int block) { return fmt::format("sensitivity_{:04}", block); }

// One block's layers at every width, against the block's full-precision outputs
// `reference` of the windows `inputs`.
std::vector<LayerCost> measure_block(Model& model, int b, const MethodOptions& method, StageHessians& hessians,
                                     const std::vector<LayerWidth>& widths, const std::vector<std::vector<float>>& inputs,
                                     const std::vector<int>& tokens, const std::vector<std::vector<float>>& reference) {
  const int hidden = model.cfg.hidden;
  std::vector<LayerCost> out;
  std::vector<float> x;
  for (int r = 0; r < kNumLinearRoles; ++r) {
    Linear& lin = model.w.blocks[size_t(b)].lin[r];
    if (!lin.op) continue;
    const DenseLinear* dense = lin.dense();
    GPTQT_CHECK(dense, "internal: block {} {} is not full precision", b, linear_role_name(LinearRole(r)));
    LayerCost cost{b, LinearRole(r), dense->rows(), dense->cols(), {}};
    const int in = hessians.input_of(LinearRole(r));
    const std::string name = fmt::format("block {} {}", b, linear_role_name(LinearRole(r)));
    std::unique_ptr<LinearOp> original = std::move(lin.op);  // `dense` stays valid: the object is not moved
    for (const LayerWidth& w : widths) {
      const MethodOptions m = with_width(method, w);
      LayerLogRow row;
      SolverInput solver{hessians.factor(in, solver_options(m)), hessians.samples(in)};
      const QuantizedLinear q = quantize_named_layer(name, *dense, &solver, *make_fitter(m), m, row);
      lin.op = std::make_unique<DenseLinear>(q.rows, q.cols, dequantize(q));
      RelativeError err;
      for (size_t s = 0; s < inputs.size(); ++s) {
        x = inputs[s];
        model.block(b, x.data(), tokens[s], 0);
        err.add(x, reference[s], tokens[s], hidden);
      }
      cost.error.push_back(err.mean());
    }
    lin.op = std::move(original);
    out.push_back(std::move(cost));
  }
  return out;
}

}  // namespace

json layer_costs_to_json(const std::vector<LayerCost>& costs) {
  json j = json::array();
  for (const LayerCost& c : costs)
    j.push_back({{"block", c.block}, {"layer", linear_role_name(c.role)}, {"rows", c.rows}, {"cols", c.cols},
                 {"error", c.error}});
  return j;
}

std::vector<LayerCost> layer_costs_from_json(const json& j, const ModelConfig& cfg, int first_block, int end_block,
                                             size_t n_widths, const std::string& where) {
  std::vector<LayerCost> out;
  try {
    for (const json& l : j) {
      LayerCost c{l.at("block").get<int>(), linear_role_from_name(l.at("layer").get<std::string>()),
                  l.at("rows").get<int>(), l.at("cols").get<int>(), l.at("error").get<std::vector<double>>()};
      out.push_back(std::move(c));
    }
  } catch (const json::exception& e) {
    fail("{}: unreadable layer errors ({})", where, e.what());
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
  // Each layer of the blocks once, at this model's shape, with one usable error per width.
  std::set<std::pair<int, LinearRole>> seen;
  for (const LayerCost& c : out) {
    const std::string layer = fmt::format("block {} {}", c.block, linear_role_name(c.role));
    GPTQT_CHECK(c.block >= first_block && c.block < end_block, "{}: \"block\" {} is outside blocks {}-{}", where,
                c.block, first_block, end_block - 1);
    GPTQT_CHECK(c.role != LinearRole::gate || cfg.gated(), "{}: {}: this model has no gate layer", where, layer);
    const LinearShape shape = linear_shape(cfg, c.role);
    GPTQT_CHECK(c.rows == shape.rows && c.cols == shape.cols, "{}: {}: \"rows\"/\"cols\" {}x{}, the model's is {}x{}",
                where, layer, c.rows, c.cols, shape.rows, shape.cols);
    GPTQT_CHECK(c.error.size() == n_widths, "{}: {}: {} \"error\" values for {} widths", where, layer, c.error.size(),
                n_widths);
    for (double e : c.error)
      GPTQT_CHECK(std::isfinite(e) && e >= 0, "{}: {}: \"error\" {} is not a finite error", where, layer, e);
    GPTQT_CHECK(seen.insert({c.block, c.role}).second, "{}: {} is listed twice", where, layer);
  }
  const size_t per_block = size_t(kNumLinearRoles - (cfg.gated() ? 0 : 1));
  GPTQT_CHECK(seen.size() == per_block * size_t(end_block - first_block), "{}: {} layers, the blocks have {}", where,
              seen.size(), per_block * size_t(end_block - first_block));
  return out;
}

std::vector<LayerCost> measure_sensitivity(Model& model, const PipelineOptions& opt,
                                           const std::vector<LayerWidth>& widths, int windows, const WorkDir* work) {
  const ModelConfig& c = model.cfg;
  GPTQT_CHECK(uses_solver(opt.method), "the bit planner needs the GPTQ solver");
  GPTQT_CHECK(!opt.calibration.empty() && windows > 0, "the bit planner needs calibration windows");
  GPTQT_CHECK(!model.rotations.any(), "internal: the model is already rotated");
  static const Cluster one_process;
  CalibrationStates xs(opt.states, c.hidden);
  std::vector<float> x;
  if (model.stream) model.load_embeddings();
  for (const auto& s : opt.calibration) {
    x.resize(s.size() * size_t(c.hidden));
    model.embed(s.data(), int(s.size()), 0, x.data());
    xs.add(x, int(s.size()));
  }
  if (model.stream) model.drop_embeddings();
  const size_t compared = std::min(size_t(windows), xs.windows());

  std::vector<LayerCost> all;
  Progress progress("plan", c.n_layers, opt.progress);
  for (int b = 0; b < c.n_layers; ++b) {
    if (model.stream) model.load_block(b);
    BlockWeights& block = model.w.blocks[size_t(b)];
    std::array<std::unique_ptr<LinearOp>, kNumLinearRoles> unrotated;
    if (opt.method.rotate) {  // the Hessians and errors of the rotated layers, as the pipeline will quantize them
      for (int r = 0; r < kNumLinearRoles; ++r)
        if (const DenseLinear* d = block.lin[r].dense())
          unrotated[size_t(r)] = std::make_unique<DenseLinear>(d->rows(), d->cols(), d->weights());
      model.rotations.blocks.resize(size_t(c.n_layers));
      model.rotations.blocks[size_t(b)] = make_block_rotations(c, opt.rotation_seed, b);
      rotate_block_weights(block, model.rotations.blocks[size_t(b)]);
    }
    const bool resumed = work && work->has_record(record_name(b));
    std::vector<LayerCost> costs;
    if (resumed) {
      costs = layer_costs_from_json(work->load_record(record_name(b)), c, b, b + 1, widths.size(),
                                    fmt::format("{}/{}.json", work->path(), record_name(b)));
    } else {
      std::vector<LinearRole> roles;
      for (int r = 0; r < kNumLinearRoles; ++r)
        if (block.lin[r].op) roles.push_back(LinearRole(r));
      StageHessians hessians(roles, one_process);
      for (size_t s = 0; s < xs.windows(); ++s) {
        xs.get(s, x);
        hessians.new_pass();
        model.block(b, x.data(), xs.tokens(s), 0, nullptr, &hessians);
        hessians.exchange();
      }
      hessians.gather([](int) { return 0; });
      std::vector<std::vector<float>> inputs(compared), reference(compared);
      std::vector<int> tokens(compared);
      for (size_t s = 0; s < compared; ++s) {
        xs.get(s, inputs[s]);
        reference[s] = inputs[s];
        tokens[s] = xs.tokens(s);
        model.block(b, reference[s].data(), tokens[s], 0);
      }
      costs = measure_block(model, b, opt.method, hessians, widths, inputs, tokens, reference);
      if (work) work->save_record(record_name(b), layer_costs_to_json(costs));
    }
    for (size_t s = 0; s < xs.windows(); ++s) {  // the full-precision states for the next block
      xs.get(s, x);
      model.block(b, x.data(), xs.tokens(s), 0);
      xs.set(s, x, b);
    }
    all.insert(all.end(), costs.begin(), costs.end());
    if (opt.method.rotate) {
      for (int r = 0; r < kNumLinearRoles; ++r)
        if (unrotated[size_t(r)]) block.lin[r].op = std::move(unrotated[size_t(r)]);
      model.rotations.blocks[size_t(b)] = {};
    }
    if (model.stream) model.drop_block(b);
    progress.update(b + 1, resumed ? "(resumed)" : "");
  }
  model.rotations = {};
  progress.finish();
  return all;
}

}  // namespace gptqt::quant
