#include "text/vocab.h"

#include "core/error.h"

namespace gptqt {

TokenType token_type_from_int(int64_t t) {
  GPTQT_CHECK(t >= 1 && t <= 6, "unknown token type {} (expected 1..6)", t);
  return static_cast<TokenType>(t);
}

Vocab::Vocab(std::vector<std::string> tokens, std::vector<float> scores, std::vector<TokenType> types)
    : tokens_(std::move(tokens)), scores_(std::move(scores)), types_(std::move(types)) {
  GPTQT_CHECK(!tokens_.empty(), "tokenizer vocabulary is empty");
  GPTQT_CHECK(scores_.size() == tokens_.size() && types_.size() == tokens_.size(),
              "tokenizer vocabulary has {} tokens but {} scores and {} types", tokens_.size(), scores_.size(),
              types_.size());
  GPTQT_CHECK(tokens_.size() < (size_t{1} << 31), "tokenizer vocabulary too large");
  index_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    bool inserted = index_.emplace(tokens_[i], static_cast<int32_t>(i)).second;
    GPTQT_CHECK(inserted, "token '{}' appears twice in the vocabulary (ids {} and {})", tokens_[i],
                index_.find(tokens_[i])->second, i);
  }
}

int32_t Vocab::find(std::string_view text) const {
  auto it = index_.find(text);
  return it == index_.end() ? -1 : it->second;
}

}  // namespace gptqt
