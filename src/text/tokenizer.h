// A text tokenizer: encode text to token ids and back. Built by the loaders in
// text/tokenizer_load.h from a GGUF file, a Hugging Face tokenizer.json or a
// SentencePiece tokenizer.model.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_model.h"

namespace gptqt {

struct SpecialTokenIds {
  int32_t bos = -1;  // -1: the model has none
  int32_t eos = -1;
  bool add_bos = false;  // encode(text) starts with BOS
  bool add_eos = false;  // encode(text) ends with EOS
};

class Tokenizer {
 public:
  // Throws Error when a BOS/EOS id is outside the vocabulary, or is to be added but is -1.
  Tokenizer(std::shared_ptr<const TokenizerModel> model, SpecialTokenIds special);

  // Token ids of `text`; with add_special, BOS/EOS as the model asks (add_bos()/add_eos()).
  // Byte-level BPE models match their special tokens (<|endoftext|>, ...) written
  // in the text, as Hugging Face tokenizers do; SentencePiece models only their
  // user-defined pieces, as the sentencepiece library does, unless control_tokens
  // (chat prompts, which write <start_of_turn> and the like as text).
  std::vector<int32_t> encode(std::string_view text, bool add_special = true, bool control_tokens = false) const;
  // Text of `ids`; throws Error on an id outside the vocabulary. SentencePiece
  // models render control tokens (BOS/EOS) as nothing; byte-level models render
  // special tokens as their text (Hugging Face's decode without skip_special_tokens).
  std::string decode(std::span<const int32_t> ids) const;
  // The bytes one token contributes to decoded text (may be part of a UTF-8 character).
  std::string token_to_piece(int32_t id) const;
  // The token as stored in the vocabulary ("▁the", "Ġthe", "<0x0A>", "<|endoftext|>").
  const std::string& token_text(int32_t id) const;
  // A control token (BOS, EOS, <|im_end|>, ...): text for the model, never shown to a user.
  bool is_control(int32_t id) const;
  int32_t find_token(std::string_view text) const;  // -1 when absent

  int32_t vocab_size() const { return model_->vocab().size(); }
  TokenizerKind kind() const { return model_->kind(); }
  int32_t bos_id() const { return special_.bos; }
  int32_t eos_id() const { return special_.eos; }
  bool add_bos() const { return special_.add_bos; }
  bool add_eos() const { return special_.add_eos; }
  void set_add_bos(bool add);  // Error when turning it on for a model without BOS

 private:
  void check_id(int32_t id) const;

  std::shared_ptr<const TokenizerModel> model_;
  SpecialTokenIds special_;
};

}  // namespace gptqt
