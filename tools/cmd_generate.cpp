// gptqt generate: text from a prompt, streamed as it is produced.
#include <fmt/format.h>

#include <cstdio>

#include "commands.h"
#include "runtime/generator.h"
#include "core/error.h"
#include "runtime/model_files.h"
#include "text/chat.h"

namespace gptqt::cli {

namespace {

struct GenerateArgs {
  LoadOptions load{.kernel = "lut", .head = "int8"};
  std::string model, prompt = "Once upon a time", chat, system, chat_template;
  int n = 128, threads = 0;
  SamplerOptions sampler;
  bool ignore_eos = false;
};

void run_generate(const GenerateArgs& a) {
  apply_threads(a.threads);
  Model model = load_model(a.model, a.load);
  Tokenizer tok = load_model_tokenizer(a.model);
  std::vector<int32_t> stop;
  if (!a.ignore_eos && tok.eos_id() >= 0) stop.push_back(tok.eos_id());
  std::string text = a.prompt;
  if (!a.chat.empty()) {  // the message in the model's own chat template; stop at the end of the turn
    const ChatTemplate t = a.chat_template.empty() ? parse_chat_template(load_chat_template(a.model), a.model)
                                                   : builtin_chat_template(a.chat_template);
    text = format_chat(t, a.chat, a.system, chat_date_today());
    const int32_t end = tok.find_token(t.end_of_turn);
    GPTQT_CHECK(end >= 0, "{}: the chat template ends turns with {}, which is not in the vocabulary", a.model,
                t.end_of_turn);
    if (!a.ignore_eos) stop.push_back(end);
  }
  // A chat prompt writes the template's control tokens (<start_of_turn>) as text.
  const std::vector<int32_t> prompt = tok.encode(text, true, !a.chat.empty());
  Sampler sampler(a.sampler);
  if (a.chat.empty()) std::fputs(a.prompt.c_str(), stdout);  // a chat shows only the reply
  std::fflush(stdout);
  GenerationStats st;
  generate(model, prompt, a.n, sampler, stop,
           [&](int32_t id) {
             if (tok.is_control(id)) return;  // EOS, <|im_end|>: for the model, not the reader
             std::fputs(tok.token_to_piece(id).c_str(), stdout);
             std::fflush(stdout);
           },
           &st);
  std::fputs("\n", stdout);
  std::fflush(stdout);  // the statistics below go to stderr, on a line of their own
  fmt::print(stderr, "prompt: {} tokens in {:.3f} s ({:.1f} t/s); generated {} tokens in {:.3f} s ({:.1f} t/s)\n",
             st.prompt_tokens, st.prompt_seconds, st.prompt_tokens / st.prompt_seconds, st.generated,
             st.generate_seconds, st.generated > 1 ? (st.generated - 1) / st.generate_seconds : 0.0);
}

}  // namespace

void register_generate(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "generate text from a prompt");
  cmd->add_option("--model,-m", a->model, "GGUF file, Hugging Face folder or gptqt packed model")->required();
  cmd->add_option("--prompt,-p", a->prompt, "prompt text, continued as is")->capture_default_str();
  cmd->add_option("--chat", a->chat, "a user message, wrapped in the model's chat template; the reply ends at the end "
                  "of the assistant's turn")
      ->excludes("--prompt");
  cmd->add_option("--system", a->system, "with --chat: the system message (default: the template's own, if any)");
  cmd->add_option("--chat-template", a->chat_template, "with --chat: this family's template instead of the model's "
                  "own (chatml, llama3, gemma, mistral, phi3, phi4), for files that carry none");
  cmd->add_option("-n", a->n, "tokens to generate")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  cmd->add_option("--temp", a->sampler.temperature, "temperature (0 = greedy)")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--top-k", a->sampler.top_k, "sample among the k most likely (0 = all)")
      ->check(CLI::Range(0, 1 << 22))
      ->capture_default_str();
  cmd->add_option("--top-p", a->sampler.top_p, "nucleus mass")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  add_seed_option(*cmd, a->sampler.seed, "sampling seed");
  cmd->add_flag("--ignore-eos", a->ignore_eos, "keep going past the end-of-text token");
  add_load_options(*cmd, a->load);
  add_threads_option(*cmd, a->threads);
  cmd->callback([a] { run_generate(*a); });
}

}  // namespace gptqt::cli
