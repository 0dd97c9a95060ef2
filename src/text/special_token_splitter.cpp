#include "text/special_token_splitter.h"

#include <algorithm>

namespace gptqt {

SpecialTokenSplitter::SpecialTokenSplitter(std::vector<std::pair<std::string, int32_t>> tokens)
    : tokens_(std::move(tokens)) {
  std::erase_if(tokens_, [](const auto& t) { return t.first.empty(); });
  std::stable_sort(tokens_.begin(), tokens_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& t : tokens_) first_byte_[static_cast<unsigned char>(t.first[0])] = true;
}

void SpecialTokenSplitter::split(std::string_view text, std::vector<TextFragment>& out) const {
  size_t start = 0;
  // Scanning for the few bytes that can open a special token keeps this linear
  // in the text for the usual handful of tokens.
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) continue;
    std::string_view rest = text.substr(pos);
    auto it = std::find_if(tokens_.begin(), tokens_.end(),
                           [&](const auto& t) { return rest.starts_with(t.first); });
    if (it == tokens_.end()) continue;
    if (pos > start) out.push_back({text.substr(start, pos - start)});
    out.push_back({rest.substr(0, it->first.size()), it->second});
    start = pos + it->first.size();
    pos = start - 1;
  }
  if (start < text.size()) out.push_back({text.substr(start)});
}

}  // namespace gptqt
