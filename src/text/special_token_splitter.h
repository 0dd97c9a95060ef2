// Cuts text at special/added tokens (<|endoftext|>, <|im_start|>, ...) so that
// they become one token each and the text between them is tokenized normally.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gptqt {

struct TextFragment {
  std::string_view text;  // plain text to tokenize, when token < 0
  int32_t token = -1;     // a matched special token
};

class SpecialTokenSplitter {
 public:
  SpecialTokenSplitter() = default;
  explicit SpecialTokenSplitter(std::vector<std::pair<std::string, int32_t>> tokens);

  bool empty() const { return tokens_.empty(); }
  // Leftmost match first and, among matches at one position, the longest (as
  // Hugging Face tokenizers). Appends fragments of `text` (views into it) to `out`.
  void split(std::string_view text, std::vector<TextFragment>& out) const;

 private:
  std::vector<std::pair<std::string, int32_t>> tokens_;  // longest first
  std::array<bool, 256> first_byte_{};                   // bytes that can start a token
};

}  // namespace gptqt
