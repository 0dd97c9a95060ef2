// SentencePiece's BPE encoding (Llama-1/2, stories260K), as the sentencepiece
// library and llama.cpp's "llama" tokenizer do it: spaces become U+2581 ("▁"),
// with one prepended (the dummy prefix); the text starts as single characters
// and the adjacent pair whose concatenation is the highest-scoring piece is
// merged until none is left; a character that is no piece falls back to its
// UTF-8 bytes as <0xXX> pieces (or to <unk> when the vocabulary has none).
#pragma once
#include <array>

#include "text/special_token_splitter.h"
#include "text/tokenizer_model.h"

namespace gptqt {

struct SentencePieceOptions {
  bool add_dummy_prefix = true;           // "hello" is tokenized as " hello"
  bool remove_extra_whitespaces = false;  // strip the ends, collapse runs of spaces
  bool byte_fallback = true;  // unknown characters as <0xXX> pieces (if all 256 exist), else <unk>
};

class SentencePieceBpe final : public TokenizerModel {
 public:
  // unk_id: the <unk> piece, -1 for none.
  SentencePieceBpe(Vocab vocab, SentencePieceOptions options, int32_t unk_id);

  TokenizerKind kind() const override { return TokenizerKind::SentencePieceBpe; }
  void encode(std::string_view text, std::vector<int32_t>& out, bool control_tokens) const override;
  std::string piece(int32_t id) const override;
  std::string decode(std::span<const int32_t> ids) const override;

 private:
  void encode_text(std::string_view text, std::vector<int32_t>& out) const;  // no control tokens
  std::string normalize(std::string_view text) const;
  int32_t mergeable_id(std::string_view piece) const;  // -1 unless a normal, user-defined or unused piece
  void emit_unknown(std::string_view piece, std::vector<int32_t>& out) const;
  // The merges over one run of text that no user-defined piece interrupts.
  void merge_segment(std::string_view segment, std::vector<int32_t>& out) const;

  SentencePieceOptions options_;
  int32_t unk_id_;
  std::array<int32_t, 256> byte_ids_{};  // the <0xXX> pieces
  bool byte_fallback_ = false;
  SpecialTokenSplitter user_defined_;  // user-defined pieces are matched whole, never merged
  SpecialTokenSplitter control_;       // control tokens, matched in the raw text when asked
  // True when no piece has a "▁" after another character: then merges never
  // cross the start of a "▁word", and text can be merged word by word (and cached).
  bool word_splits_ = false;
};

}  // namespace gptqt
