// gptqt quantize: RTN, GPTQ, BCQ or GPTQT over every linear layer of a model,
// written in the packed format (or, with --format, as a GGUF file of one of
// llama.cpp's block types). Interrupted, a re-run with the same arguments
// resumes after the last finished block (the work folder is <out>.work).
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/datasets.h"
#include "io/ggml_pack.h"
#include "io/gguf.h"
#include "io/json_read.h"
#include "kernels/blas_cores.h"
#include "model/rotation.h"
#include "quant/bit_plan.h"
#include "quant/cluster.h"
#include "quant/gguf_model_writer.h"
#include "quant/memory_estimate.h"
#include "quant/output_folder.h"
#include "quant/packed_writer.h"
#include "quant/pipeline.h"
#include "quant/sensitivity.h"
#include "quant/work_dir.h"
#include "runtime/model_files.h"
#include "text/calibration.h"

namespace gptqt::cli {

namespace {

struct QuantizeArgs {
  std::string model, out, calib = "wikitext2-valid";
  quant::MethodOptions m;
  bool true_sequential = false, keep_work = false;
  std::string re_explore = "on", states = "fp32", max_memory;
  int nsamples = 128, seqlen = 0, threads = 0, max_blocks = 0;
  uint64_t seed = 0;
  double bpw = 0;  // > 0: plan each layer's width to this budget (quant/bit_plan.h)
  std::string plan_widths, plan_errors;
  int plan_windows = 4;
  std::string plan_file;  // use the plan of a planned model (or its header, or a plan's JSON) instead of planning
};

// The bit plan of a packed model (its folder or header) or a plan's own JSON.
quant::BitPlan read_plan(const std::string& path) {
  const std::filesystem::path file =
      std::filesystem::is_directory(path) ? std::filesystem::path(path) / "gptqt.json" : std::filesystem::path(path);
  GPTQT_CHECK(std::filesystem::is_regular_file(file), "{}: no such file", file.string());
  nlohmann::json j = read_json_file(file.string());
  if (j.is_object() && j.contains("quantization")) {  // a header
    j = j["quantization"].value("plan", nlohmann::json());
    GPTQT_CHECK(!j.is_null(), "{}: this model has no bit plan (it was not quantized with --bpw)", file.string());
  }
  try {
    return quant::BitPlan::from_json(j);
  } catch (const Error& e) {
    fail("{}: {}", file.string(), e.what());
  }
}

// --bpw (or --plan) alone gives the best configuration measured (docs/results.md §7):
// the GPTQ solver on a BCQ grid with rotations and refitted scales (with rotations the
// BCQ grid matched or beat GPTQT's two-step at all three budgets); each can be set otherwise.
void apply_bpw_defaults(QuantizeArgs& a, const CLI::App& cmd) {
  if (a.bpw <= 0 && a.plan_file.empty()) return;
  GPTQT_CHECK(a.bpw <= 0 || a.plan_file.empty(), "--bpw makes a bit plan and --plan reads one: give one of them");
  GPTQT_CHECK(!cmd.count("--bits") && !cmd.count("--group-size"),
              "{}", a.bpw > 0 ? "--bpw chooses each layer's bits and group size; name the candidates with --plan-widths instead"
                              : "--plan gives each layer's bits and group size; leave out --bits and --group-size");
  if (!cmd.count("--method")) {
    a.m.method = "bcq";
    if (!cmd.count("--solver")) a.m.solver = "gptq";
  }
  if (!cmd.count("--rotate")) a.m.rotate = true;
  if (!cmd.count("--refit-scales")) a.m.refit_scales = true;
}

// --format T: llama.cpp's block type T fixes the bits and the group size, act-order
// keeps static groups (a block is 32 columns in the file's order), the scale search is
// on, and -o names a new GGUF file.
void apply_format(QuantizeArgs& a, const CLI::App& cmd) {
  if (a.m.format.empty()) return;
  const GgmlType t = quant::format_type(a.m);
  if (!cmd.count("--bits")) a.m.bits = ggml_format_bits(t);
  if (!cmd.count("--group-size")) a.m.group_size = ggml_format_group(t);
  if (a.m.act_order && !cmd.count("--static-groups")) a.m.static_groups = true;
  // The weighted scale search: GPTQ onto Q4_0 lost 16.7% over FP with it and 28.2% without
  // (SmolLM2, docs/results.md §8); --no-mse gives llama-quantize's own formula.
  if (!cmd.count("--mse")) a.m.mse = true;
  GPTQT_CHECK(a.bpw <= 0 && a.plan_file.empty(), "--format {} is one width for every layer; drop --bpw / --plan",
              a.m.format);
  GPTQT_CHECK(!std::filesystem::exists(std::filesystem::symlink_status(a.out)),
              "-o {}: it exists; --format writes a new GGUF file (remove it yourself or choose another path)", a.out);
  GPTQT_CHECK(std::filesystem::is_regular_file(a.model), "--format {}: the source must be a GGUF file (its metadata "
              "and tokenizer go into the output), not {}", a.m.format, a.model);
  const GgufFile source(a.model);  // Error now, not after the hours of work, when it is not one
}

void run_quantize(QuantizeArgs a) {
  apply_threads(a.threads);
  // Under mpirun every rank runs this; rank 0 alone prints, prepares and writes.
  const quant::Cluster& cl = quant::cluster();
  const bool root = cl.is_root();
  a.m.re_explore = a.re_explore == "on";
  quant::validate(a.m);
  std::vector<quant::LayerWidth> widths;
  if (a.bpw > 0) {
    GPTQT_CHECK(quant::uses_solver(a.m), "--bpw measures each layer with the GPTQ solver; --solver none cannot plan");
    GPTQT_CHECK(cl.size() == 1, "--bpw runs in one process (not over MPI yet)");
    widths = a.plan_widths.empty() ? quant::default_widths() : quant::parse_widths(a.plan_widths);
    for (const quant::LayerWidth& w : widths) quant::validate(quant::with_width(a.m, w));
  } else {
    GPTQT_CHECK(a.plan_widths.empty() && a.plan_errors.empty(), "--plan-widths and --plan-errors need --bpw");
  }
  std::optional<quant::BitPlan> given_plan;
  if (!a.plan_file.empty()) {
    given_plan = read_plan(a.plan_file);
    GPTQT_CHECK(cl.size() == 1, "--plan runs in one process (not over MPI yet)");
    for (const quant::LayerWidth& w : given_plan->widths) quant::validate(quant::with_width(a.m, w));
  }
  // Everything that can be refused is checked before the hours of work: the
  // output path, the model's existence and the calibration text.
  a.out = quant::normalize_output_path(a.out);
  GPTQT_CHECK(std::filesystem::exists(a.model), "{}: no such file or folder", a.model);
  std::string calib_path, calib_text;
  const bool solver = quant::uses_solver(a.m);
  if (solver) calib_text = load_text(a.calib, &calib_path);
  const double limit = a.max_memory.empty() ? quant::available_memory_bytes() : quant::parse_memory_size(a.max_memory);
  if (root) quant::prepare_output_folder(a.out, {a.model, calib_path});
  cl.barrier();

  quant::PipelineOptions opt;
  opt.method = a.m;
  opt.true_sequential = a.true_sequential;
  opt.states = quant::parse_state_storage(a.states);
  quant::PackedModelInfo info;
  info.source_model = a.model;
  info.true_sequential = a.true_sequential;
  // The blocks are streamed: one is in memory at a time.
  const ModelConfig config = load_model_config(a.model);
  for (int r = 0; r < kNumLinearRoles; ++r)  // --format's blocks must divide every layer's rows (or fall back)
    if (has_linear(config, LinearRole(r)))
      quant::method_for_layer(a.m, linear_shape(config, LinearRole(r)).cols,
                              fmt::format("the {} layers", linear_role_name(LinearRole(r))));
  const int seqlen = solver ? (a.seqlen > 0 ? a.seqlen : std::min(2048, config.max_ctx)) : 0;
  // Each rank keeps its share of the calibration; the ranks on this machine share its memory.
  const int windows_here = solver ? (a.nsamples + cl.size() - 1) / cl.size() : 0;
  const quant::MemoryEstimate need =
      quant::estimate_quantize_memory(config, opt, windows_here, seqlen, /*stream=*/true, cl.size());
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks_here = local ? std::max(1, std::atoi(local)) : 1;
  if (root)
    fmt::print(stderr, "expected peak memory {}{}\n", need.describe(),
               ranks_here > 1 ? fmt::format(", for each of {} processes on this machine", ranks_here) : "");
  std::vector<std::string> ways = {"fewer or shorter calibration windows (--nsamples, --seqlen)"};
  if (opt.states != quant::StateStorage::fp16) ways.push_back("--states fp16");
  if (!a.true_sequential) ways.push_back("--true-sequential");
  std::string lighter = ways[0];
  for (size_t i = 1; i < ways.size(); ++i) lighter += (i + 1 == ways.size() ? " or " : ", ") + ways[i];
  GPTQT_CHECK(need.total() * ranks_here <= limit,
              "the job needs about {:.1f} GiB at its peak, more than the {:.1f} GiB {}; {} need less",
              need.total() * ranks_here / (1 << 30), limit / (1 << 30),
              a.max_memory.empty() ? "this machine has available" : "--max-memory allows", lighter);

  LoadOptions load;
  load.stream = true;
  Model model = load_model(a.model, load);
  const ModelConfig& c = model.cfg;
  if (given_plan) {
    try {
      given_plan->check_fits(c);
    } catch (const Error& e) {
      fail("{}: {}", a.plan_file, e.what());
    }
  }
  if (root)
    fmt::print(stderr, "model {} ({}, {} layers, {:.1f}M parameters)\n{}{}\n", a.model, c.arch, c.n_layers,
               model.n_params() / 1e6, quant::describe(a.m),
               a.bpw > 0 ? fmt::format("; each layer's bits and group size planned within {} bits per weight from {}",
                                       a.bpw, quant::widths_to_string(widths))
               : given_plan ? fmt::format("; each layer's bits and group size from the plan in {}", a.plan_file)
                            : "");
  if (solver) {
    const std::vector<int32_t> tokens = load_model_tokenizer(a.model).encode(calib_text);
    opt.calibration = sample_calibration(tokens, size_t(a.nsamples), size_t(seqlen), a.seed);
    if (root)
      fmt::print(stderr, "calibration: {} windows of {} tokens from {} ({} tokens), seed {}{}\n", a.nsamples, seqlen,
                 calib_path, tokens.size(), a.seed,
                 cl.size() > 1 ? fmt::format(", over {} processes", cl.size()) : "");
    if (const std::string slow = kernels::blas_kernels_warning(); root && !slow.empty())
      fmt::print(stderr, "{}\n", slow);
    info.calibration = a.calib;
    info.nsamples = a.nsamples;
    info.seqlen = seqlen;
    info.seed = a.seed;
  }
  opt.rotation_seed = a.seed;
  opt.work_dir = a.out + ".work";
  opt.max_blocks = a.max_blocks;
  opt.fingerprint = fmt::format(
      "model={} {} true_sequential={} calib={} nsamples={} seqlen={} seed={} states={} inputs=[{}]", a.model,
      quant::describe(a.m), a.true_sequential, info.calibration, info.nsamples, info.seqlen, info.seed, a.states,
      quant::input_identity(a.model) + (solver ? " " + quant::input_identity(calib_path) : ""));
  // What the plan's figures depend on (all but the budget): a --plan-errors file is reused only for the same.
  const std::string plan_key = fmt::format("{} widths={} plan_windows={}", opt.fingerprint,
                                           quant::widths_to_string(widths), a.plan_windows);
  if (a.bpw > 0) opt.fingerprint = fmt::format("{} bpw={}", plan_key, a.bpw);
  if (given_plan) {
    opt.fingerprint += " plan=" + given_plan->to_json().dump();
    opt.plan = info.plan = given_plan;
  }
  opt.cluster = &cl;
  opt.progress = root;
  if (a.bpw > 0) {  // one process (checked above)
    const auto plan_start = std::chrono::steady_clock::now();
    std::vector<quant::LayerCost> costs;
    if (!a.plan_errors.empty() && std::filesystem::exists(a.plan_errors)) {
      const nlohmann::json j = read_json_file(a.plan_errors);
      GPTQT_CHECK(j.is_object() && j.value("key", "") == plan_key,
                  "{}: measured for another model, calibration, method or widths; remove it or name another file",
                  a.plan_errors);
      costs = quant::layer_costs_from_json(j.contains("layers") ? j["layers"] : nlohmann::json(), c, 0, c.n_layers,
                                           widths.size(), a.plan_errors);
      fmt::print(stderr, "each layer's errors read from {}\n", a.plan_errors);
    } else {
      const quant::WorkDir work(opt.work_dir, opt.fingerprint);
      costs = quant::measure_sensitivity(model, opt, widths, a.plan_windows, &work);
      if (!a.plan_errors.empty())
        write_file_atomic(a.plan_errors, nlohmann::json{{"key", plan_key}, {"widths", quant::widths_to_string(widths)},
                                                        {"layers", quant::layer_costs_to_json(costs)}}
                                                 .dump(1) + "\n");
    }
    double seed_bits = 0;  // the rotations' seeds, 64 bits each, counted in the budget as in the written bpw
    if (a.m.rotate) seed_bits = 64.0 * c.n_layers * make_block_rotations(c, a.seed, 0).count();
    opt.plan = quant::choose_plan(costs, widths, a.m, a.bpw, seed_bits, c.n_layers);
    info.plan = opt.plan;
    fmt::print(stderr, "{}planned in {:.1f} s\n", opt.plan->describe(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - plan_start).count());
  }
  if (root) fmt::print("block,layer,loss,damp,seconds\n");
  quant::PipelineResult r = quant::quantize_model(model, opt, [root](const quant::PipelineResult& res, int block) {
    if (!root) return;
    for (const auto& l : res.log)
      if (l.block == block)
        fmt::print("{},{},{:.6g},{:.4g},{:.2f}{}\n", l.block, l.layer, l.loss, l.damp, l.seconds,
                   l.fallback_rtn ? ",RTN fallback" : "");
    std::fflush(stdout);
  });
  if (!root) return;
  if (!r.complete) {
    fmt::print(stderr, "stopped after {} blocks; run the same command again to go on (state in {})\n",
               a.max_blocks, opt.work_dir);
    return;
  }
  const quant::WorkDir work(opt.work_dir, opt.fingerprint);  // the finished blocks
  const double bpw = a.m.format.empty()
                         ? quant::write_packed_model(model, r, a.m, info, a.out, &work)
                         : quant::write_gguf_model(model, r, a.m, a.model, a.out, &work);
  if (!a.keep_work) std::filesystem::remove_all(opt.work_dir);
  fmt::print(stderr,
             "wrote {} ({:.3f} bits per quantized weight; {} blocks resumed)\n"
             "time {:.1f} s: forward {:.1f} s, Hessians {:.1f} s, quantizer {:.1f} s{}\n",
             a.out, bpw, r.resumed_blocks, r.total_seconds, r.forward_seconds, r.hessian_seconds, r.solver_seconds,
             cl.size() > 1 ? fmt::format(", exchange {:.1f} s (rank 0 of {})", r.exchange_seconds, cl.size()) : "");
}

}  // namespace

void register_quantize(CLI::App& app) {
  auto a = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand("quantize", "quantize a model's linear layers to 1-4 bits");
  cmd->add_option("--model,-m", a->model, "GGUF file or Hugging Face folder")->required();
  cmd->add_option("--out,-o", a->out, "output folder (packed format), or with --format a new GGUF file")->required();
  cmd->add_option("--method", a->m.method, "rtn, gptq, bcq or gptqt")
      ->check(CLI::IsMember({"rtn", "gptq", "bcq", "gptqt"}))
      ->capture_default_str();
  cmd->add_option("--solver", a->m.solver, "auto (gptq for gptq/gptqt), gptq or none")
      ->check(CLI::IsMember({"auto", "gptq", "none"}))
      ->capture_default_str();
  cmd->add_option("--bits", a->m.bits, "bits per weight")->check(CLI::Range(1, 4))->capture_default_str();
  cmd->add_option("--group-size", a->m.group_size, "columns per group (-1 = whole row)")->capture_default_str();
  cmd->add_flag("--act-order", a->m.act_order, "quantize columns by decreasing Hessian diagonal");
  cmd->add_option("--bpw", a->bpw,
                  "bits per weight to spend: each layer gets the bits and group size that lose least within it "
                  "(measured per layer); alone it also means --method bcq --solver gptq --rotate --refit-scales")
      ->check(CLI::Range(1.0, 8.0));
  cmd->add_option("--plan-widths", a->plan_widths,
                  "--bpw: the candidate widths, bits:group_size,... (default: 2, 3 and 4 bits, each per row and in "
                  "groups of 128)");
  cmd->add_option("--plan-errors", a->plan_errors,
                  "--bpw: keep each layer's measured errors in this file, or read them from it when it exists "
                  "(the same job at another budget plans at once)");
  cmd->add_option("--plan", a->plan_file,
                  "give each layer the bits and group size of this plan: a model quantized with --bpw (its folder or "
                  "gptqt.json), or a plan's JSON; alone it also means --method bcq --solver gptq --rotate --refit-scales");
  cmd->add_option("--plan-windows", a->plan_windows,
                  "--bpw: calibration windows each layer's error is measured on")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_flag("--refit-scales,!--no-refit-scales", a->m.refit_scales,
                "after the solver, refit each row's scales and offsets to the layer's output error (codes fixed)");
  cmd->add_flag("--rotate,!--no-rotate", a->m.rotate,
                "quantize every layer in a random Hadamard rotation of its input space (incoherence processing; the "
                "runtime rotates the activations, which costs speed: docs/results.md §7)");
  cmd->add_flag("--asymmetric", a->m.asymmetric,
                "asymmetric calibration (GPTAQ): fit each layer's outputs on the quantized model's inputs to the "
                "full-precision model's outputs (made SmolLM2 worse so far: docs/results.md §7)");
  cmd->add_flag("--static-groups", a->m.static_groups, "fit every group's grid before the solver runs");
  cmd->add_flag("--true-sequential", a->true_sequential, "re-collect Hessians between q/k/v, o, gate/up, down");
  cmd->add_option("--damp", a->m.damp, "Hessian damping, fraction of the mean diagonal")->capture_default_str();
  cmd->add_flag("--symmetric", a->m.symmetric, "symmetric linear grid");
  cmd->add_flag("--mse,!--no-mse", a->m.mse,
                "search the linear grid's range by MSE; with --format (where it is the default) each block's scale "
                "by the error weighted by the Hessian's diagonal, as llama.cpp's importance matrix does");
  cmd->add_option("--format", a->m.format,
                  "quantize onto llama.cpp's block type Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or the k-quant Q2_K, Q3_K, Q4_K, "
                  "Q5_K, Q6_K (with --method gptq or rtn) and write a GGUF file llama.cpp runs: the source GGUF's "
                  "metadata, tokenizer and other tensors")
      ->check(CLI::IsMember({"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"}));
  cmd->add_option("--fallback", a->m.format_fallback,
                  "with a k-quant --format: the type of layers whose rows are not whole 256-weight super-blocks, "
                  "auto for llama-quantize's choice (Q2_K, Q3_K: Q4_0; Q4_K: Q5_0; Q5_K: Q5_1; Q6_K: Q8_0); "
                  "without it such a layer is refused")
      ->check(CLI::IsMember({"auto", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"}));
  cmd->add_option("--inter-bits", a->m.inter_bits, "GPTQT: bits of the intermediate linear grid (0 = max(4, bits + 1))")
      ->capture_default_str();
  cmd->add_option("--re-explore", a->re_explore, "GPTQT: re-explore the range factor (on|off)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--rounding", a->m.rounding, "GPTQT: two roundings or one")
      ->check(CLI::IsMember({"two", "one"}))
      ->capture_default_str();
  cmd->add_option("--search", a->m.search,
                  "GPTQT critical points: auto (fast if bits <= 3 and inter-bits <= 4, else alternating), fast, "
                  "exhaustive or alternating")
      ->check(CLI::IsMember({"auto", "fast", "exhaustive", "alternating"}))
      ->capture_default_str();
  cmd->add_option("--weighting", a->m.weighting, "GPTQT re-explore objective: hdiag or plain")
      ->check(CLI::IsMember({"hdiag", "plain"}))
      ->capture_default_str();
  cmd->add_option("--p-from", a->m.p_from, "GPTQT re-explore: first range factor")->capture_default_str();
  cmd->add_option("--p-to", a->m.p_to, "GPTQT re-explore: last range factor")->capture_default_str();
  cmd->add_option("--p-step", a->m.p_step, "GPTQT re-explore: step")->capture_default_str();
  cmd->add_option("--head-bits", a->m.head_bits, "also quantize the output head to these bits (0 = keep it)")
      ->check(CLI::Range(0, 4))
      ->capture_default_str();
  cmd->add_option("--head-group-size", a->m.head_group_size, "the head's group size (-1 = whole row)")
      ->capture_default_str();
  cmd->add_option("--calib", a->calib, "calibration text: a file or a named text (wikitext2-valid, c4, ...)")
      ->capture_default_str();
  cmd->add_option("--nsamples", a->nsamples, "calibration windows")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  cmd->add_option("--seqlen", a->seqlen, "tokens per calibration window (default min(2048, model context))")
      ->check(CLI::Range(0, 1 << 20));
  add_seed_option(*cmd, a->seed, "calibration sampling seed (and the rotations' with --rotate)");
  cmd->add_option("--states", a->states,
                  "how the calibration's hidden states are kept between blocks: fp32, or fp16 (half the memory; "
                  "changed SmolLM2's perplexity by 0.6%, docs/results.md §6)")
      ->check(CLI::IsMember({"fp16", "fp32"}))
      ->capture_default_str();
  cmd->add_option("--max-blocks", a->max_blocks, "quantize at most this many blocks in this run, then stop")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--max-memory", a->max_memory,
                  "refuse to start when the expected peak memory is above this (e.g. 6G; default: what the machine "
                  "has available)");
  cmd->add_flag("--keep-work", a->keep_work, "keep <out>.work (per-block results) after finishing");
  add_threads_option(*cmd, a->threads);
  cmd->callback([a, cmd] {
    apply_bpw_defaults(*a, *cmd);
    apply_format(*a, *cmd);
    run_quantize(*a);
  });
}

}  // namespace gptqt::cli
