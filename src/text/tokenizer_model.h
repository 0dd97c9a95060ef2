// The interface of a tokenization algorithm over a vocabulary. Tokenizer adds
// BOS/EOS handling on top; the implementations are SentencePieceBpe and ByteLevelBpe.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/vocab.h"

namespace gptqt {

enum class TokenizerKind {
  SentencePieceBpe,  // Llama-1/2, stories260K: score-ordered merges, U+2581 spaces, byte fallback
  ByteLevelBpe,      // GPT-2, OPT, BLOOM, SmolLM2, Llama-3: ranked merges over GPT-2's byte symbols
};
const char* tokenizer_kind_name(TokenizerKind kind);

class TokenizerModel {
 public:
  explicit TokenizerModel(Vocab vocab) : vocab_(std::move(vocab)) {}
  virtual ~TokenizerModel() = default;

  virtual TokenizerKind kind() const = 0;
  // Appends the ids of `text` to `out`, without BOS/EOS. control_tokens: control
  // tokens written in the text (<start_of_turn>, <s>) become those tokens, as chat
  // prompts need; otherwise each model matches what its reference library matches.
  virtual void encode(std::string_view text, std::vector<int32_t>& out, bool control_tokens) const = 0;
  // The bytes that token `id` (a valid id) contributes to decoded text.
  virtual std::string piece(int32_t id) const = 0;
  // The text of a sequence of valid ids.
  virtual std::string decode(std::span<const int32_t> ids) const = 0;

  const Vocab& vocab() const { return vocab_; }

 protected:
  Vocab vocab_;
};

}  // namespace gptqt
