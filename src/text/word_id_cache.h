// Memo of the ids each distinct word of one text encodes to: natural text
// repeats its words, so each is merged once. Keys view the text being encoded,
// so a cache lives no longer than one encode() call.
#pragma once
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gptqt {

class WordIdCache {
 public:
  // Appends the ids of `word` to out; encode(word, ids) runs only for a new word.
  template <typename Encode>
  void append(std::string_view word, std::vector<int32_t>& out, Encode&& encode) {
    auto [it, inserted] = spans_.try_emplace(word);
    if (inserted) {
      const size_t first = ids_.size();
      encode(word, ids_);
      it->second = {first, ids_.size()};
    }
    out.insert(out.end(), ids_.begin() + long(it->second.first), ids_.begin() + long(it->second.second));
  }

 private:
  std::unordered_map<std::string_view, std::pair<size_t, size_t>> spans_;  // word -> ids_[first, last)
  std::vector<int32_t> ids_;
};

}  // namespace gptqt
