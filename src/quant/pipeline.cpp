#include "quant/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/progress.h"
#include "model/rotation.h"
#include "quant/calibration_states.h"
#include "quant/hessian.h"
#include "quant/layer_quantizer.h"
#include "quant/parallel_stage.h"
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

void install(Model& m, int block, LinearRole r, const QuantizedLinear& q) {
  m.w.blocks[size_t(block)][r].op = std::make_unique<DenseLinear>(q.rows, q.cols, dequantize(q));
}

// Window w of the calibration runs on rank w mod N; a step is one window on each rank.
size_t steps(const PipelineOptions& opt, const Cluster& cl) {
  return (opt.calibration.size() + size_t(cl.size()) - 1) / size_t(cl.size());
}

// The head, after every block: its inputs are the final hidden states of the
// calibration (xs holds the last block's outputs). Rank 0 solves it.
void quantize_head(Model& model, const PipelineOptions& opt, const Cluster& cl, const CalibrationStates& xs,
                   const CalibrationStates* xs_fp, PipelineResult& res) {
  const MethodOptions hm = head_method(opt.method);
  model.load_head();
  GPTQT_CHECK(model.w.head.dense(), "the head is already quantized");
  if (hm.rotate) {
    model.rotations.head = make_head_rotation(model.cfg, opt.rotation_seed);
    rotate_weights(model.w.head, *model.rotations.head);
  }
  const DenseLinear* dense = model.w.head.dense();
  StageHessians hessians({}, cl), fp_inputs({}, cl);
  std::vector<float> drift;
  if (uses_solver(hm)) {
    std::vector<float> x, h;
    // The head's input from one window's final states (rotated as the head reads it).
    auto head_input = [&](const CalibrationStates& states, size_t s, StageHessians& into) {
      const int T = states.tokens(s);
      h.resize(size_t(T) * model.cfg.embed_dim);
      states.get(s, x);
      model.final(x.data(), T, h.data());
      if (model.rotations.head) model.rotations.head->apply_transpose(h.data(), T);
      into.capture(kHeadInput, h.data(), T, model.cfg.embed_dim);
    };
    for (size_t s = 0; s < steps(opt, cl); ++s) {
      if (s < xs.windows()) {
        const auto t0 = Clock::now();
        if (xs_fp) {
          head_input(*xs_fp, s, fp_inputs);
          hessians.take_references(fp_inputs);
        }
        head_input(xs, s, hessians);
        res.forward_seconds += since(t0);
      }
      hessians.exchange();
    }
    hessians.gather([](int) { return 0; });
    if (xs_fp && cl.is_root()) drift = hessians.take_drift(kHeadInput);
  }
  res.hessian_seconds += hessians.hessian_seconds;
  res.exchange_seconds += hessians.exchange_seconds;
  LayerLogRow row{model.cfg.n_layers, "head"};
  QuantizedLinear q;
  if (cl.is_root()) {
    const auto t0 = Clock::now();
    std::optional<SolverInput> solver;
    if (uses_solver(hm)) {
      try {
        solver.emplace(SolverInput{hessians.factor(kHeadInput, solver_options(hm)), hessians.samples(kHeadInput),
                                   xs_fp ? &drift : nullptr});
      } catch (const Error& e) {
        fail("the output head: {}", e.what());
      }
    }
    q = quantize_named_layer("the output head", *dense, solver ? &*solver : nullptr, *make_fitter(hm), hm, row);
    row.seconds = since(t0);
    res.solver_seconds += row.seconds;
  }
  share_layer(cl, 0, q, row);
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
  // The layer's method: the plan's width, where there is a plan; --format's fallback type
  // where the format's blocks do not divide the layer's rows.
  auto method_of = [&](int b, LinearRole r) {
    if (opt.plan) return with_width(opt.method, opt.plan->width(b, r));
    return method_for_layer(opt.method, linear_shape(model.cfg, r).cols,
                            fmt::format("block {} {}", b, linear_role_name(r)));
  };
  static const Cluster one_process;
  const Cluster& cl = opt.cluster ? *opt.cluster : one_process;
  if (solver) {
    GPTQT_CHECK(!opt.calibration.empty(), "the {} method needs calibration data, and none was given",
                opt.method.method);
    for (const auto& s : opt.calibration) GPTQT_CHECK(!s.empty(), "an empty calibration window");
    GPTQT_CHECK(opt.calibration.size() >= size_t(cl.size()), "{} calibration windows for {} processes: each needs one",
                opt.calibration.size(), cl.size());
  }

  GPTQT_CHECK(!model.rotations.any(), "the model is already rotated (a packed model cannot be quantized again)");
  if (opt.method.rotate) model.rotations.blocks.resize(size_t(c.n_layers));  // each set when its block's turn comes

  PipelineResult res;
  res.blocks.resize(size_t(c.n_layers));
  std::optional<WorkDir> work;
  if (!opt.work_dir.empty()) {
    if (cl.is_root()) work.emplace(opt.work_dir, opt.fingerprint);  // the root creates it, then the others open it
    cl.barrier();
    if (!cl.is_root()) work.emplace(opt.work_dir, opt.fingerprint);
  }

  // Hidden states entering the current block, one buffer per calibration window; with
  // --asymmetric also those of the full-precision model (xs_fp), which runs each block
  // with the layers it had before they were quantized (fp_ops).
  const bool asymmetric = opt.method.asymmetric;
  GPTQT_CHECK(!asymmetric || cl.size() == 1, "--asymmetric runs in one process (not over MPI yet)");
  CalibrationStates xs(opt.states, c.hidden), xs_fp(opt.states, c.hidden);
  std::array<std::unique_ptr<LinearOp>, kNumLinearRoles> fp_ops;
  auto full_precision = [&](int b, const std::function<void()>& run) {  // run with the block's fp32 layers
    auto swap_ops = [&] {
      for (int r = 0; r < kNumLinearRoles; ++r)
        if (fp_ops[size_t(r)]) std::swap(fp_ops[size_t(r)], model.w.blocks[size_t(b)].lin[r].op);
    };
    swap_ops();
    run();
    swap_ops();
  };
  auto install_keeping_fp = [&](int b, LinearRole r, const QuantizedLinear& q) {
    if (asymmetric) fp_ops[size_t(r)] = std::move(model.w.blocks[size_t(b)][r].op);
    install(model, b, r, q);
  };
  std::vector<float> x;  // one window's states in fp32
  if (solver) {
    auto t0 = Clock::now();
    if (model.stream) model.load_embeddings();
    for (size_t w = size_t(cl.rank()); w < opt.calibration.size(); w += size_t(cl.size())) {
      const auto& s = opt.calibration[w];
      x.resize(s.size() * size_t(c.hidden));
      model.embed(s.data(), int(s.size()), 0, x.data());
      xs.add(x, int(s.size()));
      if (asymmetric) xs_fp.add(x, int(s.size()));
    }
    if (model.stream) model.drop_embeddings();  // the writer reads them again
    res.forward_seconds += since(t0);
  }
  auto propagate = [&](int b) {
    auto t0 = Clock::now();
    auto through_block = [&](CalibrationStates& states) {
      for (size_t s = 0; s < states.windows(); ++s) {
        states.get(s, x);
        model.block(b, x.data(), states.tokens(s), 0);
        states.set(s, x, b);
      }
    };
    through_block(xs);
    if (asymmetric) full_precision(b, [&] { through_block(xs_fp); });
    fp_ops = {};
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
    if (model.stream) model.load_block(b);
    if (opt.method.rotate) {  // before the Hessians, which are then those of the rotated inputs
      model.rotations.blocks[size_t(b)] = make_block_rotations(c, opt.rotation_seed, b);
      rotate_block_weights(model.w.blocks[size_t(b)], model.rotations.blocks[size_t(b)]);
    }
    // A block finished by an earlier, interrupted run of the same job: reuse it (its
    // layers were saved rotated, by the same rotations).
    // The root decides (another rank could see the file the root is writing).
    std::vector<uint8_t> resume = {uint8_t(work && cl.is_root() && work->has_block(b))};
    cl.broadcast(resume, 0);
    if (resume[0]) {
      WorkDir::Block saved = work->load_block(b);
      for (int r = 0; r < kNumLinearRoles; ++r) {
        const DenseLinear* now = model.w.blocks[size_t(b)].lin[r].dense();
        const auto& q = saved.lin[r];
        GPTQT_CHECK(bool(now) == q.has_value() && (!now || (q->rows == now->rows() && q->cols == now->cols())),
                    "{}: block {} {} does not match this model's layer; remove the folder to start afresh",
                    work->path(), b, linear_role_name(LinearRole(r)));
      }
      for (int r = 0; r < kNumLinearRoles; ++r)
        if (saved.lin[r]) install_keeping_fp(b, LinearRole(r), *saved.lin[r]);
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
      StageHessians hessians(stage, cl);
      std::map<int, int> solver_rank;  // input -> the rank that solves its layers
      if (solver) {
        auto t0 = Clock::now();
        for (size_t s = 0; s < steps(opt, cl); ++s) {
          if (s < xs.windows()) {
            if (asymmetric) {  // the same window through the full-precision block first
              StageHessians fp_inputs(stage, cl);
              xs_fp.get(s, x);
              full_precision(b, [&] { model.block(b, x.data(), xs_fp.tokens(s), 0, nullptr, &fp_inputs); });
              hessians.take_references(fp_inputs);
            }
            xs.get(s, x);         // the block's output is not needed here, only its linear inputs,
            hessians.new_pass();  // so the pass stops after the stage's last input
            model.block(b, x.data(), xs.tokens(s), 0, nullptr, &hessians);
          }
          hessians.exchange();
        }
        res.forward_seconds += since(t0) - hessians.hessian_seconds - hessians.exchange_seconds;
        // The solver's work on an input: its factorisation, cols³, and each layer's sweep, rows·cols².
        auto cost = [&](int input) {
          const double n = hessians.cols(input);
          double flops = n * n * n;
          for (LinearRole r : stage)
            if (hessians.input_of(r) == input) flops += double(linear_shape(c, r).rows) * n * n;
          return flops;
        };
        solver_rank = assign_solvers(hessians.inputs(), cost, cl.size());
        hessians.gather([&](int input) { return solver_rank.at(input); });
        res.hessian_seconds += hessians.hessian_seconds;
        res.exchange_seconds += hessians.exchange_seconds;
      }
      // Each rank quantizes the layers of the inputs it solves; then every layer goes to every rank.
      auto solved_on = [&](LinearRole r) { return solver ? solver_rank.at(hessians.input_of(r)) : 0; };
      std::map<LinearRole, std::pair<QuantizedLinear, LayerLogRow>> done;
      std::map<int, std::vector<float>> drifts;  // --asymmetric: per input, taken once for its layers
      for (LinearRole r : stage) {
        if (solved_on(r) != cl.rank()) continue;
        const Linear& lin = model.w.blocks[size_t(b)][r];
        const DenseLinear* dense = lin.dense();
        GPTQT_CHECK(dense, "block {} {}: the layer is already quantized", b, linear_role_name(r));
        LayerLogRow row{b, linear_role_name(r)};
        const std::string name = fmt::format("block {} {}", b, row.layer);
        auto t0 = Clock::now();
        std::optional<SolverInput> input;
        if (solver) {
          const int in = hessians.input_of(r);
          if (asymmetric && !drifts.count(in)) drifts[in] = hessians.take_drift(in);
          try {  // the first layer of those sharing a Hessian makes its factor (and takes the time)
            input.emplace(SolverInput{hessians.factor(in, solver_options(opt.method)), hessians.samples(in),
                                      asymmetric ? &drifts.at(in) : nullptr});
          } catch (const Error& e) {
            fail("{}: {}", name, e.what());
          }
        }
        const MethodOptions m = method_of(b, r);
        QuantizedLinear q = quantize_named_layer(name, *dense, input ? &*input : nullptr, *make_fitter(m), m, row);
        row.seconds = since(t0);
        res.solver_seconds += row.seconds;
        done[r] = {std::move(q), row};
      }
      for (LinearRole r : stage) {
        auto& [q, row] = done[r];
        const auto t0 = Clock::now();
        share_layer(cl, solved_on(r), q, row);  // waits for the rank that solves it
        res.exchange_seconds += since(t0);
        install_keeping_fp(b, r, q);
        res.blocks[size_t(b)].lin[int(r)] = std::move(q);
        rows.push_back(row);
      }
    }
    if (solver) propagate(b);
    if (work && cl.is_root()) work->save_block(b, res.blocks[size_t(b)].lin, rows);
    res.log.insert(res.log.end(), rows.begin(), rows.end());
    res.total_seconds = since(start);
    if (on_block_done) on_block_done(res, b);
    let_go(b);
    progress.update(b + 1);
  }
  if (opt.method.head_bits > 0) quantize_head(model, opt, cl, xs, asymmetric ? &xs_fp : nullptr, res);
  progress.finish();
  res.complete = true;
  res.total_seconds = since(start);
  return res;
}

}  // namespace gptqt::quant
