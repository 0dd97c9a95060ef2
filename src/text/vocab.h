// A tokenizer vocabulary: token texts, scores and types, with a text -> id index.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gptqt {

// SentencePiece's piece types; GGUF's tokenizer.ggml.token_type uses the same numbers.
enum class TokenType : int32_t {
  Normal = 1,
  Unknown = 2,
  Control = 3,      // BOS, EOS, <|im_start|>, ...: never produced from plain text by SentencePiece
  UserDefined = 4,  // always matched whole in the text
  Unused = 5,
  Byte = 6,  // <0xXX> byte-fallback pieces
};

class Vocab {
 public:
  // Throws Error when the arrays differ in length, a type is out of range or a
  // token text is repeated (ids would be ambiguous).
  Vocab(std::vector<std::string> tokens, std::vector<float> scores, std::vector<TokenType> types);

  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < size(); }
  const std::string& text(int32_t id) const { return tokens_[id]; }
  float score(int32_t id) const { return scores_[id]; }
  TokenType type(int32_t id) const { return types_[id]; }
  int32_t find(std::string_view text) const;  // -1 when absent

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> index_;
};

// Throws Error unless `t` is one of the TokenType values.
TokenType token_type_from_int(int64_t t);

}  // namespace gptqt
