#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/mapped_file.h"
#include "text/tokenizer_load.h"

namespace gptqt {
namespace {

bool has_gguf_magic(const std::filesystem::path& p) {
  const MappedFile f(p.string());  // refuses a pipe or device rather than waiting on it
  return f.size() >= 4 && std::memcmp(f.data(), "GGUF", 4) == 0;
}

}  // namespace

Tokenizer load_tokenizer(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  GPTQT_CHECK(fs::exists(p), "no such file or folder: {}", path);
  if (fs::is_directory(p)) {
    // SentencePiece models (Llama-2, Mistral) ship both files, and their
    // tokenizer.json is not byte-level: the .model is the original.
    if (fs::exists(p / "tokenizer.model")) return from_sentencepiece_model((p / "tokenizer.model").string());
    if (fs::exists(p / "tokenizer.json")) return from_tokenizer_json((p / "tokenizer.json").string());
    fail("{}: no tokenizer.json or tokenizer.model in this folder", path);
  }
  if (p.extension() == ".gguf" || has_gguf_magic(p)) return from_gguf(GgufFile(path));
  if (p.extension() == ".json") return from_tokenizer_json(path);
  if (p.extension() == ".model") return from_sentencepiece_model(path);
  fail("{}: not a tokenizer file (expected a .gguf, tokenizer.json or tokenizer.model)", path);
}

}  // namespace gptqt
