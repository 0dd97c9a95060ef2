// gptqt eval: perplexity of a model on a text, GPTQ or llama.cpp protocol.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "eval/datasets.h"
#include "eval/perplexity.h"
#include "runtime/model_files.h"

namespace gptqt::cli {

namespace {

struct EvalArgs {
  std::string kernel = "lut", head = "f32";
  std::string model, text = "wikitext2", protocol = "gptq";
  int ctx = 0, max_windows = 0, threads = 0;
  bool json = false;
};

void run_eval(const EvalArgs& a) {
  apply_threads(a.threads);
  PplOptions opt;
  opt.protocol = parse_protocol(a.protocol);
  opt.ctx = a.ctx;
  opt.max_windows = a.max_windows;
  std::string path;
  const std::string text = load_text(a.text, &path);
  Model model = load_model(a.model, {a.kernel, a.head});
  Tokenizer tok = load_model_tokenizer(a.model);
  const std::vector<int32_t> tokens = tok.encode(text);  // with BOS first when the model adds one
  if (opt.protocol == PplProtocol::llamacpp && tok.add_bos()) opt.bos_id = tok.bos_id();
  fmt::print(stderr, "model {} ({}, {} layers, {:.1f}M parameters)\ntext {}: {} bytes, {} tokens\n", a.model,
             model.cfg.arch, model.cfg.n_layers, model.n_params() / 1e6, path, text.size(),
             tokens.size());
  PplResult r = perplexity(model, tokens, opt);
  std::string row;
  for (size_t i = 0; i < r.window_ppl.size(); ++i) row += fmt::format("[{}]{:.4f},", i + 1, r.window_ppl[i]);
  fmt::print("{}\n", row);
  fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}  ({} protocol, ctx {}, {} windows, {} tokens scored of {}, "
             "{:.1f} s, {:.1f} tokens/s)\n",
             r.ppl, r.ppl_stderr, protocol_name(opt.protocol), r.ctx, r.windows, r.scored, r.tokens, r.seconds,
             r.windows * double(r.ctx) / r.seconds);
  if (a.json) {
    nlohmann::json j = {{"ppl", r.ppl},         {"ppl_stderr", r.ppl_stderr},
                        {"tokens", r.tokens},   {"scored", r.scored},
                        {"windows", r.windows}, {"protocol", protocol_name(opt.protocol)},
                        {"ctx", r.ctx},         {"seconds", r.seconds},
                        {"model", a.model},     {"text", path},
                        {"tokens_per_second", r.windows * double(r.ctx) / r.seconds}};
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
  add_load_options(*cmd, a->kernel, a->head);
  add_threads_option(*cmd, a->threads);
  cmd->add_flag("--json", a->json, "print one JSON object as the last line of stdout");
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace gptqt::cli
