#include "text/tokenizer.h"

#include "core/error.h"

namespace gptqt {

const char* tokenizer_kind_name(TokenizerKind kind) {
  switch (kind) {
    case TokenizerKind::SentencePieceBpe:
      return "SentencePiece BPE";
    case TokenizerKind::ByteLevelBpe:
      return "byte-level BPE";
  }
  return "?";
}

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerModel> model, SpecialTokenIds special)
    : model_(std::move(model)), special_(special) {
  const Vocab& v = model_->vocab();
  GPTQT_CHECK(special_.bos == -1 || v.valid(special_.bos), "BOS id {} outside the vocabulary of {}",
              special_.bos, v.size());
  GPTQT_CHECK(special_.eos == -1 || v.valid(special_.eos), "EOS id {} outside the vocabulary of {}",
              special_.eos, v.size());
  GPTQT_CHECK(!special_.add_bos || special_.bos >= 0, "the tokenizer adds BOS but has no BOS token");
  GPTQT_CHECK(!special_.add_eos || special_.eos >= 0, "the tokenizer adds EOS but has no EOS token");
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool control_tokens) const {
  std::vector<int32_t> ids;
  if (add_special && special_.add_bos) ids.push_back(special_.bos);
  model_->encode(text, ids, control_tokens);
  if (add_special && special_.add_eos) ids.push_back(special_.eos);
  return ids;
}

void Tokenizer::check_id(int32_t id) const {
  GPTQT_CHECK(model_->vocab().valid(id), "token id {} outside the vocabulary of {}", id, vocab_size());
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const {
  for (int32_t id : ids) check_id(id);
  return model_->decode(ids);
}

std::string Tokenizer::token_to_piece(int32_t id) const {
  check_id(id);
  return model_->piece(id);
}

const std::string& Tokenizer::token_text(int32_t id) const {
  check_id(id);
  return model_->vocab().text(id);
}

void Tokenizer::set_add_bos(bool add) {
  GPTQT_CHECK(!add || special_.bos >= 0, "this tokenizer has no BOS token");
  special_.add_bos = add;
}

bool Tokenizer::is_control(int32_t id) const {
  check_id(id);
  return model_->vocab().type(id) == TokenType::Control;
}

int32_t Tokenizer::find_token(std::string_view text) const { return model_->vocab().find(text); }

}  // namespace gptqt
