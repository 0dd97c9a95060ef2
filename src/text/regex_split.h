// Pre-tokenization by regular expressions (PCRE2, JIT-compiled, Unicode-aware:
// \p{L}, \p{N} and \s follow Unicode properties).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gptqt {

// Applies a list of patterns in turn. Each pattern cuts every current piece into
// its matches and the text between them, all kept as pieces (Hugging Face's
// "Isolated" split, and llama.cpp's): no byte of the input is ever dropped. A
// pattern sees one piece at a time, so a lookahead cannot look past its end.
class RegexSplitter {
 public:
  explicit RegexSplitter(const std::vector<std::string>& patterns);  // Error on a bad pattern
  ~RegexSplitter();
  RegexSplitter(RegexSplitter&&) noexcept;
  RegexSplitter& operator=(RegexSplitter&&) noexcept;

  // Appends the pieces of `text` to `out` (views into `text`). Thread-safe.
  void split(std::string_view text, std::vector<std::string_view>& out) const;

 private:
  struct Compiled;
  std::vector<std::unique_ptr<Compiled>> patterns_;
};

}  // namespace gptqt
