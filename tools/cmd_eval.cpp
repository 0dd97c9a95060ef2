// gptqt eval: perplexity of a model on a text, GPTQ or llama.cpp protocol; and
// KL divergence against a base model's logits, with llama.cpp's files.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "eval/datasets.h"
#include "eval/kl_divergence.h"
#include "eval/perplexity.h"
#include "runtime/model_files.h"

namespace gptqt::cli {

namespace {

struct EvalArgs {
  LoadOptions load{.kernel = "lut", .head = "f32"};
  std::string model, text = "wikitext2", protocol = "gptq";
  std::string kld_base, kld;  // llama.cpp's base-logits file: written, or read
  int ctx = 0, max_windows = 0, threads = 0;
  bool json = false, ggml_activations = false, protocol_given = false, text_given = false, ctx_given = false;
};

void run_eval(const EvalArgs& a) {
  apply_threads(a.threads);
  GPTQT_CHECK(a.kld_base.empty() || a.kld.empty(), "--kld-base writes a base file and --kld scores against one: "
              "two runs, with two models");
  const bool kld_mode = !a.kld_base.empty() || !a.kld.empty();
  // The base file holds the positions llama-perplexity scores, so both modes are its protocol.
  GPTQT_CHECK(!kld_mode || !a.protocol_given || a.protocol == "llamacpp",
              "--kld-base and --kld follow llama.cpp's protocol; drop --protocol {}", a.protocol);
  PplOptions opt;
  opt.protocol = kld_mode ? PplProtocol::llamacpp : parse_protocol(a.protocol);
  opt.ctx = a.ctx;
  opt.max_windows = a.max_windows;

  std::unique_ptr<BaseLogitsReader> base;
  if (!a.kld.empty()) {
    GPTQT_CHECK(!a.text_given, "--kld scores the tokens stored in {}; drop --text", a.kld);
    base = std::make_unique<BaseLogitsReader>(a.kld);
    GPTQT_CHECK(!a.ctx_given || a.ctx == base->header().ctx, "{} was written with ctx {}; drop --ctx {}", a.kld,
                base->header().ctx, a.ctx);
    opt.ctx = base->header().ctx;
  }
  if (!a.kld_base.empty())
    GPTQT_CHECK(!std::filesystem::exists(a.kld_base), "{} exists; remove it or name another file", a.kld_base);

  LoadOptions load = a.load;
  load.ggml_activations = a.ggml_activations;
  Model model = load_model(a.model, load);
  Tokenizer tok = load_model_tokenizer(a.model);
  if (opt.protocol == PplProtocol::llamacpp && tok.add_bos()) opt.bos_id = tok.bos_id();
  std::vector<int32_t> tokens;
  std::string path;
  if (base) {
    GPTQT_CHECK(base->header().vocab == model.cfg.vocab, "{} holds a vocabulary of {} and {} one of {}: not the "
                "same model family", a.kld, base->header().vocab, a.model, model.cfg.vocab);
    tokens = base->header().tokens;
    path = a.kld;
    fmt::print(stderr, "model {} ({}, {} layers, {:.1f}M parameters)\nbase {}: {} windows of {} tokens\n", a.model,
               model.cfg.arch, model.cfg.n_layers, model.n_params() / 1e6, a.kld, base->header().chunks,
               base->header().ctx);
  } else {
    const std::string text = load_text(a.text, &path);
    tokens = tok.encode(text);  // with BOS first when the model adds one
    fmt::print(stderr, "model {} ({}, {} layers, {:.1f}M parameters)\ntext {}: {} bytes, {} tokens\n", a.model,
               model.cfg.arch, model.cfg.n_layers, model.n_params() / 1e6, path, text.size(), tokens.size());
  }

  std::unique_ptr<BaseLogitsWriter> writer;
  if (!a.kld_base.empty()) {
    const PplWindows w = ppl_windows(model.cfg, int64_t(tokens.size()), opt);
    BaseLogitsHeader h{w.ctx, model.cfg.vocab, w.windows, {}};
    h.tokens.assign(tokens.begin(), tokens.begin() + int64_t(w.ctx) * w.windows);
    writer = std::make_unique<BaseLogitsWriter>(a.kld_base, h);
    opt.on_logits = [&](const float* logits, int n, const int32_t*) { writer->add(logits, n); };
  }
  KldAccumulator kld(model.cfg.vocab);
  int64_t next_row = 0;
  if (base) {
    opt.on_logits = [&](const float* logits, int n, const int32_t* targets) {
      std::vector<const uint16_t*> rows(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) rows[i] = base->row(next_row + i);
      next_row += n;
      kld.add(logits, rows.data(), targets, n);
    };
  }
  PplResult r = perplexity(model, tokens, opt);
  std::string row;
  for (size_t i = 0; i < r.window_ppl.size(); ++i) row += fmt::format("[{}]{:.4f},", i + 1, r.window_ppl[i]);
  fmt::print("{}\n", row);
  fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}  ({} protocol, ctx {}, {} windows, {} tokens scored of {}, "
             "{:.1f} s, {:.1f} tokens/s)\n",
             r.ppl, r.ppl_stderr, protocol_name(opt.protocol), r.ctx, r.windows, r.scored, r.tokens, r.seconds,
             r.windows * double(r.ctx) / r.seconds);
  std::optional<KldStats> stats;
  if (writer) {
    writer->commit();
    fmt::print("wrote the base logits of {} positions to {}\n", r.scored, a.kld_base);
  }
  if (base) {
    stats = kld.stats();
    fmt::print("\n{}", format_kld_report(*stats));
  }
  if (a.json) {
    nlohmann::json j = {{"ppl", r.ppl},         {"ppl_stderr", r.ppl_stderr},
                        {"tokens", r.tokens},   {"scored", r.scored},
                        {"windows", r.windows}, {"protocol", protocol_name(opt.protocol)},
                        {"ctx", r.ctx},         {"seconds", r.seconds},
                        {"model", a.model},     {"text", path},
                        {"tokens_per_second", r.windows * double(r.ctx) / r.seconds}};
    if (a.ggml_activations) j["ggml_activations"] = true;
    if (writer) j["kld_base"] = a.kld_base;
    if (stats) j["kld"] = kld_json(*stats);
    fmt::print("{}\n", j.dump());
  }
}

}  // namespace

void register_eval(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "perplexity of a model on a text");
  cmd->add_option("--model,-m", a->model, "GGUF file, Hugging Face folder or gptqt packed model")->required();
  cmd->add_option("--text", a->text,
                  "a text file, or one of: wikitext2, wikitext2-valid, ptb, ptb-valid, c4, tinystories")
      ->capture_default_str();
  cmd->add_option("--protocol", a->protocol, "gptq (all positions of non-overlapping windows) or llamacpp")
      ->check(CLI::IsMember({"gptq", "llamacpp"}))
      ->capture_default_str();
  cmd->add_option("--ctx", a->ctx, "window length (default: min(2048, model context); 512 for llamacpp)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--max-windows", a->max_windows, "score at most this many windows (0 = all)")
      ->check(CLI::Range(0, 1 << 30));
  cmd->add_option("--kld-base", a->kld_base,
                  "write this model's log-probabilities at the scored positions (llama.cpp protocol) to FILE, in "
                  "llama-perplexity's --kl-divergence-base format");
  cmd->add_option("--kld", a->kld,
                  "score this model against the base log-probabilities in FILE (written by --kld-base or by "
                  "llama-perplexity --kl-divergence-base) and print llama.cpp's KL-divergence statistics")
      ->check(CLI::ExistingFile);
  add_load_options(*cmd, a->load);
  add_threads_option(*cmd, a->threads);
  cmd->add_flag("--ggml-activations", a->ggml_activations,
                "round each layer's inputs as llama.cpp's CPU backend does for its GGUF type (Q8_0, Q8_1, Q8_K, "
                "fp16), so that PPL and KLD follow llama-perplexity's on the same file (docs/results.md §8)");
  cmd->add_flag("--json", a->json, "print one JSON object as the last line of stdout");
  cmd->callback([a, cmd] {
    a->protocol_given = cmd->count("--protocol") > 0;
    a->text_given = cmd->count("--text") > 0;
    a->ctx_given = cmd->count("--ctx") > 0;
    run_eval(*a);
  });
}

}  // namespace gptqt::cli
