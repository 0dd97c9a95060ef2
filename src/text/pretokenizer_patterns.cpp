#include "text/pretokenizer_patterns.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/error.h"

namespace gptqt {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

// Llama-3's tokenizer.json pattern; Qwen2's differs only in taking digits one by one.
const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kBloomPattern = R"( ?[^(\s|.,!?…。，、।۔،)]+)";

bool one_of(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

NamedPreTokenizer pre_tokenizer_by_name(const std::string& name) {
  // "default" is what llama.cpp's converter writes when it does not recognise a
  // tokenizer; llama.cpp then applies a legacy multi-pattern split that it warns
  // degrades quality. We take the GPT-2 pattern, the one such models came from.
  if (one_of(name, {"default", "gpt2", "gpt-2", "phi-2", "roberta-bpe", "mpt", "olmo", "jais"}))
    return {{kGpt2Pattern}};
  if (one_of(name, {"llama3", "llama-v3", "llama-bpe", "falcon3"}))
    return {{kLlama3Pattern}, /*ignore_merges=*/true, /*add_bos=*/true};
  if (one_of(name, {"dbrx", "smaug-bpe"})) return {{kLlama3Pattern}};
  if (one_of(name, {"qwen2", "stablelm2", "megrez"})) return {{kQwen2Pattern}};
  // Every digit on its own first, then GPT-2's pattern (SmolLM, StarCoder, ...).
  if (one_of(name, {"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"}))
    return {{R"(\p{N})", kGpt2Pattern}};
  if (one_of(name, {"bloom", "poro-chat", "gpt3-finnish"})) return {{kBloomPattern}};
  fail("unknown pre-tokenizer '{}' (tokenizer.ggml.pre)", name);
}

}  // namespace gptqt
