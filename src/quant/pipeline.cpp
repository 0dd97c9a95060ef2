#include "quant/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/half.h"
#include "core/progress.h"
#include "quant/calibration_states.h"
#include "quant/hessian.h"
#include "quant/rtn.h"
#include "quant/work_dir.h"

namespace gptqt::quant {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<std::vector<LinearRole>> stages(const Model& m, bool true_sequential) {
  std::vector<LinearRole> present;
  for (int r = 0; r < kNumLinearRoles; ++r)
    if (m.w.blocks[0].lin[r].op) present.push_back(LinearRole(r));
  if (!true_sequential) return {present};
  std::vector<std::vector<LinearRole>> out = {{LinearRole::q, LinearRole::k, LinearRole::v}, {LinearRole::o}};
  if (m.w.blocks[0][LinearRole::gate].op)
    out.push_back({LinearRole::gate, LinearRole::up});
  else
    out.push_back({LinearRole::up});
  out.push_back({LinearRole::down});
  return out;
}

// Accumulates one Hessian per distinct input of the roles being quantized.
class HessianObserver : public LinearInputObserver {
 public:
  explicit HessianObserver(const std::vector<LinearRole>& wanted) : wanted_(wanted) {}
  void observe(int, std::initializer_list<LinearRole> roles, const float* x, int T, int cols) override {
    for (LinearRole r : roles) {
      if (std::find(wanted_.begin(), wanted_.end(), r) == wanted_.end()) continue;
      auto t0 = Clock::now();
      auto it = acc_.find(*roles.begin());
      if (it == acc_.end()) it = acc_.emplace(*roles.begin(), HessianAccumulator(cols)).first;
      it->second.add(x, T);
      for (LinearRole s : roles) {
        owner_[s] = *roles.begin();
        seen_ += std::count(wanted_.begin(), wanted_.end(), s);
      }
      seconds += since(t0);
      return;  // one accumulator serves every role that shares this input
    }
  }
  // Every wanted role's input seen in this pass: the rest of the block is not needed.
  bool done() const override { return seen_ == wanted_.size(); }
  void new_pass() { seen_ = 0; }
  const HessianAccumulator& of(LinearRole r) const { return acc_.at(owner(r)); }
  // The solver's factor of r's Hessian, made once for all the roles that share it, in
  // the Hessian's own storage.
  const GptqFactor& factor(LinearRole r, const GptqOptions& o) {
    auto it = factors_.find(owner(r));
    if (it == factors_.end()) {
      HessianAccumulator& acc = acc_.at(owner(r));
      it = factors_.emplace(owner(r), gptq_factor(acc.take_hessian(), acc.cols(), o)).first;
    }
    return it->second;
  }
  double seconds = 0;

 private:
  LinearRole owner(LinearRole r) const {
    auto o = owner_.find(r);
    GPTQT_CHECK(o != owner_.end(), "internal: no Hessian was collected for {}", linear_role_name(r));
    return o->second;
  }
  std::vector<LinearRole> wanted_;
  std::map<LinearRole, HessianAccumulator> acc_;
  std::map<LinearRole, LinearRole> owner_;
  std::map<LinearRole, GptqFactor> factors_;
  size_t seen_ = 0;  // wanted roles observed in the current pass
};

// The packed format stores alpha, offset, scale and zero in fp16. Rounding them
// before the layer is installed makes the propagated calibration, the work
// folder and the written file hold the same levels. (The solver's own error
// feedback used the fp32 levels; they differ by < 2^-11 relative.)
void round_to_fp16(QuantizedLinear& q) {
  for (auto* v : {&q.alpha, &q.offset, &q.scale, &q.zero})
    for (float& x : *v) x = f16_to_f32(f32_to_f16(x));
}

void install(Model& m, int block, LinearRole r, const QuantizedLinear& q) {
  m.w.blocks[size_t(block)][r].op = std::make_unique<DenseLinear>(q.rows, q.cols, dequantize(q));
}

// The solver's view of a layer's Hessian: its factor and how many tokens made it.
struct SolverInput {
  const GptqFactor& factor;
  int64_t samples;
};

// One layer by the method: GPTQ against its Hessian with the solver, else RTN.
QuantizedLinear quantize_layer(const DenseLinear& dense, const SolverInput* solver, const GridFitter& fitter,
                               const MethodOptions& m, LayerLogRow& row) {
  QuantizedLinear q;
  if (solver) {
    GPTQT_CHECK(solver->factor.cols == dense.cols(), "internal: a Hessian of {} inputs for a layer of {}",
                solver->factor.cols, dense.cols());
    GptqResult g = gptq_quantize(dense.weights().data(), dense.rows(), solver->factor, fitter, solver_options(m));
    q = std::move(g.weights);
    row.loss = g.report.loss;
    row.damp = g.report.damp;
    row.fallback_rtn = g.report.fallback_rtn;
    row.dead_inputs = g.report.dead_inputs;
    row.samples = solver->samples;
  } else {
    q = quantize_rtn(dense.weights().data(), dense.rows(), dense.cols(), fitter, m.group_size);
  }
  round_to_fp16(q);
  return q;
}

// quantize_layer, with every failure naming the layer, and levels that the
// packed format's fp16 cannot hold (weights beyond ±65504) refused here rather
// than written as infinities.
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

// The head, after every block: its inputs are the final hidden states of the
// calibration (xs holds the last block's outputs).
void quantize_head(Model& model, const PipelineOptions& opt, const CalibrationStates& xs, PipelineResult& res) {
  const MethodOptions hm = head_method(opt.method);
  model.load_head();
  const DenseLinear* dense = model.w.head.dense();
  GPTQT_CHECK(dense, "the head is already quantized");
  std::optional<HessianAccumulator> acc;
  if (uses_solver(hm)) {
    acc.emplace(dense->cols());
    std::vector<float> x;
    for (size_t s = 0; s < xs.windows(); ++s) {
      const int T = xs.tokens(s);
      auto t0 = Clock::now();
      std::vector<float> h(size_t(T) * model.cfg.embed_dim);
      xs.get(s, x);
      model.final(x.data(), T, h.data());
      res.forward_seconds += since(t0);
      t0 = Clock::now();
      acc->add(h.data(), T);
      res.hessian_seconds += since(t0);
    }
  }
  LayerLogRow row{model.cfg.n_layers, "head"};
  const auto t0 = Clock::now();
  std::optional<GptqFactor> factor;
  std::optional<SolverInput> solver;
  if (acc) {
    try {
      factor.emplace(gptq_factor(acc->take_hessian(), acc->cols(), solver_options(hm)));
    } catch (const Error& e) {
      fail("the output head: {}", e.what());
    }
    solver.emplace(SolverInput{*factor, acc->samples()});
  }
  QuantizedLinear q = quantize_named_layer("the output head", *dense, solver ? &*solver : nullptr, *make_fitter(hm), hm,
                                           row);
  row.seconds = since(t0);
  res.solver_seconds += row.seconds;
  // A tied head leaves the embedding table as it was: only the head is quantized.
  model.w.head.op = std::make_unique<DenseLinear>(q.rows, q.cols, dequantize(q));
  res.head = std::move(q);
  res.log.push_back(row);
}

}  // namespace

PipelineResult quantize_model(Model& model, const PipelineOptions& opt,
                              const std::function<void(const PipelineResult&, int)>& on_block_done) {
  const auto start = Clock::now();
  const ModelConfig& c = model.cfg;
  const bool solver = uses_solver(opt.method);
  const std::unique_ptr<GridFitter> fitter = make_fitter(opt.method);
  if (solver) {
    GPTQT_CHECK(!opt.calibration.empty(), "the {} method needs calibration data, and none was given",
                opt.method.method);
    for (const auto& s : opt.calibration) GPTQT_CHECK(!s.empty(), "an empty calibration window");
  }

  PipelineResult res;
  res.blocks.resize(size_t(c.n_layers));
  std::optional<WorkDir> work;
  if (!opt.work_dir.empty()) work.emplace(opt.work_dir, opt.fingerprint);

  // Hidden states entering the current block, one buffer per calibration window.
  CalibrationStates xs(opt.states, c.hidden);
  std::vector<float> x;  // one window's states in fp32
  if (solver) {
    auto t0 = Clock::now();
    if (model.stream) model.load_embeddings();
    for (const auto& s : opt.calibration) {
      x.resize(s.size() * size_t(c.hidden));
      model.embed(s.data(), int(s.size()), 0, x.data());
      xs.add(x, int(s.size()));
    }
    if (model.stream) model.drop_embeddings();  // the writer reads them again
    res.forward_seconds += since(t0);
  }
  auto propagate = [&](int b) {
    auto t0 = Clock::now();
    for (size_t s = 0; s < xs.windows(); ++s) {
      xs.get(s, x);
      model.block(b, x.data(), xs.tokens(s), 0);
      xs.set(s, x, b);
    }
    res.forward_seconds += since(t0);
  };

  // A streamed model keeps one block in memory: once the calibration has passed it,
  // its weights go, and its quantized layers are read back from the work folder.
  auto let_go = [&](int b) {
    if (!model.stream || !work) return;
    model.drop_block(b);
    res.blocks[size_t(b)] = {};
  };

  if (model.stream) model.load_block(0);  // the plan is read off the first block's layers
  const auto plan = stages(model, opt.true_sequential);
  Progress progress("quantize", c.n_layers, opt.progress);
  int quantized_now = 0;
  for (int b = 0; b < c.n_layers; ++b) {
    // A block finished by an earlier, interrupted run of the same job: reuse it.
    if (model.stream) model.load_block(b);
    if (work && work->has_block(b)) {
      WorkDir::Block saved = work->load_block(b);
      for (int r = 0; r < kNumLinearRoles; ++r) {
        const DenseLinear* now = model.w.blocks[size_t(b)].lin[r].dense();
        const auto& q = saved.lin[r];
        GPTQT_CHECK(bool(now) == q.has_value() && (!now || (q->rows == now->rows() && q->cols == now->cols())),
                    "{}: block {} {} does not match this model's layer; remove the folder to start afresh",
                    work->path(), b, linear_role_name(LinearRole(r)));
      }
      for (int r = 0; r < kNumLinearRoles; ++r)
        if (saved.lin[r]) install(model, b, LinearRole(r), *saved.lin[r]);
      res.blocks[size_t(b)].lin = std::move(saved.lin);
      res.log.insert(res.log.end(), saved.log.begin(), saved.log.end());
      ++res.resumed_blocks;
      if (solver) propagate(b);
      let_go(b);
      progress.update(b + 1, "(resumed)");
      continue;
    }
    if (opt.max_blocks > 0 && quantized_now == opt.max_blocks) {
      progress.finish("(stopped: --max-blocks)", b);
      res.total_seconds = since(start);
      return res;
    }
    ++quantized_now;
    std::vector<LayerLogRow> rows;
    for (const auto& stage : plan) {
      HessianObserver obs(stage);
      if (solver) {
        auto t0 = Clock::now();
        for (size_t s = 0; s < xs.windows(); ++s) {
          xs.get(s, x);    // the block's output is not needed here, only its linear inputs,
          obs.new_pass();  // so the pass stops after the stage's last input
          model.block(b, x.data(), xs.tokens(s), 0, nullptr, &obs);
        }
        res.forward_seconds += since(t0) - obs.seconds;
        res.hessian_seconds += obs.seconds;
      }
      for (LinearRole r : stage) {
        const Linear& lin = model.w.blocks[size_t(b)][r];
        const DenseLinear* dense = lin.dense();
        GPTQT_CHECK(dense, "block {} {}: the layer is already quantized", b, linear_role_name(r));
        LayerLogRow row{b, linear_role_name(r)};
        const std::string name = fmt::format("block {} {}", b, row.layer);
        auto t0 = Clock::now();
        std::optional<SolverInput> input;
        if (solver) {
          try {  // the first layer of those sharing a Hessian makes its factor (and takes the time)
            input.emplace(SolverInput{obs.factor(r, solver_options(opt.method)), obs.of(r).samples()});
          } catch (const Error& e) {
            fail("{}: {}", name, e.what());
          }
        }
        QuantizedLinear q = quantize_named_layer(name, *dense, input ? &*input : nullptr, *fitter, opt.method, row);
        row.seconds = since(t0);
        res.solver_seconds += row.seconds;
        install(model, b, r, q);
        res.blocks[size_t(b)].lin[int(r)] = std::move(q);
        rows.push_back(row);
      }
    }
    if (solver) propagate(b);
    if (work) work->save_block(b, res.blocks[size_t(b)].lin, rows);
    res.log.insert(res.log.end(), rows.begin(), rows.end());
    res.total_seconds = since(start);
    if (on_block_done) on_block_done(res, b);
    let_go(b);
    progress.update(b + 1);
  }
  if (opt.method.head_bits > 0) quantize_head(model, opt, xs, res);
  progress.finish();
  res.complete = true;
  res.total_seconds = since(start);
  return res;
}

}  // namespace gptqt::quant
