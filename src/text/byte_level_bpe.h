// Byte-level BPE (GPT-2, OPT, BLOOM, SmolLM2, Llama-3), as Hugging Face
// tokenizers and llama.cpp's "gpt2" tokenizer do it: special tokens are cut out
// first; the rest is split into words by the pre-tokenizer regexes; each word's
// bytes become GPT-2's byte symbols and the adjacent pair with the lowest merge
// rank is merged until no ranked pair is left.
#pragma once
#include <array>
#include <unordered_map>
#include <utility>

#include "text/regex_split.h"
#include "text/special_token_splitter.h"
#include "text/tokenizer_model.h"

namespace gptqt {

struct ByteLevelBpeOptions {
  std::vector<std::string> patterns;  // pre-tokenizer regexes, applied in turn
  bool ignore_merges = false;         // a word that is a token as a whole is emitted as is
  int32_t unk_id = -1;                // for bytes without a symbol token; -1: such bytes are dropped
};

class ByteLevelBpe final : public TokenizerModel {
 public:
  // merges: in rank order, each pair of token texts whose concatenation is a token.
  // Special tokens (the vocabulary's control and user-defined tokens) are matched
  // whole in the text. Throws Error on a merge whose parts or result are not tokens.
  ByteLevelBpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
               ByteLevelBpeOptions options);

  TokenizerKind kind() const override { return TokenizerKind::ByteLevelBpe; }
  // Special tokens in the text are always matched (Hugging Face's behaviour).
  void encode(std::string_view text, std::vector<int32_t>& out, bool control_tokens) const override;
  std::string piece(int32_t id) const override;
  std::string decode(std::span<const int32_t> ids) const override;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;

  ByteLevelBpeOptions options_;
  RegexSplitter splitter_;
  SpecialTokenSplitter specials_;
  std::array<int32_t, 256> byte_ids_{};  // token of each byte's symbol, -1 if none
  std::unordered_map<uint64_t, Merge> merges_;
};

}  // namespace gptqt
