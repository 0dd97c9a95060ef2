// The pre-tokenizer regexes of byte-level BPE models, and the names GGUF files
// give them (tokenizer.ggml.pre, written by llama.cpp's converter).
#pragma once
#include <string>
#include <vector>

namespace gptqt {

// GPT-2's pattern, also what Hugging Face's ByteLevel pre-tokenizer applies when use_regex is set.
extern const char* const kGpt2Pattern;

struct NamedPreTokenizer {
  std::vector<std::string> patterns;  // applied in turn (see RegexSplitter)
  bool ignore_merges = false;         // a word that is already a token is not merged (Llama-3)
  bool add_bos = false;               // BOS default when the file has no add_bos_token key
};

// Throws Error naming `name` when it is not known.
NamedPreTokenizer pre_tokenizer_by_name(const std::string& name);

}  // namespace gptqt
