// gptqt tokenize: the token ids of a text, as the model's own tokenizer makes them
// (llama-tokenize's job), to check a tokenizer against another engine's.
#include <fmt/format.h>

#include "commands.h"
#include "runtime/model_files.h"
#include "text/text_file.h"

namespace gptqt::cli {

namespace {

struct TokenizeArgs {
  std::string model, prompt, file;
  bool no_bos = false, count = false, pieces = false, no_parse_special = false;
};

void run_tokenize(const TokenizeArgs& a) {
  Tokenizer tok = load_model_tokenizer(a.model);
  if (a.no_bos && tok.add_bos()) tok.set_add_bos(false);
  const std::string text = a.file.empty() ? a.prompt : read_text_file(a.file);
  const std::vector<int32_t> ids = tok.encode(text, true, !a.no_parse_special);
  if (a.count) {
    fmt::print("{}\n", ids.size());
  } else if (a.pieces) {  // one token a line: id and the token as stored in the vocabulary
    for (int32_t id : ids) fmt::print("{:>7} '{}'\n", id, tok.token_text(id));
  } else {
    fmt::print("[{}]\n", fmt::join(ids, ", "));
  }
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto a = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("tokenize", "token ids of a text, by the model's own tokenizer");
  cmd->add_option("--model,-m", a->model, "GGUF file, Hugging Face folder or gptqt packed model")->required();
  auto* prompt = cmd->add_option("--prompt,-p", a->prompt, "the text");
  cmd->add_option("--file,-f", a->file, "read the text from this file")->excludes(prompt);
  cmd->add_flag("--no-bos", a->no_bos, "do not start with BOS even where the model asks for it");
  cmd->add_flag("--no-parse-special", a->no_parse_special, "control tokens written in the text (<start_of_turn>) stay "
                "text, as `gptqt eval` reads a text (by default they are tokens, as in llama-tokenize and chat prompts)");
  auto* count = cmd->add_flag("--count", a->count, "print only the number of tokens");
  cmd->add_flag("--pieces", a->pieces, "one token a line, with its text in the vocabulary")->excludes(count);
  cmd->callback([a] { run_tokenize(*a); });
}

}  // namespace gptqt::cli
